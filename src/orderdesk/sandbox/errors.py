"""The sandbox API's own envelope: ``{"error": {"code", "message", "field"?}}``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from orderdesk.domain.errors import DomainError
from orderdesk.web.answers import Reply, json_answer
from orderdesk.web.envelopes import STATUS_OF_KIND, error_responses


class SandboxErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None


class SandboxError(BaseModel):
    error: SandboxErrorBody


RESPONSES = error_responses(SandboxError, {401: "The admin token is missing or wrong"})


def envelope(status: int, code: str, message: str, field: str | None = None) -> Reply:
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return json_answer({"error": error}, status)


def error_answer(err: DomainError) -> Reply:
    return envelope(STATUS_OF_KIND[err.kind], err.code, err.message, err.field)

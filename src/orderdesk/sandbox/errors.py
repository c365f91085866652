"""The sandbox API's own envelope: ``{"error": {"code", "message", "field"?}}``."""

from __future__ import annotations

from typing import NotRequired  # pydantic needs these before 3.12

from typing_extensions import TypedDict

from orderdesk.auth.attempts import RETRY_AFTER
from orderdesk.domain.errors import DomainError
from orderdesk.web.answers import Reply, json_answer
from orderdesk.web.envelopes import STATUS_OF_KIND, error_responses


class SandboxErrorBody(TypedDict):
    code: str
    message: str
    field: NotRequired[str]


# ``envelope`` writes it, the routes document it: one definition.
class SandboxError(TypedDict):
    """Every sandbox error answer."""

    error: SandboxErrorBody


RESPONSES = {
    **error_responses(SandboxError, {401: "The admin token is missing or wrong"}),
    429: {
        "model": SandboxError,
        "description": "This address sent too many wrong admin tokens; retry later",
        "headers": RETRY_AFTER,
    },
}


def envelope(status: int, code: str, message: str, field: str | None = None) -> Reply:
    error: SandboxErrorBody = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    body: SandboxError = {"error": error}
    return json_answer(body, status)


def error_answer(err: DomainError) -> Reply:
    return envelope(STATUS_OF_KIND[err.kind], err.code, err.message, err.field)

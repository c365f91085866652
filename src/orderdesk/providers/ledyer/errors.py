"""Ledyer's error envelope: ``{"errors": [{"message", "code", "field"?}]}``.

Statuses: 400 malformed, 401 token, 403 store not allowed, 404 unknown order, 409 the
order's state does not allow the action (or the same key is in flight), 422 a rule on the
values sent (totals, VAT, line ids, amounts).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from orderdesk.domain.errors import DomainError
from orderdesk.web.answers import Reply, json_answer
from orderdesk.web.envelopes import STATUS_OF_KIND, error_responses


class LedyerError(BaseModel):
    message: str
    code: str = Field(description="The error code, e.g. CAPTURE_LINE_NOT_FOUND")
    field: str | None = Field(None, description="The request field at fault, when one is")


class LedyerErrors(BaseModel):
    """Every Ledyer error answer."""

    errors: list[LedyerError]


RESPONSES = error_responses(
    LedyerErrors,
    {
        400: "The request is malformed",
        401: "The token is missing, invalid or expired",
        403: "The credential may not act on the order's store",
        404: "No such order",
        409: "The order's state does not allow it, or the idempotency key is in flight",
        413: "The body is too large",
        415: "The body is not JSON",
        422: "A rule rejects the values sent, or the idempotency key was used for another request",
    },
)


def envelope(status: int, code: str, message: str, field: str | None = None) -> Reply:
    error: dict[str, Any] = {"message": message, "code": code}
    if field is not None:
        error["field"] = field
    headers = {"www-authenticate": "Bearer"} if status == 401 else None
    return json_answer({"errors": [error]}, status, headers)


def error_answer(err: DomainError) -> Reply:
    return envelope(STATUS_OF_KIND[err.kind], err.code, err.message, err.field)

"""Ledyer's error envelope: ``{"errors": [{"message", "code", "field"?}]}``.

Statuses: 400 malformed, 401 token, 403 store not allowed, 404 unknown order, 409 the
order's state does not allow the action (or the same key is in flight), 422 a rule on the
values sent (totals, VAT, line ids, amounts).
"""

from __future__ import annotations

from typing import (
    Annotated,
    NotRequired,  # pydantic needs these before 3.12
)

from pydantic import Field
from typing_extensions import TypedDict

from orderdesk.domain.errors import DomainError
from orderdesk.web.answers import Reply, json_answer
from orderdesk.web.envelopes import STATUS_OF_KIND, error_responses


class LedyerError(TypedDict):
    message: str
    code: Annotated[str, Field(description="The error code, e.g. CAPTURE_LINE_NOT_FOUND")]
    field: NotRequired[Annotated[str, Field(description="The request field at fault")]]


# ``envelope`` writes it, the routes document it: one definition.
class LedyerErrors(TypedDict):
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
    error: LedyerError = {"message": message, "code": code}
    if field is not None:
        error["field"] = field
    body: LedyerErrors = {"errors": [error]}
    headers = {"www-authenticate": "Bearer"} if status == 401 else None
    return json_answer(body, status, headers)


def error_answer(err: DomainError) -> Reply:
    return envelope(STATUS_OF_KIND[err.kind], err.code, err.message, err.field)

"""Walley's error envelope: ``{"id", "error": {"code": <http status>, "message", "errors"}}``."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict  # pydantic needs it before Python 3.12

from orderdesk.domain.errors import DomainError, Kind
from orderdesk.web.answers import Reply, json_answer
from orderdesk.web.envelopes import error_responses

STATUS = {
    Kind.INVALID: 400,
    Kind.RULE: 422,
    Kind.STATE: 422,
    Kind.NOT_FOUND: 404,
    Kind.FORBIDDEN: 403,
    Kind.IN_PROGRESS: 409,
}
TITLES = {
    400: "Bad or faulty request. Please examine the errors property.",
    401: "Unauthorized, token verification needed.",
    403: "Permissions needed.",
    404: "The resource requested was not found.",
    405: "The method is not allowed for this resource.",
    409: "Request with same idempotency key already in progress.",
    413: "The request body is too large.",
    415: "The content type is not supported.",
    422: "The request could not be processed.",
    500: "An unexpected error occurred.",
}


class WalleyErrorDetail(TypedDict):
    reason: Annotated[str, Field(description="The error code, e.g. CAPTURE_AMOUNT_TOO_LARGE")]
    message: str


class WalleyErrorBody(TypedDict):
    code: Annotated[int, Field(description="The HTTP status")]
    message: str
    errors: list[WalleyErrorDetail]


# ``envelope`` writes it, the routes document it: one definition.
class WalleyError(TypedDict):
    """Every Walley error answer."""

    id: Annotated[str, Field(json_schema_extra={"format": "uuid"})]
    error: WalleyErrorBody


RESPONSES = error_responses(WalleyError, TITLES)


def envelope(status: int, reason: str, message: str) -> Reply:
    body: WalleyError = {
        "id": str(uuid.uuid4()),
        "error": {
            "code": status,
            "message": TITLES.get(status, "Error"),
            "errors": [{"reason": reason, "message": message}],
        },
    }
    headers = {"www-authenticate": "Bearer"} if status == 401 else None
    return json_answer(body, status, headers)


def error_answer(err: DomainError) -> Reply:
    return envelope(STATUS[err.kind], err.code, err.message)

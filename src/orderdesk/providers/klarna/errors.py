"""Klarna's error envelope: ``{"error_code", "error_messages": [...], "correlation_id"}``.

Statuses: 400 ``BAD_VALUE`` (malformed), 401 ``UNAUTHORIZED``, 403 ``*_NOT_ALLOWED`` (the
order's state or the amounts do not allow it), 404 ``NO_SUCH_ORDER`` / ``NO_SUCH_CAPTURE`` /
``NO_SUCH_REFUND``, 409 ``CONFLICT`` (the same idempotency key in flight).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict  # pydantic needs it before Python 3.12

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.web.answers import Reply, json_answer
from orderdesk.web.envelopes import error_responses

NO_SUCH_ORDER = "NO_SUCH_ORDER"
NO_SUCH_CAPTURE = "NO_SUCH_CAPTURE"
NO_SUCH_REFUND = "NO_SUCH_REFUND"
BAD_VALUE = "BAD_VALUE"
NOT_ALLOWED = "NOT_ALLOWED"
CAPTURE_NOT_ALLOWED = "CAPTURE_NOT_ALLOWED"
REFUND_NOT_ALLOWED = "REFUND_NOT_ALLOWED"
CANCEL_NOT_ALLOWED = "CANCEL_NOT_ALLOWED"

STATUS = {
    Kind.INVALID: 400,
    Kind.RULE: 403,
    Kind.STATE: 403,
    Kind.NOT_FOUND: 404,
    Kind.FORBIDDEN: 404,  # another merchant's (or store's) order is no order of the caller's
    Kind.IN_PROGRESS: 409,
}
#: The core's codes in Klarna's words (the rules raise Klarna's own codes).
CODES = {
    e.INVALID_REQUEST: BAD_VALUE,
    e.IDEMPOTENCY_KEY_INVALID: BAD_VALUE,
    e.ORDER_NOT_FOUND: NO_SUCH_ORDER,
    e.FORBIDDEN: NO_SUCH_ORDER,
    e.IDEMPOTENCY_REQUEST_IN_PROGRESS: "CONFLICT",
    e.IDEMPOTENCY_KEY_REUSED: "CONFLICT",
    "INTERNAL_ERROR": "INTERNAL_SERVER_ERROR",
}
DESCRIPTIONS = {
    400: "BAD_VALUE: the request is malformed",
    401: "UNAUTHORIZED: the credentials are missing or wrong",
    403: "*_NOT_ALLOWED: the order's state or amounts do not allow it",
    404: "NO_SUCH_ORDER (or capture, refund)",
    409: "CONFLICT: the same idempotency key is in flight, or was used on another operation",
    413: "REQUEST_TOO_LARGE",
    415: "The body is not JSON",
    422: "Not answered by this API",
    429: "TOO_MANY_REQUESTS: too many wrong secrets from this address (Retry-After)",
}


# ``envelope`` writes it, the routes document it: one definition.
class KlarnaError(TypedDict):
    """Every Klarna error answer."""

    error_code: Annotated[str, Field(description="e.g. CAPTURE_NOT_ALLOWED")]
    error_messages: list[str]
    correlation_id: Annotated[str, Field(json_schema_extra={"format": "uuid"})]


RESPONSES = error_responses(KlarnaError, DESCRIPTIONS)


def envelope(status: int, code: str, message: str) -> Reply:
    body: KlarnaError = {
        "error_code": "TOO_MANY_REQUESTS" if status == 429 else CODES.get(code, code),
        "error_messages": [message],
        "correlation_id": str(uuid.uuid4()),
    }
    headers = {"www-authenticate": 'Basic realm="Klarna"'} if status == 401 else None
    return json_answer(body, status, headers)


def error_answer(err: DomainError) -> Reply:
    status = 409 if err.code == e.IDEMPOTENCY_KEY_REUSED else STATUS[err.kind]
    return envelope(status, err.code, err.message)


def refused(code: str, message: str, kind: Kind = Kind.STATE) -> DomainError:
    """A Klarna refusal (403 unless ``kind`` says otherwise)."""
    return DomainError(code, message, kind)

"""What every error envelope shares: the statuses an API route may answer with it."""

from __future__ import annotations

from typing import Any

from orderdesk.domain.errors import Kind

#: The HTTP status of each kind of refusal, unless an API documents its own.
STATUS_OF_KIND = {
    Kind.INVALID: 400,
    Kind.RULE: 422,
    Kind.STATE: 409,
    Kind.NOT_FOUND: 404,
    Kind.FORBIDDEN: 403,
    Kind.IN_PROGRESS: 409,
}
#: The statuses a dialect route may answer with its error envelope (no 5xx by design but the
#: 503 below).
ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 415, 422)
#: Any route's answer while the database's primary is lost (``ops/metrics.py::Observe``).
UNAVAILABLE = {
    "description": "SERVICE_UNAVAILABLE: the database's primary failed or is switching over;"
    " retry after Retry-After seconds with the same idempotency key",
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before retrying",
            "schema": {"type": "integer"},
        }
    },
}


def error_responses(model: type, descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for every error status, each answered in ``model``'s envelope."""
    answers: dict[int | str, dict[str, Any]] = {
        status: {"model": model, "description": descriptions.get(status, "Error")}
        for status in ERROR_STATUSES
    }
    answers[503] = {"model": model, **UNAVAILABLE}
    return answers

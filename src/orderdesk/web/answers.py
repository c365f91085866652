"""HTTP answers every part of the app shares: a reply kept byte for byte, JSON replies, and
turning a reply into a response."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from fastapi.responses import Response

JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer kept byte for byte: status, headers and body (stored under an idempotency
    key, so a retry gets the very same bytes)."""

    status: int
    headers: dict[str, str]
    body: bytes


def json_answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    merged = {"content-type": JSON}
    if headers:
        merged.update(headers)
    return Reply(status, merged, orjson.dumps(body))


def to_response(reply: Reply) -> Response:
    return Response(content=reply.body, status_code=reply.status, headers=reply.headers)

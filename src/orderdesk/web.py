"""HTTP answers every part of the app shares: JSON replies and turning a reply into a response."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response

from orderdesk.service.replies import Reply

JSON = "application/json"


def json_answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    merged = {"content-type": JSON}
    if headers:
        merged.update(headers)
    return Reply(status, merged, orjson.dumps(body))


def to_response(reply: Reply) -> Response:
    return Response(content=reply.body, status_code=reply.status, headers=reply.headers)

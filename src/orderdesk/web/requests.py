"""What every API route reads from a request: a JSON body's media type, the idempotency key's
header, the server's public address."""

from __future__ import annotations

from fastapi import Request
from starlette.exceptions import HTTPException

from orderdesk.web.answers import JSON


def _is_json(content_type: str) -> bool:
    media, *params = (part.strip().lower() for part in content_type.split(";"))
    if media != JSON and not (media.startswith("application/") and media.endswith("+json")):
        return False
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
            return False
    return True


async def require_json(request: Request) -> None:
    """415 for a body that is not UTF-8 JSON; one without ``Content-Type`` is read as JSON."""
    headers = request.headers
    if headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers:
        return
    content_type = headers.get("content-type", "")
    if content_type.strip() and not _is_json(content_type):
        raise HTTPException(415, f"Send the body as {JSON}, not {content_type}")


def idempotency_header(request: Request, *names: str) -> str | None:
    """The first of ``names`` present (header names are case-insensitive)."""
    for name in names:
        value = request.headers.get(name)
        if value is not None:
            return value
    return None


def base_url(request: Request) -> str:
    configured: str | None = request.app.state.settings.public_url
    return configured or str(request.base_url).rstrip("/")

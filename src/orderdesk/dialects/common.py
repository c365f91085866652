"""Helpers every dialect shares: bearer tokens, timestamps, request bodies, error statuses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from orderdesk.auth.tokens import Principal, TokenError, TokenService
from orderdesk.web import JSON

#: The statuses a dialect route may answer with its error envelope (never 5xx by design).
ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 415, 422)


def error_responses(
    model: type[BaseModel], descriptions: dict[int, str]
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for every error status, each answered in ``model``'s envelope."""
    return {
        status: {"model": model, "description": descriptions.get(status, "Error")}
        for status in ERROR_STATUSES
    }


def iso_z(moment: datetime) -> str:
    """``2023-04-09T14:45:35.367198Z``: RFC 3339 UTC with microseconds (Ledyer).

    Every stored time is UTC; ``isoformat`` is cheaper than ``strftime`` on this hot path.
    """
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


def iso_offset(moment: datetime) -> str:
    """``2022-09-21T11:14:35.790041+00:00`` (Walley)."""
    return moment.isoformat()


def authenticate(request: Request, dialect: str) -> Principal:
    """The caller of a dialect endpoint, from ``Authorization: Bearer …``."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenError("an Authorization: Bearer token is required")
    tokens: TokenService = request.app.state.tokens
    return tokens.verify(token.strip(), dialect)


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

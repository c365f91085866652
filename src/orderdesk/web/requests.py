"""What every API route reads from a request: a JSON body's media type, the idempotency key's
header, the server's public address, RFC 3339 times in the query, and only the query
parameters the route takes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import Query, Request
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from orderdesk.domain.errors import invalid
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


_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


def moment_query(alias: str, description: str | None = None) -> Any:
    """A query parameter holding an RFC 3339 time with its offset (``2023-02-10T00:00:00Z``)."""
    return Query(alias=alias, description=description, json_schema_extra={"format": "date-time"})


def rfc3339(value: str) -> datetime:
    """An RFC 3339 time with its offset; ValueError for anything else (a date alone, a time
    without an offset, seconds since 1970)."""
    if not _RFC3339.fullmatch(value):
        raise ValueError(value)
    return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))


def time_param(value: str | None, name: str, example: str) -> datetime | None:
    """A query parameter's RFC 3339 time (None: not sent); for anything else the domain's
    refusal of an invalid request, answered in the route's own envelope."""
    if value is None:
        return None
    try:
        return rfc3339(value)
    except ValueError:
        raise invalid(f"{name} must be an RFC 3339 time such as {example}", name) from None


def known_query_only(request: Request) -> None:
    """400 for a query parameter the route's endpoint does not take: a misspelt filter
    (``status`` for ``state``) would otherwise widen the answer without a word."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = sorted(param.alias for param in route.dependant.query_params)
    for name in request.query_params:
        if name not in known:
            raise invalid(f"{name} is not a parameter here; these are: {', '.join(known)}", name)

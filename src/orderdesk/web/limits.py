"""Requests refused before any route sees them: bodies above the size limit (413) and paths
with a NUL character (400), each in the envelope of the API the path belongs to."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderdesk.web.answers import to_response
from orderdesk.web.dialect import Apis


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuse request bodies above ``limit`` bytes (413), declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int, apis: Apis) -> None:
        self.app = app
        self.limit = limit
        self.apis = apis

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                api = self.apis.for_path(scope["path"])
                answer = api.envelope(
                    413, "REQUEST_TOO_LARGE", f"Bodies are limited to {self.limit} bytes"
                )
                await to_response(answer)(scope, receive, send)
                return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        await self.app(scope, counted, send)


class NulPathGuard:
    """Answer 400 to a path with a NUL character: no resource is named so, and PostgreSQL
    text (every id column) cannot hold one."""

    def __init__(self, app: ASGIApp, apis: Apis) -> None:
        self.app = app
        self.apis = apis

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "\x00" in scope["path"]:
            api = self.apis.for_path(scope["path"])
            answer = api.envelope(400, "INVALID_REQUEST", "The path contains NUL")
            await to_response(answer)(scope, receive, send)
            return
        await self.app(scope, receive, send)

"""The captures' short way through the app: their endpoints without FastAPI's router.

A capture is the request shops send most, and its replay the one that must answer fastest.
FastAPI spends more CPU routing such a request (matching it against every route, the
exception and exit-stack middlewares, the dependency solver, the request and response
wrappers) than orderdesk spends on its own Python. This middleware, the innermost one, serves
the routes in :data:`ROUTES` itself: it matches the path, runs the router's dependency
(``require_json``) and calls the route's own endpoint — the function FastAPI would call, found
in the app's routes, so the OpenAPI document, the validation and every answer stay those of
the one definition. Exceptions are answered by the app's own handlers. Any other request, and
an order id outside ``[A-Za-z0-9_-]`` (whose path Starlette would encode differently), goes
through FastAPI as before; ``tests/api/test_fast_lane.py`` checks both ways answer alike.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from orderdesk.dialects.common import require_json

#: (method, path template) of every route served here; each must exist in the app.
ROUTES = (
    ("POST", "/manage/orders/{orderId}/capture"),
    ("POST", "/v1/orders/{orderId}/partialcapture"),
    ("POST", "/v1/orders/{orderId}/capture"),
)
ORDER_ID = r"(?P<orderId>[A-Za-z0-9_-]{1,128})"

Endpoint = Callable[[Request, str], Awaitable[Response]]
Handler = Callable[[Request, Any], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class FastRoute:
    method: str
    pattern: re.Pattern[str]
    route: Any  # the app's APIRoute: its endpoint, and the metrics' route label
    endpoint: Endpoint


def fast_routes(app_routes: list[Any]) -> list[FastRoute]:
    """The app's routes named in :data:`ROUTES` (``app_routes``: every route, flattened)."""
    found = []
    for method, template in ROUTES:
        route = next(r for r in app_routes if r.path == template and method in r.methods)
        pattern = re.compile("^" + re.escape(template).replace(r"\{orderId\}", ORDER_ID) + "$")
        found.append(FastRoute(method, pattern, route, route.endpoint))
    return found


class FastLane:
    """Serve :data:`ROUTES` without FastAPI's router (see the module's documentation)."""

    def __init__(
        self, app: ASGIApp, routes: list[FastRoute], handlers: Mapping[Any, Handler]
    ) -> None:
        self.app = app
        self.routes = routes
        # Exception is ServerErrorMiddleware's (it logs, answers 500 and re-raises): let it be.
        self.handlers = {kind: h for kind, h in handlers.items() if kind is not Exception}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            path: str = scope["path"]
            for fast in self.routes:
                matched = fast.pattern.match(path)
                if matched is not None:
                    order_id = matched.group("orderId")
                    scope["route"] = fast.route
                    scope["endpoint"] = fast.endpoint
                    scope["path_params"] = {"orderId": order_id}
                    await self._serve(fast, order_id, scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _serve(
        self, fast: FastRoute, order_id: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        request = Request(scope, receive, send)
        try:
            await require_json(request)
            response = await fast.endpoint(request, order_id)
        except Exception as exc:
            handler = self._handler(exc)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)

    def _handler(self, exc: Exception) -> Handler | None:
        for kind in type(exc).__mro__:
            handler = self.handlers.get(kind)
            if handler is not None:
                return handler
        return None

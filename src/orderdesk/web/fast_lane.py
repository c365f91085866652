"""The order routes' short way through the app: their endpoints without FastAPI's router.

Captures, refunds, cancels and the other calls on one order are the requests shops send, and
a replay the one that must answer fastest. FastAPI spends more CPU routing such a request
(matching it against every route, the exception and exit-stack middlewares, the dependency
solver, the request and response wrappers) than orderdesk spends on its own Python. This
middleware, the innermost one, serves the routes in :data:`ROUTES` itself: one regex and a
dict find the route, then it runs the dialect routers' dependency (``require_json``) and calls
the route's own endpoint — the function FastAPI would call, found in the app's routes, so the
OpenAPI document, the validation and every answer stay those of the one definition.
Exceptions are answered by the app's own handlers. Any other request, and an order id outside
``[A-Za-z0-9_-]`` (whose path Starlette would encode differently), goes through FastAPI as
before; ``tests/api/test_fast_lane.py`` checks both ways answer alike.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from orderdesk.web.requests import require_json

#: (method, path template) of every route served here; each must exist in the app, take only
#: the request, the order id and the query parameters in :data:`QUERY`, and depend only on
#: ``require_json`` (the test checks).
ROUTES = (
    ("GET", "/manage/orders/{orderId}"),
    ("POST", "/manage/orders/{orderId}/capture"),
    ("POST", "/manage/orders/{orderId}/cancel"),
    ("POST", "/manage/orders/{orderId}/extend"),
    ("POST", "/manage/orders/{orderId}/refund"),
    ("POST", "/manage/orders/{orderId}/reauthorize"),
    ("GET", "/v1/orders/{orderId}"),
    ("POST", "/v1/orders/{orderId}"),
    ("DELETE", "/v1/orders/{orderId}"),
    ("GET", "/v1/orders/{orderId}/paymentstatus"),
    ("POST", "/v1/orders/{orderId}/partialcapture"),
    ("POST", "/v1/orders/{orderId}/capture"),
    ("POST", "/v1/orders/{orderId}/customer"),
    ("POST", "/v1/orders/{orderId}/extendexpiry"),
    ("POST", "/v1/orders/{orderId}/reference"),
    ("POST", "/v1/orders/{orderId}/acknowledge"),
    ("POST", "/v1/orders/{orderId}/paymentmethod"),
)
#: The query parameters a route takes after the order id, each a string or None; FastAPI reads
#: such a one as ``request.query_params.get(name)`` (the last of repeated ones), as here.
QUERY = {("GET", "/manage/orders/{orderId}"): ("correlationId",)}
#: Every path :data:`ROUTES` can name: the dialect's prefix, the order id, an action or none.
PATH = re.compile(r"^/(manage|v1)/orders/([A-Za-z0-9_-]{1,128})(/[a-z]+)?$")

Endpoint = Callable[..., Awaitable[Response]]  # (request, order id, *query parameters)
Handler = Callable[[Request, Any], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class FastRoute:
    route: Any  # the app's APIRoute: its endpoint, and the metrics' route label
    endpoint: Endpoint
    query: tuple[str, ...] = ()


#: (method, path template) → the route that serves it.
FastRoutes = dict[tuple[str, str], FastRoute]


def fast_routes(app_routes: list[Any]) -> FastRoutes:
    """The app's routes named in :data:`ROUTES` (``app_routes``: every route, flattened)."""
    found = {}
    for method, template in ROUTES:
        route = next(r for r in app_routes if r.path == template and method in r.methods)
        query = QUERY.get((method, template), ())
        found[(method, template)] = FastRoute(route, route.endpoint, query)
    return found


class FastLane:
    """Serve :data:`ROUTES` without FastAPI's router (see the module's documentation)."""

    def __init__(self, app: ASGIApp, routes: FastRoutes, handlers: Mapping[Any, Handler]) -> None:
        self.app = app
        self.routes = routes
        # Exception is ServerErrorMiddleware's (it logs, answers 500 and re-raises): let it be.
        self.handlers = {kind: h for kind, h in handlers.items() if kind is not Exception}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        matched = PATH.match(scope["path"]) if scope["type"] == "http" else None
        if matched is not None and not scope.get("root_path"):
            prefix, order_id, action = matched.groups()
            template = f"/{prefix}/orders/{{orderId}}{action or ''}"
            fast = self.routes.get((scope["method"], template))
            if fast is not None:
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
            if fast.query:
                params = request.query_params
                query = [params.get(name) for name in fast.query]
                response = await fast.endpoint(request, order_id, *query)
            else:
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

"""The order routes' short way through the app: their endpoints without FastAPI's router.

Captures, refunds, cancels and the other calls on one order are the requests shops send, and
a replay the one that must answer fastest. FastAPI spends more CPU routing such a request
(matching it against every route, the exception and exit-stack middlewares, the dependency
solver, the request and response wrappers) than orderdesk spends on its own Python. This
middleware, the innermost one, serves the routes on one order itself: one regex and a dict
find the route, then it runs the route's dependencies and calls the route's endpoint — the
very route FastAPI installed from the API's route table (``routes.py``), so the OpenAPI
document, the validation and every answer stay those of the one declaration.

A route is served here when its only path parameter is the order's id and its endpoint takes
nothing but the request, that id and optional string query parameters, and each of its
dependencies takes only the request; :func:`fast_routes` finds them. Exceptions are answered
by the app's own handlers. Any other request, and an order id outside ``[A-Za-z0-9_-]``
(whose path Starlette would encode differently), goes through FastAPI as before;
``tests/api/test_fast_lane.py`` checks both ways answer alike.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from orderdesk.web.routes import DialectRoute

#: The name of the path parameter that holds an order's id in every API.
ORDER_PARAM = "orderId"
_ORDER_ID = "[A-Za-z0-9_-]{1,128}"

Endpoint = Callable[..., Awaitable[Response]]  # (request, order id, *query parameters)
Handler = Callable[[Request, Any], Awaitable[Response]]
Dependency = Callable[[Request], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class FastRoute:
    route: DialectRoute  # its endpoint, and the metrics' route label
    dependencies: tuple[Dependency, ...]
    query: tuple[str, ...]  # the query parameters after the order id, each a str or None


def _takes_only_the_request(dependant: Dependant) -> bool:
    call = dependant.call
    if call is None or not inspect.iscoroutinefunction(call):
        return False
    return dependant.request_param_name is not None and not (
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.dependencies
    )


def _fast(route: DialectRoute) -> FastRoute | None:
    """The route as the lane serves it, or None when it is not one the lane can serve."""
    dependant = route.dependant
    params = dependant.path_params
    if len(params) != 1 or params[0].alias != ORDER_PARAM or params[0].field_info.metadata:
        return None
    if route.path.count("{") != 1 or dependant.request_param_name is None:
        return None
    if not all(map(_takes_only_the_request, dependant.dependencies)):
        return None
    if dependant.header_params or dependant.cookie_params or dependant.body_params:
        return None
    if any(p.field_info.default is not None for p in dependant.query_params):
        return None
    calls = tuple(d.call for d in dependant.dependencies if d.call is not None)
    return FastRoute(route, calls, tuple(p.alias for p in dependant.query_params))


def fast_routes(app_routes: Iterable[Any]) -> dict[tuple[str, str, str], FastRoute]:
    """(method, the path before the id, the path after it) → the route, for every route of
    ``app_routes`` the lane can serve."""
    found = {}
    for route in app_routes:
        if not isinstance(route, DialectRoute) or (fast := _fast(route)) is None:
            continue
        before, _, after = route.path.partition("{" + ORDER_PARAM + "}")
        for method in route.methods or ():
            found[(method, before, after)] = fast
    return found


def _path_pattern(keys: Iterable[tuple[str, str, str]]) -> re.Pattern[str]:
    """Every path the routes can name: one of their prefixes, an order id, one of their
    suffixes or none."""
    befores = sorted({before for _, before, _ in keys}, key=len, reverse=True)
    afters = sorted({after for _, _, after in keys if after}, key=len, reverse=True)
    before = "|".join(map(re.escape, befores)) or "(?!)"
    after = "|".join(map(re.escape, afters)) or "(?!)"
    return re.compile(f"^({before})({_ORDER_ID})({after})?$")


class FastLane:
    """Serve the routes on one order without FastAPI's router (see the module's text)."""

    def __init__(
        self,
        app: ASGIApp,
        routes: Mapping[tuple[str, str, str], FastRoute],
        handlers: Mapping[Any, Handler],
    ) -> None:
        self.app = app
        self.routes = routes
        self.path = _path_pattern(routes)
        # An exception without a handler goes on to ``ops/metrics.py::Observe``: a 500.
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        matched = self.path.match(scope["path"]) if scope["type"] == "http" else None
        if matched is not None and not scope.get("root_path"):
            before, order_id, after = matched.groups()
            fast = self.routes.get((scope["method"], before, after or ""))
            if fast is not None:
                scope["route"] = fast.route
                scope["endpoint"] = fast.route.endpoint
                scope["path_params"] = {ORDER_PARAM: order_id}
                await self._serve(fast, order_id, scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _serve(
        self, fast: FastRoute, order_id: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        request = Request(scope, receive, send)
        try:
            for dependency in fast.dependencies:
                await dependency(request)
            endpoint: Endpoint = fast.route.endpoint
            if fast.query:
                params = request.query_params
                query = [params.get(name) for name in fast.query]
                response = await endpoint(request, order_id, *query)
            else:
                response = await endpoint(request, order_id)
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

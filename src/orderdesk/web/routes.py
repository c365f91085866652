"""One route table per API: each route is declared once, and both FastAPI's router and the
fast lane (``fast_lane.py``) are built from that declaration.

A table names the API it belongs to (a provider's name, ``sandbox``, ``backoffice``); every
route it installs is a :class:`DialectRoute` that carries that name, so metrics, the request
journal and fault injection classify a request by the route it matched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from fastapi import FastAPI
from fastapi.params import Depends
from fastapi.responses import Response
from fastapi.routing import APIRoute

Endpoint = Callable[..., Awaitable[Response]]


class DialectRoute(APIRoute):
    """An installed route and the API it belongs to."""

    dialect: str = ""


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    endpoint: Endpoint
    options: dict[str, Any]


@dataclass
class RouteTable:
    """The routes of one API, with what every route of it shares: ``tags``,
    ``dependencies`` (e.g. ``require_json``), error ``responses``, the ``response_class`` of
    its OpenAPI entries and whether they are in the document at all."""

    dialect: str
    tags: list[str] = field(default_factory=list)
    dependencies: Sequence[Depends] = ()
    responses: dict[int | str, dict[str, Any]] = field(default_factory=dict)
    response_class: type[Response] | None = None
    include_in_schema: bool = True
    routes: list[Route] = field(default_factory=list)

    def route(self, method: str, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        """Declare ``endpoint`` as ``method path``; ``options`` are FastAPI's route options,
        and its ``tags``, ``dependencies`` and ``responses`` add to the table's (as
        FastAPI's ``include_router`` adds a router's to its routes')."""

        def declare(endpoint: Endpoint) -> Endpoint:
            self.routes.append(Route(method, path, endpoint, options))
            return endpoint

        return declare

    def get(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route("GET", path, **options)

    def post(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route("POST", path, **options)

    def put(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route("PUT", path, **options)

    def delete(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.route("DELETE", path, **options)

    def sibling(self, **changes: Any) -> RouteTable:
        """Another table of the same API with what every route shares changed (its tags,
        say), and no routes yet."""
        return replace(self, routes=[], **changes)

    def install(self, app: FastAPI) -> list[DialectRoute]:
        """Add every route to ``app``'s router, in the order declared."""
        installed = []
        for route in self.routes:
            options = dict(route.options)
            options["tags"] = [*self.tags, *options.get("tags", ())]
            options["dependencies"] = [*self.dependencies, *options.get("dependencies", ())]
            options["responses"] = {**self.responses, **options.get("responses", {})}
            options.setdefault("include_in_schema", self.include_in_schema)
            if self.response_class is not None:
                options.setdefault("response_class", self.response_class)
            app.router.add_api_route(
                route.path,
                route.endpoint,
                methods=[route.method],
                route_class_override=DialectRoute,
                **options,
            )
            made = app.router.routes[-1]
            assert isinstance(made, DialectRoute)
            made.dialect = self.dialect
            installed.append(made)
        return installed


def dialect_of(route: object) -> str | None:
    """The API a matched route (``scope["route"]``) belongs to, or None."""
    return route.dialect if isinstance(route, DialectRoute) else None

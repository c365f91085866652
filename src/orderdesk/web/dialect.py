"""What the HTTP edge asks of an API (a provider's, or the sandbox's): where its paths are, its
error envelope, how its routes authenticate, and its route tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from orderdesk.domain.errors import DomainError
from orderdesk.web.answers import Reply
from orderdesk.web.routes import RouteTable


@dataclass(frozen=True, slots=True)
class Security:
    """How an API's routes authenticate, as the OpenAPI document says it."""

    scheme: str  # the security scheme's name, e.g. ``AdminToken``
    token: str  # where the bearer token comes from, in words
    key_header: str | None = None  # the idempotency key's header on every write
    http_scheme: str = "bearer"  # the HTTP authentication scheme (``basic``: no tokens)


class ApiDialect(Protocol):
    @property
    def name(self) -> str:
        """Also the name its routes carry (``DialectRoute.dialect``)."""

    @property
    def prefixes(self) -> Sequence[str]:
        """Path prefixes answered in this API's error envelope (``/manage/``)."""

    @property
    def security(self) -> Security:
        """How its routes authenticate."""

    @property
    def route_tables(self) -> Sequence[RouteTable]:
        """Its routes, installed in this order."""

    def envelope(self, status: int, code: str, message: str) -> Reply:
        """An error answer in the API's own envelope."""

    def error_answer(self, error: DomainError) -> Reply:
        """The answer to a refused request (its status from the error's kind)."""


@dataclass(frozen=True, slots=True)
class Apis:
    """Every API the app serves; a path outside all their prefixes is answered in the
    ``default`` API's envelope."""

    apis: Sequence[ApiDialect]
    default: ApiDialect

    def owning(self, path: str) -> ApiDialect | None:
        """The API whose paths ``path`` is under, or None."""
        for api in self.apis:
            if path.startswith(tuple(api.prefixes)):
                return api
        return None

    def for_path(self, path: str) -> ApiDialect:
        """The API whose envelope answers ``path``."""
        return self.owning(path) or self.default

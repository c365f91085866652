"""The sandbox API as the HTTP edge sees it: its paths, its envelope, the admin token."""

from __future__ import annotations

from orderdesk.domain.errors import DomainError
from orderdesk.sandbox import checkouts, clock, errors, notifications, provider_side, routes
from orderdesk.sandbox.routes import AdminRequired, admin_required_answer
from orderdesk.web.answers import Reply
from orderdesk.web.dialect import Security


class SandboxApi:
    name = routes.NAME
    prefixes = ("/sandbox/",)
    security = Security("AdminToken", "the admin token (ORDERDESK_ADMIN_TOKEN)")
    route_tables = (
        routes.ROUTES,
        notifications.ROUTES,
        clock.ROUTES,
        provider_side.ROUTES,
        checkouts.ROUTES,
    )

    def envelope(self, status: int, code: str, message: str) -> Reply:
        return errors.envelope(status, code, message)

    def error_answer(self, error: DomainError) -> Reply:
        return errors.error_answer(error)


SANDBOX = SandboxApi()

__all__ = ["SANDBOX", "AdminRequired", "admin_required_answer"]

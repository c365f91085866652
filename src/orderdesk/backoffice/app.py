"""The back-office at ``/admin/``: server-rendered pages over the same use cases as the API.

A sub-application mounted by ``app.py``; every page but sign-in needs the session cookie
(``session.py``), every form a CSRF token. Orders are found through the indexed columns
(``store/order_list.py``); actions run through each provider's use cases with the
back-office presenter. One module per page; their routes are declared once, here.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

from orderdesk.backoffice import (
    actions,
    checkouts,
    clocks,
    dashboard,
    deliveries,
    order,
    orders,
    pages,
    sandbox,
    signin,
    words,
)
from orderdesk.backoffice.headers import SecurityHeaders
from orderdesk.backoffice.pages import PREFIX, SignInRequired
from orderdesk.backoffice.session import SESSION_COOKIE
from orderdesk.domain.errors import DomainError, Kind

#: The page modules; each declares its routes in its own table.
PAGES = (dashboard, signin, orders, order, actions, deliveries, checkouts, clocks, sandbox)


def create_backoffice(parent: FastAPI) -> FastAPI:
    """The back-office application; ``parent`` holds the pool, keys and journal."""

    async def sign_in_required(request: Request, exc: Exception) -> Response:
        target = request.url.path
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        query = urlencode({"next": target}) if request.method == "GET" else ""
        return pages.see_other(f"{PREFIX}/signin" + (f"?{query}" if query else ""))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        sessions = await pages.sessions(request)
        session = sessions.read(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return await sign_in_required(request, exc)
        return pages.render(
            request, "error.html", session, sessions, exc.status_code, message=exc.detail
        )

    async def domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        status = 404 if exc.kind == Kind.NOT_FOUND else 422
        return await http_error(request, HTTPException(status, words.explain(exc)))

    app = FastAPI(
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        exception_handlers={
            SignInRequired: sign_in_required,
            HTTPException: http_error,
            DomainError: domain_error,
        },
    )
    app.state.parent = parent
    app.state.sessions = None
    for page in PAGES:
        page.ROUTES.install(app)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"))
    app.add_middleware(SecurityHeaders)
    return app

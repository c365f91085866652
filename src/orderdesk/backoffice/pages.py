"""What every back-office page shares: the templates, the signed-in session, a form with its
CSRF token checked, a page rendered or a redirect with a flash, and the parent app's state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from orderdesk import __version__
from orderdesk.backoffice import words
from orderdesk.backoffice.presenter import money
from orderdesk.backoffice.session import SESSION_COOKIE, Session, Sessions
from orderdesk.ops.journal import BACKOFFICE
from orderdesk.providers.registry import PROVIDERS
from orderdesk.service.unit_of_work import UnitOfWork
from orderdesk.store import keys
from orderdesk.web.routes import RouteTable

PREFIX = "/admin"
FLASH_COOKIE = "orderdesk_flash"

templates = Environment(
    loader=PackageLoader("orderdesk.backoffice", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["money"] = money
templates.globals["version"] = __version__
templates.globals["status_words"] = words.STATUS_WORDS
templates.globals["providers"] = [(name, p.title) for name, p in PROVIDERS.items()]
templates.globals["provider_titles"] = {name: p.title for name, p in PROVIDERS.items()}
templates.globals["event_words"] = words.EVENT_WORDS


def routes() -> RouteTable:
    """A page module's route table (the back-office's, out of the OpenAPI document)."""
    return RouteTable(BACKOFFICE, include_in_schema=False)


class SignInRequired(Exception):
    pass


def parent(request: Request) -> Any:
    return request.app.state.parent.state


async def sessions(request: Request) -> Sessions:
    state = request.app.state
    if getattr(state, "sessions", None) is None:
        async with parent(request).pool.acquire() as conn:
            key = await keys.get_or_create(conn, "backoffice_session")
        state.sessions = Sessions(key, parent(request).admin_token)
    made: Sessions = state.sessions
    return made


async def session(request: Request) -> Session:
    found = (await sessions(request)).read(request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise SignInRequired
    return found


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


def render(
    request: Request,
    name: str,
    session: Session | None,
    sessions: Sessions,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    flash = request.cookies.get(FLASH_COOKIE)
    html = templates.get_template(name).render(
        request=request,
        prefix=PREFIX,
        csrf=sessions.csrf(session.nonce) if session else "",
        flash=flash,
        **context,
    )
    response = HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})
    if flash:
        response.delete_cookie(FLASH_COOKIE, path=PREFIX)
    return response


def see_other(url: str, flash: str | None = None, request: Request | None = None) -> Response:
    response = RedirectResponse(url, status_code=303)
    if flash is not None and request is not None:
        response.set_cookie(
            FLASH_COOKIE,
            flash[:300],
            max_age=60,
            path=PREFIX,
            httponly=True,
            samesite="strict",
            secure=secure(request),
        )
    return response


async def form(request: Request, session: Session) -> FormData:
    """The form, once its CSRF token is checked (403 otherwise)."""
    sent_form = await request.form()
    found = await sessions(request)
    sent = sent_form.get("csrf")
    if not found.csrf_ok(session.nonce, sent if isinstance(sent, str) else None):
        raise HTTPException(403, "The form's security token is missing or stale; reload the page")
    return sent_form


def text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def decimal(form: FormData, name: str) -> str:
    """An amount field's number with a decimal point, as the parsers take it: a decimal comma
    (``12,50``, as a Swedish operator types it) and spaces between digit groups (``1 095,50``)
    are read too; anything else is left for the parser to refuse."""
    typed = "".join(text(form, name, 60).split())
    if typed.count(",") == 1 and "." not in typed:
        return typed.replace(",", ".")
    return typed


def pool(request: Request) -> asyncpg.Pool:
    found: asyncpg.Pool = parent(request).pool
    return found


def uow(request: Request) -> UnitOfWork:
    found: UnitOfWork = parent(request).uow
    return found


def moment(at: datetime) -> str:
    """A time as the back-office shows it: to the second, in UTC."""
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def span(length: timedelta) -> str:
    """A length of time in days, hours and minutes ("2 days 3 hours"); under a minute, seconds."""
    minutes = int(length.total_seconds() // 60)
    if minutes == 0:
        return count(int(length.total_seconds()), "second")
    days, rest = divmod(minutes, 24 * 60)
    parts = [(days, "day"), (rest // 60, "hour"), (rest % 60, "minute")]
    return " ".join(count(n, unit) for n, unit in parts if n)


def count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"

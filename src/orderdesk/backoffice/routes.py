"""The back-office at ``/admin/``: server-rendered pages over the same use cases as the API.

A sub-application mounted by ``app.py``; every page but sign-in needs the session cookie
(``session.py``), every form a CSRF token. Orders are found through the indexed columns
(``store/order_list.py``); actions run through ``service/`` with the back-office presenter.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import asyncpg
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from orderdesk.auth import credentials
from orderdesk.auth.tokens import Principal
from orderdesk.backoffice import chart, presenter, words
from orderdesk.backoffice.presenter import Outcome, money
from orderdesk.backoffice.session import LOGIN_COOKIE, SESSION_COOKIE, Session, Sessions
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.lines import CaptureLine, Line
from orderdesk.domain.money import MoneyFormatError, exponent, major_string, parse_decimal_text
from orderdesk.domain.money import to_minor as money_to_minor
from orderdesk.domain.order import CaptureMeta, Order, Provider, document_reference
from orderdesk.domain.vat import vat_amount
from orderdesk.invoices.links import signed_url
from orderdesk.ops.journal import MAX_AGE_DAYS, MAX_ROWS, Journal
from orderdesk.providers.ledyer import actions as ledyer_actions
from orderdesk.providers.ledyer import rules as ledyer
from orderdesk.providers.walley import actions as walley_actions
from orderdesk.providers.walley import rules as walley
from orderdesk.service import outbox as outbox_service
from orderdesk.service import sandbox
from orderdesk.service.unit_of_work import IdempotencyKey, OrderRef, Parsed, read_order, utcnow
from orderdesk.store import journal, keys, merchants, order_list, outbox, reports
from orderdesk.store.merchants import Store
from orderdesk.web.answers import Reply

PREFIX = "/admin"
FLASH_COOKIE = "orderdesk_flash"
CHART_DAYS = 30
MAX_DELIVERIES = 100  # an order's notifications shown on its page (oldest first)
STATUSES = [(s.value, "Walley") for s in walley.WalleyStatus] + [
    (s.value, "Ledyer") for s in ledyer.LedyerStatus
]

templates = Environment(
    loader=PackageLoader("orderdesk.backoffice", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["money"] = money
templates.globals["status_words"] = words.STATUS_WORDS
templates.globals["event_words"] = words.EVENT_WORDS


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One row of an order's timeline: an event, or a request refused or replayed."""

    at: datetime
    who: str | None
    what: str
    amount: int | None
    detail: str
    kind: str  # event | refused | replay


class SignInRequired(Exception):
    pass


class Operator(Principal):
    """The signed-in operator: acts on every store, in the order's own dialect."""

    def may_use(self, store_id: str) -> bool:
        return True


# -- plumbing ---------------------------------------------------------------------------------
def _parent(request: Request) -> Any:
    return request.app.state.parent.state


async def _sessions(request: Request) -> Sessions:
    state = request.app.state
    if getattr(state, "sessions", None) is None:
        async with _parent(request).pool.acquire() as conn:
            key = await keys.get_or_create(conn, "backoffice_session")
        state.sessions = Sessions(key, _parent(request).admin_token)
    sessions: Sessions = state.sessions
    return sessions


async def _session(request: Request) -> Session:
    found = (await _sessions(request)).read(request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise SignInRequired
    return found


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _render(
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


def _see_other(url: str, flash: str | None = None, request: Request | None = None) -> Response:
    response = RedirectResponse(url, status_code=303)
    if flash is not None and request is not None:
        response.set_cookie(
            FLASH_COOKIE,
            flash[:300],
            max_age=60,
            path=PREFIX,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
    return response


async def _form(request: Request, session: Session) -> FormData:
    """The form, once its CSRF token is checked (403 otherwise)."""
    form = await request.form()
    sessions = await _sessions(request)
    sent = form.get("csrf")
    if not sessions.csrf_ok(session.nonce, sent if isinstance(sent, str) else None):
        raise HTTPException(403, "The form's security token is missing or stale; reload the page")
    return form


def _text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = _parent(request).pool
    return pool


# -- sign-in ----------------------------------------------------------------------------------
async def signin_page(request: Request) -> Response:
    sessions = await _sessions(request)
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(16)
    return _signin(request, sessions, nonce, None, 200)


def _signin(
    request: Request, sessions: Sessions, nonce: str, problem: str | None, status: int
) -> Response:
    target = request.query_params.get("next", "")
    response = _render(
        request,
        "signin.html",
        None,
        sessions,
        status,
        signin_csrf=sessions.csrf(nonce),
        next=target if _safe_next(target) else "",
        problem=problem,
    )
    response.set_cookie(
        LOGIN_COOKIE, nonce, path=PREFIX, httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


def _safe_next(target: str) -> bool:
    return target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target


async def signin(request: Request) -> Response:
    sessions = await _sessions(request)
    form = await request.form()
    nonce = request.cookies.get(LOGIN_COOKIE)
    sent = form.get("csrf")
    if not nonce or not sessions.csrf_ok(nonce, sent if isinstance(sent, str) else None):
        return _signin(
            request, sessions, secrets.token_urlsafe(16), "The sign-in form expired; again.", 403
        )
    if not sessions.token_matches(_text(form, "token", 500)):
        return _signin(request, sessions, nonce, "That is not the admin token.", 401)
    target = _text(form, "next", 500)
    response = _see_other(target if _safe_next(target) else PREFIX + "/")
    response.set_cookie(
        SESSION_COOKIE,
        sessions.new_cookie(),
        path=PREFIX,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(LOGIN_COOKIE, path=PREFIX)
    return response


async def signout(request: Request) -> Response:
    session = await _session(request)
    await _form(request, session)
    response = _see_other(PREFIX + "/signin")
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response


# -- dashboard --------------------------------------------------------------------------------
async def dashboard(request: Request) -> Response:
    session = await _session(request)
    first = utcnow().date() - timedelta(days=CHART_DAYS - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    async with _pool(request).acquire() as conn:
        amounts = await reports.per_day(conn, since)
        counts = await reports.status_counts(conn)
    series: dict[str, chart.Series] = {}
    for row in amounts:
        one = series.setdefault(row.store_id, chart.Series(row.store_id, row.currency, {}, {}))
        (one.captured if row.kind == "capture" else one.refunded)[row.day] = row.amount
    charts = [
        {
            "series": one,
            "svg": chart.bar_chart(one, first, CHART_DAYS, _chart_label(one, first)),
            "captured": sum(one.captured.values()),
            "refunded": sum(one.refunded.values()),
        }
        for one in series.values()
    ]
    return _render(
        request,
        "dashboard.html",
        session,
        await _sessions(request),
        charts=charts,
        counts=counts,
        first=first,
        days=CHART_DAYS,
    )


def _chart_label(series: chart.Series, first: date) -> str:
    what = "captured and refunded" if series.refunded else "captured"
    total = money(sum(series.captured.values()), series.currency)
    return (
        f"Money {what} per day in store {series.store_id} since {first:%Y-%m-%d} ({total} captured)"
    )


# -- orders -----------------------------------------------------------------------------------
def _when(text: str, end: bool) -> datetime | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return moment + timedelta(days=1) if end else moment


async def order_list_page(request: Request) -> Response:
    session = await _session(request)
    q = request.query_params
    where = order_list.OrderFilter(
        search=q.get("q", "").strip()[:200],
        store_id=q.get("store", "").strip()[:40],
        provider=q.get("dialect", "") if q.get("dialect") in ("walley", "ledyer") else "",
        status=q.get("status", "").strip()[:40],
        created_from=_when(q.get("from", ""), end=False),
        created_to=_when(q.get("to", ""), end=True),
    )
    after = None
    at, _, after_id = q.get("after", "").partition("|")
    if at and after_id:
        try:
            after = (datetime.fromisoformat(at), after_id)
        except ValueError:
            after = None
    async with _pool(request).acquire() as conn:
        rows, next_key = await order_list.page(conn, where, after)
        stores = await merchants.list_stores(conn)
    kept = {k: v for k, v in q.items() if k != "after" and v}
    next_url = None
    if next_key is not None:
        cursor = f"{next_key[0].isoformat()}|{next_key[1]}"
        next_url = f"{PREFIX}/orders?" + urlencode({**kept, "after": cursor})
    return _render(
        request,
        "orders.html",
        session,
        await _sessions(request),
        rows=rows,
        stores=stores,
        statuses=STATUSES,
        q=q,
        next_url=next_url,
        first_url=f"{PREFIX}/orders?" + urlencode(kept) if after else None,
    )


async def _provider(request: Request, order_id: str) -> Provider:
    async with _pool(request).acquire() as conn:
        found = await conn.fetchval("SELECT provider FROM orders WHERE id = $1", order_id)
    if found is None:
        raise HTTPException(404, f"There is no order {order_id}")
    return Provider(found)


def _ref(order_id: str, provider: Provider) -> OrderRef:
    operator = Operator("backoffice", "", frozenset(), provider)
    return OrderRef(operator, order_id, provider)


async def order_page(
    request: Request, order_id: str, refusal: str | None = None, status: int = 200
) -> Response:
    session = await _session(request)
    provider = await _provider(request, order_id)
    parent = _parent(request)
    pending: Journal = parent.journal
    await pending.flush()  # this process's latest requests, before they are read
    found = await read_order(_pool(request), _ref(order_id, provider))
    order = found.order
    async with _pool(request).acquire() as conn:
        requests = await journal.for_order(conn, order_id)
        movements = await reports.movements(conn, order_id)
        deliveries = await outbox.order_deliveries(conn, order_id, MAX_DELIVERIES)
    now = utcnow()
    base = parent.settings.public_url or str(request.base_url).rstrip("/")
    invoices = {
        chunk.ledger_id: {
            "number": document_reference(found.seq, chunk.document_number),
            "url": signed_url(parent.link_key, base, order.id, chunk.ledger_id),
        }
        for chunk in [*order.captured, *order.refunded]
        if chunk.document_number
    }
    if provider == Provider.WALLEY:
        refundable = walley.refundable_lines(order) if order.refundable else []
        refund_chunks: dict[str, list[str]] = {}
    else:
        refundable = []
        refund_chunks = {
            chunk.ledger_id: [a.value for a in ledyer.chunk_actions(order, chunk)]
            for chunk in order.captured
            if ledyer.chunk_actions(order, chunk)
        }
    statuses = (
        [walley.status(order, now).value]
        if provider == Provider.WALLEY
        else [s.value for s in ledyer.statuses(order, now)]
    )
    who = _who_did(order, requests)
    timeline = [
        TimelineItem(
            event.created_at,
            who.get(event.id),
            words.EVENT_WORDS.get(event.type, event.type),
            event.amount,
            f"ledger {event.ledger_id}",
            "event",
        )
        for event in order.events
    ] + [
        TimelineItem(
            entry.at,
            _who(entry.source),
            f"Replayed: {entry.method} {entry.path}"
            if entry.replayed
            else f"Refused ({entry.status}): {entry.method} {entry.path}",
            None,
            f"idempotency key {entry.idempotency_key}" if entry.idempotency_key else "",
            "replay" if entry.replayed else "refused",
        )
        for entry in requests
        if entry.replayed or entry.status >= 400
    ]
    timeline.sort(key=lambda item: item.at)
    return _render(
        request,
        "order.html",
        session,
        await _sessions(request),
        status,
        order=order,
        statuses=statuses,
        invoices=invoices,
        timeline=timeline,
        requests=requests,
        movements=movements,
        refundable=refundable,
        refund_chunks=refund_chunks,
        deliveries=deliveries,
        max_deliveries=MAX_DELIVERIES,
        refusal=refusal,
        form_key=str(uuid.uuid4()),
        journal_rows=MAX_ROWS,
        journal_days=MAX_AGE_DAYS,
    )


def _who_did(order: Order, requests: list[journal.Entry]) -> dict[str, str]:
    """Who made each event: the sandbox made the order; a change is the first successful,
    first-time request answered after the change began (changes of one order are serialised
    by its row lock, and the journal notes a request when its answer is sent)."""
    done = [
        r
        for r in requests
        if r.method == "POST"
        and r.status < 400
        and not r.replayed
        and not r.path.endswith("/resend")  # sends a notification again; changes nothing
    ]
    found: dict[str, str] = {}
    last: tuple[datetime, str] | None = None
    for event in order.events:
        if event.type == "create":
            found[event.id] = "sandbox"
            continue
        if last is not None and last[0] == event.created_at:  # one change, several events
            found[event.id] = last[1]
            continue
        while done and done[0].at < event.created_at:
            done.pop(0)
        if done:
            found[event.id] = _who(done.pop(0).source)
            last = (event.created_at, found[event.id])
    return found


def _who(source: str) -> str:
    return {"walley": "Walley API", "ledyer": "Ledyer API", "backoffice": "back-office"}.get(
        source, source
    )


def _major(minor: int, currency: str) -> Decimal:
    return Decimal(major_string(minor, exponent(currency)))


def _effective_price(line: Line) -> int:
    if line.unit_price is not None:
        return line.unit_price - (line.unit_discount or 0)
    return line.total_amount // max(line.quantity, 1)


def _capture_line(line: Line) -> CaptureLine:
    return CaptureLine(*line.values())


async def _act(request: Request, order_id: str, action: str) -> Response:
    session = await _session(request)
    form = await _form(request, session)
    provider = await _provider(request, order_id)
    ref = _ref(order_id, provider)
    pool = _pool(request)
    form_key = _text(form, "key", 100) or str(uuid.uuid4())
    chosen = sorted(v for v in form.getlist("line") if isinstance(v, str))
    by_amount = _text(form, "by") == "amount"
    what = "all" if _text(form, "all") else ",".join(chosen)
    if action == "refund":
        what = f"{_text(form, 'chunk')} {_text(form, 'amount') if by_amount else what}"
    fingerprint = f"{action} {what}".encode()
    key = IdempotencyKey.from_request(form_key, "POST", request.url.path, fingerprint)
    request.state.idempotency_key = form_key
    reply: Reply
    if action == "capture":
        order = (await read_order(pool, ref)).order
        uncaptured = order.uncaptured.lines if order.uncaptured else []
        everything = bool(_text(form, "all"))
        if not everything and not chosen:
            return await order_page(request, order_id, "Choose at least one line.", 422)
        # Lines are looked up in every chunk: a form sent again after its capture is then
        # answered by its key's stored reply, and a stale one is refused by the rules.
        known = {ln.id: ln for chunk in order.captured for ln in chunk.lines}
        known.update((ln.id, ln) for ln in uncaptured)
        picked = list(uncaptured) if everything else [known[i] for i in chosen if i in known]
        if not everything and len(picked) != len(chosen):
            message = "A chosen line is not a line of this order any more; reload the page."
            return await order_page(request, order_id, message, 422)
        if provider == Provider.WALLEY:
            total = sum(line.total_amount for line in picked)
            items = None if everything else _walley_items(order, picked)
            amount = order.remaining if everything else total
            request_ = walley.CaptureRequest(
                _major(amount, order.currency), items, False, CaptureMeta()
            )
            reply = await walley_actions.capture(
                pool, ref, Parsed.of(request_), key, presenter.CAPTURE
            )
        else:
            lines = [_capture_line(line) for line in picked]
            total = sum(line.total_amount for line in picked)
            reply = await ledyer_actions.capture(
                pool, ref, Parsed.of((lines, total)), key, presenter.CAPTURE, partial=not everything
            )
    elif action == "refund":
        order = (await read_order(pool, ref)).order
        refused = _refund_form_problem(order, form, chosen, by_amount)
        if refused is not None:
            return await order_page(request, order_id, refused, 422)
        if provider == Provider.WALLEY:
            reply = await walley_actions.refund(
                pool,
                ref,
                _walley_refund(order, chosen, _text(form, "amount"), by_amount),
                key,
                presenter.REFUND,
            )
        else:
            ledger_id = _text(form, "chunk", 100)
            if _text(form, "all"):
                reply = await ledyer_actions.refund(pool, ref, ledger_id, "", key, presenter.REFUND)
            else:
                lines = [_capture_line(line) for line in _chunk_lines(order, ledger_id, chosen)]
                total = sum(line.total_amount for line in lines)
                reply = await ledyer_actions.partial_refund(
                    pool, ref, ledger_id, lines, total, "", key, presenter.REFUND
                )
    elif action == "cancel":
        if provider == Provider.WALLEY:
            reply = await walley_actions.cancel(pool, ref, None, key, presenter.CANCEL)
        else:
            reply = await ledyer_actions.cancel(pool, ref, key, presenter.CANCEL)
    else:
        if provider == Provider.WALLEY:
            reply = await walley_actions.extend(pool, ref, key, presenter.EXTEND)
        else:
            reply = await ledyer_actions.extend(pool, ref, key, presenter.EXTEND)
    outcome = Outcome.from_reply(reply)
    if not outcome.ok:
        return await order_page(request, order_id, outcome.message, 422)
    return _see_other(f"{PREFIX}/orders/{order_id}", outcome.message, request)


def _captured_lines(order: Order) -> dict[str, Line]:
    """Every captured line by id, with what is left of it to refund where that is known."""
    known = {ln.id: ln for chunk in order.captured for ln in chunk.lines}
    if order.provider == Provider.WALLEY:
        known.update((ln.id, ln) for ln in walley.refundable_lines(order))
    return known


def _chunk_lines(order: Order, ledger_id: str, chosen: list[str]) -> list[Line]:
    chunk = next((c for c in order.captured if c.ledger_id == ledger_id), None)
    lines = {ln.id: ln for ln in chunk.lines} if chunk else {}
    return [lines[i] for i in chosen if i in lines]


def _refund_form_problem(
    order: Order, form: FormData, chosen: list[str], by_amount: bool
) -> str | None:
    """What is wrong with the refund form itself (the rules judge the rest), or None.

    Lines are looked up among every captured line: a form sent again after its refund is
    then answered by its key's stored reply, and a stale one is refused by the rules."""
    if order.provider == Provider.WALLEY:
        if by_amount:
            try:
                parse_decimal_text(_text(form, "amount"))
            except (ValueError, MoneyFormatError):
                return f"Give the amount to refund as a number, like 95.00 ({order.currency})."
            return None
        if not chosen:
            return "Choose at least one line to refund, or refund an amount."
        known = _captured_lines(order)
        if any(i not in known for i in chosen):
            return "A chosen line is not a captured line of this order; reload the page."
        return None
    if _text(form, "all"):
        return None
    if not chosen:
        return "Choose at least one line of the capture to refund, or refund it whole."
    if len(_chunk_lines(order, _text(form, "chunk", 100), chosen)) != len(chosen):
        return "A chosen line is not a line of that capture; reload the page."
    return None


def _walley_refund(
    order: Order, chosen: list[str], amount: str, by_amount: bool
) -> walley.RefundRequest:
    """Walley's refund by amount, or by items naming the chosen lines as Walley's items do
    (article number, price, description: Walley's own matching picks the line)."""
    if by_amount:
        return walley.RefundRequest(parse_decimal_text(amount), None, CaptureMeta())
    known = _captured_lines(order)
    picked = [known[i] for i in chosen]
    total = sum(_effective_price(line) * line.quantity for line in picked)
    return walley.RefundRequest(
        _major(total, order.currency), _walley_items(order, picked), CaptureMeta()
    )


def _walley_items(order: Order, lines: list[Line]) -> list[walley.RequestedItem]:
    """The lines as Walley's clients name items: article number, price, quantity, text."""
    return [
        walley.RequestedItem(
            unit_price=_major(_effective_price(line), order.currency),
            quantity=line.quantity,
            id=line.reference,
            description=line.description,
        )
        for line in lines
    ]


async def capture_action(request: Request) -> Response:
    return await _act(request, request.path_params["order_id"], "capture")


async def cancel_action(request: Request) -> Response:
    return await _act(request, request.path_params["order_id"], "cancel")


async def extend_action(request: Request) -> Response:
    return await _act(request, request.path_params["order_id"], "extend")


async def refund_action(request: Request) -> Response:
    return await _act(request, request.path_params["order_id"], "refund")


async def resend_action(request: Request) -> Response:
    """Send one of the order's notifications again now (as the sandbox API's resend)."""
    session = await _session(request)
    await _form(request, session)
    order_id = request.path_params["order_id"]
    try:
        delivery_id = int(request.path_params["delivery_id"])
    except ValueError:
        raise HTTPException(404, "No such notification") from None
    async with _pool(request).acquire() as conn:
        found = await outbox.get_delivery(conn, delivery_id) if 0 < delivery_id < 2**63 else None
    if found is None or found["orderId"] != order_id:
        raise HTTPException(404, f"Order {order_id} has no notification {delivery_id}")
    await outbox_service.resend(_pool(request), delivery_id)
    message = f"Notification {delivery_id} ({found['eventType']}) will be sent again now."
    return _see_other(f"{PREFIX}/orders/{order_id}", message, request)


# -- sandbox ----------------------------------------------------------------------------------
async def sandbox_page(
    request: Request,
    problem: str | None = None,
    status: int = 200,
    secret: credentials.NewCredential | None = None,
) -> Response:
    session = await _session(request)
    async with _pool(request).acquire() as conn:
        found = await merchants.list_merchants(conn)
    stores = [store for merchant in found for store in merchant.stores]
    response = _render(
        request,
        "sandbox.html",
        session,
        await _sessions(request),
        status,
        merchants=found,
        stores=stores,
        problem=problem,
        secret=secret,
        line_rows=range(3),
    )
    return response


async def sandbox_action(request: Request) -> Response:
    session = await _session(request)
    form = await _form(request, session)
    what = request.path_params["what"]
    pool = _pool(request)
    try:
        if what == "merchants":
            name = _text(form, "name")
            if not name:
                raise DomainError("NAME_REQUIRED", "a merchant needs a name", Kind.INVALID)
            merchant_id = await sandbox.create_merchant(pool, name)
            return _see_other(f"{PREFIX}/sandbox", f"Merchant {merchant_id} made.", request)
        if what == "stores":
            provider = _text(form, "provider")
            if provider not in ("walley", "ledyer"):
                raise DomainError("PROVIDER_REQUIRED", "choose Walley or Ledyer", Kind.INVALID)
            segment = "B2B" if _text(form, "segment") == "B2B" else "B2C"
            store = Store(
                _text(form, "store_id", 40) or str(secrets.randbelow(9 * 10**8) + 10**8),
                _text(form, "merchant", 60),
                provider,
                _text(form, "country", 2).upper() or "SE",
                _text(form, "currency", 3).upper() or "SEK",
                segment,
            )
            await sandbox.create_store(pool, store)
            return _see_other(f"{PREFIX}/sandbox", f"Store {store.id} made.", request)
        if what == "credentials":
            async with pool.acquire() as conn:
                made = await credentials.create_credential(conn, _text(form, "merchant", 60), None)
            return await sandbox_page(request, secret=made)
        if what == "orders":
            order = await _sandbox_order(pool, form)
            return _see_other(f"{PREFIX}/orders/{order.id}", f"Order {order.id} made.", request)
    except DomainError as error:
        return await sandbox_page(request, words.explain(error), 422)
    raise HTTPException(404, "No such form")


async def _sandbox_order(pool: asyncpg.Pool, form: FormData) -> Order:
    store_id = _text(form, "store", 40)
    async with pool.acquire() as conn:
        store = await merchants.get_store(conn, store_id)
    if store is None:
        raise DomainError("STORE_NOT_FOUND", "choose a store", Kind.INVALID)
    exp = exponent(store.currency)
    lines: list[CaptureLine] = []
    for index in range(3):
        description = _text(form, f"description{index}")
        if not description:
            continue
        try:
            quantity = int(_text(form, f"quantity{index}") or "1")
            price = money_to_minor(parse_decimal_text(_text(form, f"price{index}") or "0"), exp)
            vat = money_to_minor(parse_decimal_text(_text(form, f"vat{index}") or "0"), 2)
        except (ValueError, MoneyFormatError):
            raise DomainError(
                "LINE_INVALID",
                f"line {index + 1}: quantity must be a whole number and price and VAT "
                f"decimals with at most {exp} and 2 decimals",
                Kind.INVALID,
            ) from None
        total = quantity * price
        lines.append(
            CaptureLine(
                None,
                _text(form, f"reference{index}", 50) or f"A{index + 1}",
                description,
                "physical",
                quantity,
                price,
                0,
                total,
                vat,
                vat_amount(total, vat),
            )
        )
    if not lines:
        raise DomainError("LINES_REQUIRED", "give at least one line a description", Kind.INVALID)
    order, _ = await sandbox.create_order(
        pool,
        sandbox.NewOrder(
            store_id=store.id,
            lines=lines,
            total=sum(line.total_amount for line in lines),
            total_vat=None,
            merchant_reference=_text(form, "reference", 50),
            customer={},
            payment_method="invoice",
            expires_at=None,
        ),
    )
    return order


# -- the application ---------------------------------------------------------------------------
async def order_route(request: Request) -> Response:
    return await order_page(request, request.path_params["order_id"])


async def home(request: Request) -> Response:
    return await dashboard(request)


async def sandbox_route(request: Request) -> Response:
    return await sandbox_page(request)


def create_backoffice(parent: FastAPI) -> FastAPI:
    """The back-office application; ``parent`` holds the pool, keys and journal."""

    async def sign_in_required(request: Request, exc: Exception) -> Response:
        target = request.url.path
        if request.method == "GET" and request.url.query:
            target += "?" + request.url.query
        query = urlencode({"next": target}) if request.method == "GET" else ""
        return _see_other(f"{PREFIX}/signin" + (f"?{query}" if query else ""))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        sessions = await _sessions(request)
        session = sessions.read(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return await sign_in_required(request, exc)
        return _render(
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
    get, post = ["GET"], ["POST"]
    app.add_api_route("/", home, methods=get, include_in_schema=False)
    app.add_api_route("/signin", signin_page, methods=get, include_in_schema=False)
    app.add_api_route("/signin", signin, methods=post, include_in_schema=False)
    app.add_api_route("/signout", signout, methods=post, include_in_schema=False)
    app.add_api_route("/orders", order_list_page, methods=get, include_in_schema=False)
    app.add_api_route("/orders/{order_id}", order_route, methods=get, include_in_schema=False)
    for name, handler in (
        ("capture", capture_action),
        ("cancel", cancel_action),
        ("extend", extend_action),
        ("refund", refund_action),
    ):
        app.add_api_route(
            f"/orders/{{order_id}}/{name}", handler, methods=post, include_in_schema=False
        )
    app.add_api_route(
        "/orders/{order_id}/deliveries/{delivery_id}/resend",
        resend_action,
        methods=post,
        include_in_schema=False,
    )
    app.add_api_route("/sandbox", sandbox_route, methods=get, include_in_schema=False)
    app.add_api_route("/sandbox/{what}", sandbox_action, methods=post, include_in_schema=False)
    return app

"""Checkout sessions: create, update, load, lock, pay and complete — what every provider's
checkout API and the hosted checkout share.

Every function works on the session's store's clock. ``complete`` is one transaction under
the session's row lock: the order made as the sandbox makes one (``sandbox.make_order``), the
session marked with it and the callbacks queued in ``deliveries`` — so completing twice, or at
once from two requests, gives the same order (exactly once). A session's provider's checkout
(``Dialect.checkout``) names the callbacks, the validation hook and the confirmation URL; a
provider without one gets orderdesk's own (:data:`OWN`: JSON POSTs to the session's URLs).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from orderdesk.domain import checkout as c
from orderdesk.domain import errors as e
from orderdesk.domain.checkout import (
    Callback,
    CheckoutSession,
    HookAnswer,
    Moment,
    Outbound,
    Persona,
    Scenario,
    Validation,
    Verdict,
)
from orderdesk.domain.clock import clock, utcnow
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.lines import CaptureLine
from orderdesk.domain.order import Order
from orderdesk.service import wakeup
from orderdesk.service.checkout_dialect import CheckoutDialect
from orderdesk.service.hook_client import HookClient, endpoint, request_head
from orderdesk.service.sandbox import NewOrder, make_order
from orderdesk.service.unit_of_work import UnitOfWork
from orderdesk.store import checkouts, merchants
from orderdesk.store.checkouts import Loaded

log = logging.getLogger("orderdesk.checkout")

USER_AGENT = "orderdesk-checkout/0.1"
MAX_ANSWER_BYTES = 16_384


@dataclass(frozen=True, slots=True)
class NewCheckout:
    """A session to make. None: the store's (country, currency, scenario) or a new one (id,
    token; ``order_id``: the provider's new order id when the order is made)."""

    store_id: str
    lines: list[CaptureLine]
    fees: list[CaptureLine] = field(default_factory=list)
    customer: dict[str, Any] = field(default_factory=dict)
    reference: str = ""
    urls: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    scenario: Scenario | None = None
    session_id: str | None = None
    token: str | None = None
    order_id: str | None = None
    country: str | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class Completion:
    """What pay or complete left: the session, its order (None: none made), where the top
    window goes (None: nowhere — declined, abandoned, or the scenario lost the redirect), the
    validation hook's verdict (None: not called) and whether the session was completed before
    (the same order, given again)."""

    session: CheckoutSession
    order: Order | None
    redirect_url: str | None
    verdict: Verdict | None = None
    again: bool = False


def _not_found(session_id: str) -> DomainError:
    return DomainError(c.CHECKOUT_NOT_FOUND, f"Checkout {session_id} was not found", Kind.NOT_FOUND)


def provider_checkout(uow: UnitOfWork, provider: str) -> CheckoutDialect:
    """The provider's checkout, or orderdesk's own for a provider without one."""
    own = uow.dialects[provider].checkout
    return OWN if own is None else own


def _now(loaded: Loaded) -> datetime:
    clock.set(loaded.clock)
    return utcnow()


async def create(uow: UnitOfWork, new: NewCheckout) -> CheckoutSession:
    """A new open session in the store; STORE_NOT_FOUND, CHECKOUT_EXISTS."""
    async with uow.pool.acquire() as conn, conn.transaction():
        store = await merchants.get_store(conn, new.store_id)
        default = await checkouts.scenario(conn, new.store_id)
        offset = await conn.fetchval("SELECT clock_offset FROM stores WHERE id = $1", new.store_id)
        if store is None or default is None or offset is None:
            raise DomainError(
                "STORE_NOT_FOUND", f"Store {new.store_id} was not found", Kind.NOT_FOUND
            )
        clock.set(offset)
        now = utcnow()
        scenario = new.scenario or default
        session = CheckoutSession(
            id=new.session_id or str(uuid.uuid4()),
            provider=store.provider,
            store_id=store.id,
            token=new.token or secrets.token_urlsafe(24),
            status="open",
            currency=new.currency or store.currency,
            country=new.country or store.country,
            lines=list(new.lines),
            fees=list(new.fees),
            customer=dict(new.customer),
            reference=new.reference,
            urls=dict(new.urls),
            metadata=dict(new.metadata),
            data=dict(new.data),
            scenario=scenario,
            order_id=new.order_id,
            persona=None,
            version=1,
            created_at=now,
            updated_at=now,
            expires_at=now + scenario.session_lifetime,
            token_expires_at=now + scenario.token_lifetime,
        )
        session.record("created", now)
        if not await checkouts.insert(conn, session):
            raise DomainError(
                c.CHECKOUT_EXISTS, f"Checkout {session.id} (or its token) exists", Kind.STATE
            )
    log.info("checkout %s created in store %s", session.id, session.store_id)
    return session


async def load(pool: asyncpg.Pool, session_id: str) -> tuple[CheckoutSession, datetime]:
    """The session and its store's now (its status: ``session.status_at(now)``)."""
    async with pool.acquire() as conn:
        loaded = await checkouts.get(conn, session_id)
    if loaded is None:
        raise _not_found(session_id)
    return loaded.session, _now(loaded)


async def by_token(pool: asyncpg.Pool, token: str) -> tuple[CheckoutSession, datetime]:
    """The session whose public token is ``token``, and its store's now."""
    async with pool.acquire() as conn:
        loaded = await checkouts.by_token(conn, token)
    if loaded is None:
        raise _not_found(token)
    return loaded.session, _now(loaded)


Change = Callable[[CheckoutSession, datetime], None]


async def update(
    pool: asyncpg.Pool, session_id: str, change: Change, *, while_locked: bool = False
) -> CheckoutSession:
    """Apply ``change`` (which may raise a DomainError: nothing is written) to the session
    under its row lock, at the store's now; refused unless the session is open (or locked,
    with ``while_locked``: the customer's own edits in the hosted checkout):
    CHECKOUT_COMPLETED, CHECKOUT_LOCKED, CHECKOUT_CLOSED, CHECKOUT_EXPIRED."""
    async with pool.acquire() as conn, conn.transaction():
        loaded = await checkouts.get(conn, session_id, for_update=True)
        if loaded is None:
            raise _not_found(session_id)
        now = _now(loaded)
        session = loaded.session
        if not (while_locked and session.status_at(now) == "locked"):
            session.check_changeable(now)
        change(session, now)
        session.updated_at = now
        await checkouts.save(conn, session)
    return session


async def lock(pool: asyncpg.Pool, session_id: str) -> CheckoutSession:
    """Lock an open session while the customer pays (updates are refused: CHECKOUT_LOCKED)."""

    def locking(session: CheckoutSession, now: datetime) -> None:
        session.status = "locked"
        session.record("locked", now)

    return await update(pool, session_id, locking)


async def unlock(pool: asyncpg.Pool, session_id: str) -> CheckoutSession:
    """Open a locked session again (an open one stays open)."""

    def unlocking(session: CheckoutSession, now: datetime) -> None:
        if session.status == "locked":
            session.status = "open"
            session.record("unlocked", now)

    return await update(pool, session_id, unlocking, while_locked=True)


def _scheduled(
    callbacks: Sequence[Callback], scenario: Scenario, now: datetime
) -> list[tuple[Callback, datetime]]:
    """The callbacks as the scenario queues them: at once, twice, late or not at all."""
    if scenario.callbacks == "none":
        return []
    due = now + scenario.callback_delay if scenario.callbacks == "late" else now
    if scenario.callbacks != "duplicate":
        return [(callback, due) for callback in callbacks]
    # The duplicate is the provider sending the same callback again, whatever the shop did
    # meanwhile: not stopped by the order's acknowledgement as the callback itself is.
    return [
        (copy, due)
        for callback in callbacks
        for copy in (callback, dataclasses.replace(callback, until_acknowledged=False))
    ]


async def _queue(
    conn: asyncpg.Connection,
    uow: UnitOfWork,
    session: CheckoutSession,
    order: Order,
    moment: Moment,
    now: datetime,
) -> None:
    made = provider_checkout(uow, session.provider).callbacks(session, order, moment)
    await checkouts.queue(
        conn, session, order.id, order.events[-1].id, _scheduled(made, session.scenario, now), now
    )


def _redirect(uow: UnitOfWork, session: CheckoutSession, persona: Persona) -> str | None:
    if session.scenario.redirect == "lost":
        return None
    return provider_checkout(uow, session.provider).confirmation_url(session, persona)


_ENDS: dict[Persona, c.Status] = {Persona.DECLINE: "declined", Persona.ABANDON: "abandoned"}


async def complete(uow: UnitOfWork, session_id: str, persona: Persona) -> Completion:
    """Pay the session as ``persona``, in one transaction: approve / signing make the
    authorised order, onHold an order on hold, decline / abandon end the session without one;
    the session completed before gives its order again (``again``). Refusals: those of
    ``CheckoutSession.check_payable`` and of the order (``sandbox.make_order``)."""
    async with uow.pool.acquire() as conn, conn.transaction():
        loaded = await checkouts.get(conn, session_id, for_update=True)
        if loaded is None:
            raise _not_found(session_id)
        now = _now(loaded)
        session = loaded.session
        if session.status in ("completed", "onHold") or (
            session.status == "declined"
            and session.order_id is not None
            and session.completed_at is not None
        ):
            order = await _order(conn, uow, session)
            paid_as = session.persona or persona
            return Completion(session, order, _redirect(uow, session, paid_as), again=True)
        session.check_payable(now)
        session.persona = persona
        session.updated_at = now
        if persona in _ENDS:
            session.status = _ENDS[persona]
            session.record(session.status, now)
            await checkouts.save(conn, session)
            redirect = _redirect(uow, session, persona) if persona is Persona.DECLINE else None
            return Completion(session, None, redirect)
        on_hold = persona is Persona.ON_HOLD
        order, _ = await make_order(
            conn,
            uow,
            NewOrder(
                store_id=session.store_id,
                lines=[*session.lines, *session.fees],
                total=session.total,
                total_vat=session.total_vat,
                merchant_reference=session.reference,
                customer=session.customer,
                payment_method=None,
                expires_at=None,
                on_hold=on_hold,
                order_id=session.order_id,
            ),
        )
        session.status = "onHold" if on_hold else "completed"
        session.order_id = order.id
        session.completed_at = now
        session.record(session.status, now, orderId=order.id, persona=str(persona))
        await checkouts.save(conn, session)
        await _queue(conn, uow, session, order, "completed", now)
    wakeup.poke()
    log.info("checkout %s completed (%s): order %s", session.id, persona, order.id)
    return Completion(session, order, _redirect(uow, session, persona))


async def _order(conn: asyncpg.Connection, uow: UnitOfWork, session: CheckoutSession) -> Order:
    assert session.order_id is not None
    found = await uow.rows.get(conn, session.order_id)
    if found is None:
        raise DomainError(
            e.ORDER_NOT_FOUND, f"Order {session.order_id} was not found", Kind.NOT_FOUND
        )
    return found.order


async def settle(uow: UnitOfWork, order_id: str) -> CheckoutSession | None:
    """After the order of a session on hold was accepted or rejected: the session completed
    or declined and the callbacks of its settling queued (once); None: no session on hold
    made that order."""
    async with uow.pool.acquire() as conn, conn.transaction():
        loaded = await checkouts.by_order(conn, order_id, for_update=True)
        if loaded is None or loaded.session.status != "onHold":
            return None
        now = _now(loaded)
        session = loaded.session
        order = await _order(conn, uow, session)
        if order.on_hold:
            return None
        session.status = "declined" if order.authorized == 0 or order.rejected else "completed"
        session.updated_at = now
        session.record("settled", now, outcome=session.status)
        await checkouts.save(conn, session)
        await _queue(conn, uow, session, order, "settled", now)
    wakeup.poke()
    return session


async def call_hook(validation: Validation) -> HookAnswer | None:
    """Send the validation hook's request; its answer, or None (no answer in time, no
    connection, not HTTP)."""
    request = validation.request
    body = request.body.encode()
    target = endpoint(request.url)
    headers = [
        *target.headers,
        ("User-Agent", USER_AGENT),
        *request.headers.items(),
        *([("Content-Length", str(len(body)))] if body or request.method == "POST" else []),
    ]
    client = HookClient()
    try:
        async with asyncio.timeout(validation.timeout.total_seconds()):
            return await client.exchange(
                target, request_head(target, headers, request.method), body, MAX_ANSWER_BYTES
            )
    except (TimeoutError, OSError, ValueError, EOFError):
        return None
    finally:
        await client.close()


async def pay(uow: UnitOfWork, session_id: str, persona: Persona) -> Completion:
    """Pay as the hosted checkout does: the merchant's validation hook first (unless the
    scenario skips it, or the persona declines or abandons), then :func:`complete`. A
    rejection leaves the session as it was, with the verdict and its redirect."""
    session, now = await load(uow.pool, session_id)
    if session.status in ("completed", "onHold"):
        return await complete(uow, session_id, persona)
    session.check_payable(now)
    hook = provider_checkout(uow, session.provider).validation(session)
    if hook is None or not session.scenario.validation or persona in _ENDS:
        return await complete(uow, session_id, persona)
    verdict: Verdict = hook.judge(await call_hook(hook))
    if not verdict.accepted:

        def rejected(s: CheckoutSession, at: datetime) -> None:
            s.record("validationRejected", at, message=verdict.message)

        session = await update(uow.pool, session_id, rejected, while_locked=True)
        return Completion(session, None, verdict.redirect_url, verdict)
    done = await complete(uow, session_id, persona)
    return Completion(done.session, done.order, done.redirect_url, verdict, done.again)


async def store_scenario(pool: asyncpg.Pool, store_id: str) -> Scenario:
    async with pool.acquire() as conn:
        found = await checkouts.scenario(conn, store_id)
    if found is None:
        raise DomainError("STORE_NOT_FOUND", f"Store {store_id} was not found", Kind.NOT_FOUND)
    return found


async def set_store_scenario(pool: asyncpg.Pool, store_id: str, scenario: Scenario) -> Scenario:
    async with pool.acquire() as conn:
        if not await checkouts.set_scenario(conn, store_id, scenario):
            raise DomainError("STORE_NOT_FOUND", f"Store {store_id} was not found", Kind.NOT_FOUND)
    return scenario


# -- orderdesk's own checkout, for a provider without one ------------------------------------


def _summary(session: CheckoutSession, order: Order | None = None) -> str:
    return orjson.dumps(
        {
            "checkoutId": session.id,
            "status": session.status,
            "orderId": None if order is None else order.id,
            "reference": session.reference,
            "totalAmount": session.total,
            "currency": session.currency,
        }
    ).decode()


def _fill(session: CheckoutSession, url: str) -> str:
    return c.fill(url, {"checkout.id": session.id, "order.id": session.order_id or ""})


def _accepts(answer: HookAnswer | None) -> Verdict:
    if answer is not None and 200 <= answer.status < 300:
        return Verdict(True)
    reason = "no answer" if answer is None else f"answered {answer.status}"
    return Verdict(False, f"The shop's validation refused the purchase ({reason})")


class OwnCheckout:
    """orderdesk's own callbacks (JSON POSTs of the session's summary) to the session's
    ``notification`` and ``validation`` URLs (``{checkout.id}`` and ``{order.id}`` filled),
    its ``confirmation`` URL as the redirect; no loader script."""

    loaders: Mapping[str, Path] = {}
    events: Mapping[str, str] = {}
    callback_types: Sequence[str] = ("checkout.completed", "checkout.settled")

    def validation(self, session: CheckoutSession) -> Validation | None:
        url = session.urls.get("validation")
        if not url:
            return None
        request = Outbound(
            "POST", _fill(session, url), _summary(session), {"Content-Type": "application/json"}
        )
        return Validation(request, timedelta(seconds=10), _accepts)

    def callbacks(
        self, session: CheckoutSession, order: Order, moment: Moment
    ) -> Sequence[Callback]:
        url = session.urls.get("notification")
        if not url:
            return []
        body = _summary(session, order)
        request = Outbound("POST", _fill(session, url), body, {"Content-Type": "application/json"})
        return [Callback(f"checkout.{moment}", request, accept=frozenset(range(200, 300)))]

    def confirmation_url(self, session: CheckoutSession, persona: Persona) -> str | None:
        url = session.urls.get("confirmation")
        return _fill(session, url) if url else None


OWN = OwnCheckout()

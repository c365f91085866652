"""What a Walley store's sandbox settings do around every Walley call: a new order becomes
manageable only after a delay, reads may lag behind writes (a ``correlationId`` reads a write
of one's own at once), and raised reauthorizations are decided by the store's credit check."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from orderdesk.domain import errors as e
from orderdesk.domain.clock import utcnow
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.order import Order
from orderdesk.providers.walley import rules
from orderdesk.service.unit_of_work import NeedsTransaction, OrderRef, UnitOfWork
from orderdesk.store import settings as store_settings
from orderdesk.store import versions
from orderdesk.store.orders import Loaded
from orderdesk.store.settings import DEFAULT, StoreSettings
from orderdesk.web.answers import Reply


def not_synced(order_id: str) -> DomainError:
    """Walley's answer while an order is not yet fully synced: 404, worth a retry."""
    return DomainError(
        e.ORDER_NOT_FOUND,
        f"Order {order_id} was not found or is not yet fully synced; retry in a few seconds",
        Kind.NOT_FOUND,
    )


def check_manageable(order: Order, settings: StoreSettings, now: datetime) -> None:
    if now < order.created_at + timedelta(seconds=settings.manageable_after_seconds):
        raise not_synced(order.id)


class WalleyStore:
    """The ``prepare`` step of a Walley change (see ``unit_of_work.change_order``): reads
    the store's settings (kept in :attr:`settings` for the change), refuses an order not yet
    manageable, keeps the version a lagging read still sees, and decides due credit checks."""

    def __init__(self) -> None:
        self.settings = DEFAULT

    @property
    def credit_check(self) -> rules.CreditCheck:
        return rules.CreditCheck(
            approve=self.settings.credit_check == "approve",
            delay=timedelta(seconds=self.settings.credit_check_seconds),
        )

    async def prepare(self, conn: asyncpg.Connection, loaded: Loaded, now: datetime) -> None:
        order = loaded.order
        self.settings = await store_settings.get(conn, order.store_id)
        check_manageable(order, self.settings, now)
        if self.settings.read_lag_seconds > 0:
            if not conn.is_in_transaction():
                raise NeedsTransaction  # the kept version and the write: all or nothing
            await versions.keep(conn, order, now)
        rules.settle(order, now)


class _Settled:
    def present(self, order: Order, seq: int, result: bool) -> Reply:
        return Reply(200, {}, b"")

    def refuse(self, error: DomainError) -> Reply:
        return Reply(422, {}, b"")


async def settle_due(uow: UnitOfWork, ref: OrderRef) -> None:
    """Decide the order's credit checks that are due (a read sees their outcome)."""
    await uow.change(ref, None, rules.settle, _Settled(), prepare=WalleyStore().prepare)


async def settle_if_due(uow: UnitOfWork, ref: OrderRef) -> tuple[Loaded | None, datetime]:
    """Before a read: decide the credit checks that are due, so the read sees them.

    Returns the order as loaded when none was due — the read uses it rather than loading it
    once more — or None when some were decided (the read loads the order they changed); and
    the now of the order's store the read is judged at (known once the order is loaded).
    """
    loaded = await uow.read(ref)
    now = utcnow()
    if rules.has_due(loaded.order, now):
        await settle_due(uow, ref)
        return None, now
    return loaded, now


async def read_order(
    uow: UnitOfWork, ref: OrderRef, correlation_id: str | None
) -> tuple[Order, int, datetime]:
    """``GET /manage/orders/{id}``: the order as a read sees it now, lag and all; with the
    ``correlationId`` of a write to this order, the order as it is. Returns the order, its
    sequence number and the store's now it was read at.

    Read on the read replica when one is configured (``service/reads.py``); a
    ``correlationId`` the replica has not replayed yet is looked for on the primary, and the
    order read there: a client reads its own write."""
    loaded, now = await settle_if_due(uow, ref)
    if correlation_id is not None:
        async with uow.reads.acquire(fresh=loaded is None) as conn:
            if await _applied(conn, ref.order_id, correlation_id):
                fresh = await uow.load(conn, ref)  # read after the write was seen: it has it
                return fresh.order, fresh.seq, now
        async with uow.pool.acquire() as conn:
            if not await _applied(conn, ref.order_id, correlation_id):
                raise DomainError(
                    e.CORRELATION_ID_NOT_FOUND,
                    f"No action {correlation_id} was applied to order {ref.order_id}",
                    Kind.NOT_FOUND,
                )
            fresh = await uow.load(conn, ref)
            return fresh.order, fresh.seq, now
    async with uow.reads.acquire(fresh=loaded is None) as conn:
        if loaded is None:
            loaded = await uow.load(conn, ref)
        order = loaded.order
        settings = await store_settings.get(conn, order.store_id)
        check_manageable(order, settings, now)
        if settings.read_lag_seconds > 0:
            seen = now - timedelta(seconds=settings.read_lag_seconds)
            if order.created_at > seen:
                raise not_synced(order.id)
            older = await versions.as_of(conn, order.id, seen)
            if older is not None:
                return older, loaded.seq, now
        return order, loaded.seq, now


async def _applied(conn: asyncpg.Connection, order_id: str, correlation_id: str) -> bool:
    """Whether the write whose ``correlationId`` this is was applied to the order."""
    found = await conn.fetchval(
        "SELECT 1 FROM order_events WHERE id = $1 AND order_id = $2", correlation_id, order_id
    )
    return found is not None

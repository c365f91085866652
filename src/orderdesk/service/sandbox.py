"""Making merchants, stores, credentials and authorised orders — what a checkout would do."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from orderdesk.domain import errors as e
from orderdesk.domain import ids
from orderdesk.domain.clock import clock, utcnow
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.lines import CaptureLine
from orderdesk.domain.money import is_currency
from orderdesk.domain.order import Order, Segment, new_order
from orderdesk.domain.payments import ADVANCE_INVOICE
from orderdesk.service import wakeup
from orderdesk.service.dialect import Dialects
from orderdesk.service.unit_of_work import UnitOfWork
from orderdesk.store import merchants, orders, outbox
from orderdesk.store import settings as store_settings
from orderdesk.store.merchants import Store
from orderdesk.store.settings import StoreSettings

DEFAULT_EXPIRY = timedelta(days=14)
log = logging.getLogger("orderdesk.sandbox")


@dataclass(frozen=True, slots=True)
class NewOrder:
    store_id: str
    lines: list[CaptureLine]
    total: int
    total_vat: int | None
    merchant_reference: str
    customer: dict[str, Any]
    payment_method: str | None  # None: the provider's first (see ``Dialect.payment_methods``)
    expires_at: datetime | None
    acknowledged: bool = False
    on_hold: bool = False
    order_id: str | None = None  # None: a new id of the store's provider


async def create_merchant(pool: asyncpg.Pool, name: str) -> str:
    merchant_id = ids.prefixed(ids.ACCOUNT)
    async with pool.acquire() as conn:
        await merchants.insert_merchant(conn, merchant_id, name)
    return merchant_id


def _not_found(code: str, what: str) -> DomainError:
    return DomainError(code, f"{what} was not found", Kind.NOT_FOUND)


async def create_store(pool: asyncpg.Pool, dialects: Dialects, store: Store) -> Store:
    if store.provider not in dialects:
        names = ", ".join(dialects)
        raise DomainError(
            e.UNKNOWN_PROVIDER,
            f"provider must be one of {names}, not {store.provider!r}",
            Kind.INVALID,
            field="provider",
        )
    if not is_currency(store.currency):
        raise DomainError(
            e.UNKNOWN_CURRENCY, f"{store.currency!r} is not an ISO 4217 currency", field="currency"
        )
    async with pool.acquire() as conn:
        if not await merchants.merchant_exists(conn, store.merchant_id):
            raise _not_found("MERCHANT_NOT_FOUND", f"Merchant {store.merchant_id}")
        if not await merchants.insert_store(conn, store):
            raise DomainError("STORE_EXISTS", f"Store {store.id} already exists", field="storeId")
    return store


async def create_order(uow: UnitOfWork, request: NewOrder) -> tuple[Order, int]:
    async with uow.pool.acquire() as conn, conn.transaction():
        order, seq = await make_order(conn, uow, request)
    wakeup.poke()
    log.info(
        "order %s created in store %s: %d %s",
        order.id,
        order.store_id,
        order.authorized,
        order.currency,
    )
    return order, seq


async def make_order(
    conn: asyncpg.Connection, uow: UnitOfWork, request: NewOrder
) -> tuple[Order, int]:
    """Make the order in the caller's transaction (its notifications queued in it too; the
    caller wakes the worker after committing): the sandbox's order, a checkout's."""
    store = await merchants.get_store(conn, request.store_id)
    settings = await outbox.store_settings(conn, request.store_id)
    if store is None or settings is None:
        raise _not_found("STORE_NOT_FOUND", f"Store {request.store_id}")
    clock.set(settings.clock)
    now = utcnow()
    dialect = uow.dialects[store.provider]
    methods = dialect.payment_methods
    method = request.payment_method or (methods[0] if methods else "invoice")
    if methods is not None and method not in methods:
        raise DomainError(
            e.PAYMENT_METHOD_NOT_ALLOWED,
            f"paymentMethod must be one of {', '.join(methods)}",
            field="paymentMethod",
        )
    if request.on_hold and not dialect.holds:
        raise DomainError(
            e.HOLD_NOT_SUPPORTED,
            f"{store.provider} orders do not start on hold",
            field="onHold",
        )
    order = new_order(
        order_id=request.order_id or dialect.new_order_id(),
        provider=store.provider,
        merchant_id=store.merchant_id,
        store_id=store.id,
        currency=store.currency,
        country=store.country,
        segment=Segment(store.segment),
        lines=[dataclasses.replace(x, type=dialect.line_type(x.type)) for x in request.lines],
        total=request.total,
        total_vat=request.total_vat,
        merchant_reference=request.merchant_reference,
        customer=request.customer,
        payment_method=method,
        expires_at=request.expires_at.astimezone(UTC)
        if request.expires_at
        else now + DEFAULT_EXPIRY,
        now=now,
        acknowledged=request.acknowledged,
        on_hold=request.on_hold,
        ready=method.lower() != ADVANCE_INVOICE,
    )
    seq = await orders.insert(conn, order, uow.written(order), settings.notify)
    return order, seq


async def close_order(uow: UnitOfWork, order_id: str) -> Order:
    """Mark an order closed, as the provider does when it is settled or written off."""
    async with uow.pool.acquire() as conn, conn.transaction():
        found = await uow.rows.get(conn, order_id, for_update=True)
        if found is None:
            raise _not_found(e.ORDER_NOT_FOUND, f"Order {order_id}")
        clock.set(found.clock)
        found.order.close(utcnow())
        await uow.write(conn, found)
    wakeup.poke()
    return found.order


async def update_store_settings(
    pool: asyncpg.Pool, store_id: str, settings: StoreSettings
) -> StoreSettings:
    """A store's sandbox behaviour: its credit check and eventual consistency."""
    async with pool.acquire() as conn:
        if not await store_settings.update(conn, store_id, settings):
            raise _not_found("STORE_NOT_FOUND", f"Store {store_id}")
    return settings

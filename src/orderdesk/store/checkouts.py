"""Checkout sessions (``checkout_sessions``), their callbacks in ``deliveries`` and the stores'
default scenarios (``stores.checkout_scenario``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from orderdesk.domain.checkout import Callback, CheckoutSession, Persona, Scenario
from orderdesk.domain.lines import CaptureLine

_COLUMNS = (
    "c.id, c.token, c.provider, c.store_id, c.status, c.order_id, c.doc, c.version,"
    " c.created_at, c.updated_at, c.expires_at, c.token_expires_at, c.completed_at"
)


def line_doc(line: CaptureLine) -> dict[str, Any]:
    return {
        "reference": line.reference,
        "description": line.description,
        "type": line.type,
        "quantity": line.quantity,
        "unitPrice": line.unit_price,
        "unitDiscount": line.unit_discount,
        "totalAmount": line.total_amount,
        "vat": line.vat,
        "totalVat": line.total_vat,
    }


def _line(doc: dict[str, Any]) -> CaptureLine:
    return CaptureLine(
        id=None,
        reference=doc["reference"],
        description=doc["description"],
        type=doc["type"],
        quantity=doc["quantity"],
        unit_price=doc["unitPrice"],
        unit_discount=doc["unitDiscount"],
        total_amount=doc["totalAmount"],
        vat=doc["vat"],
        total_vat=doc["totalVat"],
    )


def _doc(session: CheckoutSession) -> dict[str, Any]:
    return {
        "currency": session.currency,
        "country": session.country,
        "lines": [line_doc(x) for x in session.lines],
        "fees": [line_doc(x) for x in session.fees],
        "customer": session.customer,
        "reference": session.reference,
        "urls": session.urls,
        "metadata": session.metadata,
        "data": session.data,
        "scenario": session.scenario.doc(),
        "persona": session.persona,
        "events": session.events,
    }


def _session(row: asyncpg.Record) -> CheckoutSession:
    doc = row["doc"]
    return CheckoutSession(
        id=row["id"],
        provider=row["provider"],
        store_id=row["store_id"],
        token=row["token"],
        status=row["status"],
        currency=doc["currency"],
        country=doc["country"],
        lines=[_line(x) for x in doc["lines"]],
        fees=[_line(x) for x in doc["fees"]],
        customer=doc["customer"],
        reference=doc["reference"],
        urls=doc["urls"],
        metadata=doc["metadata"],
        data=doc["data"],
        scenario=Scenario.of(doc["scenario"]),
        order_id=row["order_id"],
        persona=None if doc["persona"] is None else Persona(doc["persona"]),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        expires_at=row["expires_at"],
        token_expires_at=row["token_expires_at"],
        completed_at=row["completed_at"],
        events=doc["events"],
    )


@dataclass(frozen=True, slots=True)
class Loaded:
    """A session and its store's clock offset (its now: the server's now + ``clock``)."""

    session: CheckoutSession
    clock: timedelta


_LOAD = (
    f"SELECT {_COLUMNS}, st.clock_offset"
    " FROM checkout_sessions c JOIN stores st ON st.id = c.store_id"
)


async def insert(conn: asyncpg.Connection, session: CheckoutSession) -> bool:
    """Add a session; False when its id or token is taken."""
    status = await conn.execute(
        "INSERT INTO checkout_sessions (id, token, provider, store_id, status, order_id, doc,"
        " version, created_at, updated_at, expires_at, token_expires_at, completed_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13)"
        " ON CONFLICT DO NOTHING",
        session.id,
        session.token,
        session.provider,
        session.store_id,
        session.status,
        session.order_id,
        _doc(session),
        session.version,
        session.created_at,
        session.updated_at,
        session.expires_at,
        session.token_expires_at,
        session.completed_at,
    )
    return bool(status == "INSERT 0 1")


async def get(
    conn: asyncpg.Connection, session_id: str, *, for_update: bool = False
) -> Loaded | None:
    lock = " FOR UPDATE OF c" if for_update else ""
    row = await conn.fetchrow(f"{_LOAD} WHERE c.id = $1{lock}", session_id)
    return None if row is None else Loaded(_session(row), row["clock_offset"])


async def by_token(conn: asyncpg.Connection, token: str) -> Loaded | None:
    row = await conn.fetchrow(f"{_LOAD} WHERE c.token = $1", token)
    return None if row is None else Loaded(_session(row), row["clock_offset"])


async def by_order(
    conn: asyncpg.Connection, order_id: str, *, for_update: bool = False
) -> Loaded | None:
    lock = " FOR UPDATE OF c" if for_update else ""
    row = await conn.fetchrow(f"{_LOAD} WHERE c.order_id = $1{lock}", order_id)
    return None if row is None else Loaded(_session(row), row["clock_offset"])


async def save(conn: asyncpg.Connection, session: CheckoutSession) -> None:
    """Write a session loaded ``FOR UPDATE`` in this transaction (its version goes up)."""
    session.version += 1
    await conn.execute(
        "UPDATE checkout_sessions SET status = $2, order_id = $3, doc = $4::jsonb,"
        " version = $5, updated_at = $6, expires_at = $7, token_expires_at = $8,"
        " completed_at = $9 WHERE id = $1",
        session.id,
        session.status,
        session.order_id,
        _doc(session),
        session.version,
        session.updated_at,
        session.expires_at,
        session.token_expires_at,
        session.completed_at,
    )


async def store_sessions(
    conn: asyncpg.Connection, store_id: str | None, limit: int = 100
) -> list[Loaded]:
    """The newest sessions, of one store or of every store."""
    if store_id is None:
        rows = await conn.fetch(f"{_LOAD} ORDER BY c.created_at DESC, c.id LIMIT $1", limit)
    else:
        rows = await conn.fetch(
            f"{_LOAD} WHERE c.store_id = $1 ORDER BY c.created_at DESC, c.id LIMIT $2",
            store_id,
            limit,
        )
    return [Loaded(_session(row), row["clock_offset"]) for row in rows]


async def queue(
    conn: asyncpg.Connection,
    session: CheckoutSession,
    order_id: str,
    event_id: str,
    callbacks: list[tuple[Callback, datetime]],
    at: datetime,
) -> None:
    """Queue callbacks of the session's order in ``deliveries`` at ``at``, each due at its
    time."""
    for callback, due in callbacks:
        request = callback.request
        await conn.execute(
            "INSERT INTO deliveries (order_id, store_id, event_id, event_type, url, body,"
            " next_at, created_at, correlation_id, method, headers, accept,"
            " until_acknowledged, retry_schedule, checkout_id)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $14, $3, $8, $9::jsonb, $10, $11, $12, $13)",
            order_id,
            session.store_id,
            event_id,
            callback.type,
            request.url,
            request.body,
            due,
            request.method,
            dict(request.headers),
            None if callback.accept is None else sorted(callback.accept),
            callback.until_acknowledged,
            None if callback.retry_schedule is None else list(callback.retry_schedule),
            session.id,
            at,
        )


async def scenario(conn: asyncpg.Connection, store_id: str) -> Scenario | None:
    """The store's default scenario; None: no such store."""
    doc = await conn.fetchval("SELECT checkout_scenario FROM stores WHERE id = $1", store_id)
    return None if doc is None else Scenario.of(doc)


async def set_scenario(conn: asyncpg.Connection, store_id: str, scenario: Scenario) -> bool:
    """Replace the store's default scenario; False: no such store."""
    status = await conn.execute(
        "UPDATE stores SET checkout_scenario = $2::jsonb WHERE id = $1",
        store_id,
        scenario.doc(),
    )
    return bool(status == "UPDATE 1")

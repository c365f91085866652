"""Migrations and database-level invariants against a real PostgreSQL."""

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import orjson
from fastapi import FastAPI

from orderdesk.app import create_app
from orderdesk.config import Settings
from orderdesk.domain import ids
from orderdesk.domain.lines import CaptureLine
from orderdesk.domain.order import (
    CaptureMeta,
    Chunk,
    LedgerKind,
    Order,
    Segment,
    new_order,
)
from orderdesk.providers.ledyer import rules as ledyer
from orderdesk.providers.ledyer.rules import EditOrder
from orderdesk.providers.registry import PROVIDERS
from orderdesk.providers.walley import rules as walley
from orderdesk.providers.walley.matching import ItemSpec
from orderdesk.providers.walley.rules import WalleyCapture
from orderdesk.store import orders
from orderdesk.store.db import init_connection
from orderdesk.store.migrate import migrate, migration_files
from tests.support.database import admin_url, create_database, drop_database
from tests.support.ledger import checked_order
from tests.support.orders import cline
from tests.support.sandbox import ADMIN_TOKEN, SHOES, Merchant, line

Y_LINE = line("Y", "Y", 2, 700)


async def test_migrations_are_applied_once(database_url: str, app: FastAPI) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        assert await migrate(conn) == []  # the app already applied them on start
        versions = [
            r["version"]
            for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")
        ]
        assert versions == [version for version, _, _ in migration_files()]
    finally:
        await conn.close()


async def test_the_database_refuses_a_ledger_that_does_not_add_up(
    database_url: str, merchant: Merchant
) -> None:
    order_id = (await merchant.order("ledyer", [SHOES]))["orderId"]
    conn = await asyncpg.connect(database_url)
    try:
        try:
            await conn.execute(
                "UPDATE orders SET captured = authorized + 1 WHERE id = $1", order_id
            )
        except asyncpg.CheckViolationError as err:
            assert err.constraint_name == "orders_ledger_adds_up"
        else:
            raise AssertionError("an over-capture was stored")
    finally:
        await conn.close()


# -- upgrading a version 1 database ------------------------------------------------------------
V1_LINE_FIELDS = (
    "id",
    "reference",
    "description",
    "type",
    "quantity",
    "unit_price",
    "unit_discount",
    "total_amount",
    "vat",
    "total_vat",
)


def v1_chunk(chunk: Chunk) -> dict[str, Any]:
    """A chunk as version 1 stored it: its lines inside, no customer."""
    return {
        "ledger_id": chunk.ledger_id,
        "created_at": chunk.created_at.isoformat(),
        "lines": [[getattr(line, name) for name in V1_LINE_FIELDS] for line in chunk.lines],
        "note": chunk.note,
        "document_number": chunk.document_number,
        "description": chunk.description,
        "action_reference": chunk.action_reference,
    }


def v1_doc(order: Order) -> dict[str, Any]:
    """``orders.state`` as version 1 wrote it (c424222:src/orderdesk/store/codec.py)."""
    return {
        "id": order.id,
        "provider": str(order.provider),
        "merchant_id": order.merchant_id,
        "store_id": order.store_id,
        "currency": order.currency,
        "country": order.country,
        "segment": str(order.segment),
        "merchant_reference": order.merchant_reference,
        "order_reference": order.order_reference,
        "customer": order.customer,
        "payment_method": order.payment_method,
        "created_at": order.created_at.isoformat(),
        "expires_at": order.expires_at.isoformat(),
        "authorized": order.authorized,
        "uncaptured": v1_chunk(order.uncaptured) if order.uncaptured else None,
        "captured": [v1_chunk(chunk) for chunk in order.captured],
        "refunded": [v1_chunk(chunk) for chunk in order.refunded],
        "cancelled": order.cancelled,
        "closed": order.closed,
        "items_replaced": order.items_replaced,
        "events": [
            [ev.id, str(ev.type), ev.amount, ev.ledger_id, ev.created_at.isoformat()]
            for ev in order.events
        ],
    }


def v1_orders(merchant_id: str, walley_store: str, ledyer_store: str) -> dict[str, Order]:
    """Orders in the states version 1 could leave them in, each change a minute apart."""
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)

    def at(minutes: int) -> datetime:
        return t0 + timedelta(minutes=minutes)

    def order(provider: str, store_id: str, lines: list[CaptureLine]) -> Order:
        return new_order(
            order_id=ids.new_uuid() if provider == "walley" else ids.prefixed(ids.ORDER),
            provider=provider,
            merchant_id=merchant_id,
            store_id=store_id,
            currency="SEK",
            country="SE",
            segment=Segment.B2C,
            lines=lines,
            total=sum(line.total_amount for line in lines),
            total_vat=None,
            merchant_reference=f"m-{provider}-{len(lines)}",
            customer={"firstName": "Ada", "lastName": "Lovelace"},
            payment_method="invoice",
            expires_at=at(14 * 24 * 60),
            now=at(0),
        )

    uncaptured = order("walley", walley_store, [cline("10001", 1, 9500), cline("10002", 2, 9500)])
    two_chunks = order(
        "ledyer",
        ledyer_store,
        [cline("S20", 3, 100000), cline("X", 1, 5000), cline("Y", 2, 700)],
    )
    assert two_chunks.uncaptured is not None
    x = two_chunks.uncaptured.lines[1]
    meta = CaptureMeta(description="first", action_reference="ref-1", note="n1")
    ledyer.partial_capture(two_chunks, [cline("X", 1, 5000, id=x.id)], 5000, meta, at(1))
    ledyer.partial_capture(two_chunks, [cline("S20", 1, 100000)], 100000, CaptureMeta(), at(2))
    cancelled = order("walley", walley_store, [cline("10001", 1, 9500), cline("10002", 2, 9500)])
    walley.capture_minor(
        cancelled,
        WalleyCapture(
            9500, [ItemSpec(9500, 1, id="10002")], False, CaptureMeta(action_reference="c")
        ),
        at(3),
    )
    walley.cancel(cancelled, at(4), action_reference="cancel-ref")
    edited = order("ledyer", ledyer_store, [cline("S20", 3, 100000)])
    ledyer.partial_capture(edited, [cline("S20", 1, 100000)], 100000, CaptureMeta(), at(5))
    ledyer.edit(edited, EditOrder([cline("S20", 1, 100000)], 100000, 80000, 20000), at(6))
    ledyer.edit_customer(edited, {"email": "ada@example.se"}, at(7))
    return {
        "uncaptured": uncaptured,
        "two chunks": two_chunks,
        "cancelled": cancelled,
        "edited": edited,
    }


def expected_lines(order: Order) -> list[tuple[Any, ...]]:
    chunks = [*order.captured, *([order.uncaptured] if order.uncaptured else [])]
    rows = [
        (line.id, chunk.ledger_id, position, *[getattr(line, n) for n in V1_LINE_FIELDS[1:]])
        for chunk in chunks
        for position, line in enumerate(chunk.lines)
    ]
    return sorted(rows, key=lambda row: (row[1], row[2]))


async def test_an_upgrade_keeps_the_orders_of_version_1() -> None:
    admin = await admin_url()
    url = await create_database(admin)
    try:
        await upgrade_and_check(url)
    finally:
        await drop_database(admin, url)


async def upgrade_and_check(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        version, name, sql = migration_files()[0]
        assert version == 1
        await conn.execute(sql)
        await conn.execute(
            "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        await conn.execute("INSERT INTO schema_migrations VALUES ($1, $2)", version, name)
        merchant_id = "ac_2OC51O5BycRRDboM4PPjYSz0vm5"
        await conn.execute("INSERT INTO merchants (id, name) VALUES ($1, 'v1')", merchant_id)
        for store_id, provider in (("5001", "walley"), ("5002", "ledyer")):
            await conn.execute(
                "INSERT INTO stores (id, merchant_id, provider, country, currency, segment)"
                " VALUES ($1, $2, $3, 'SE', 'SEK', 'B2C')",
                store_id,
                merchant_id,
                provider,
            )
        built = v1_orders(merchant_id, "5001", "5002")
        for order in built.values():  # as version 1's store.orders.insert wrote them
            await conn.execute(
                "INSERT INTO orders (id, provider, merchant_id, store_id, currency, authorized,"
                " captured, refunded, cancelled, created_at, expires_at, updated_at, state)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::text::jsonb)",
                order.id,
                str(order.provider),
                order.merchant_id,
                order.store_id,
                order.currency,
                order.authorized,
                order.captured_amount,
                order.refunded_amount,
                order.cancelled,
                order.created_at,
                order.expires_at,
                order.updated_at,
                orjson.dumps(v1_doc(order)).decode(),
            )

        applied = await migrate(conn)
        assert applied == [name for _, name, _ in migration_files()[1:]]
        await init_connection(conn)

        for label, order in built.items():
            lines = await conn.fetch(
                "SELECT id, chunk, position, reference, description, type, quantity, unit_price,"
                " unit_discount, total_amount, vat, total_vat FROM order_lines"
                " WHERE order_id = $1 ORDER BY chunk, position",
                order.id,
            )
            assert [tuple(row) for row in lines] == expected_lines(order), label
            events = await conn.fetch(
                "SELECT id, type, amount, ledger_id, created_at FROM order_events"
                " WHERE order_id = $1 ORDER BY seq",
                order.id,
            )
            assert [tuple(row) for row in events] == [
                (ev.id, str(ev.type), ev.amount, ev.ledger_id, ev.created_at) for ev in order.events
            ], label
            ledger_rows = await conn.fetch(
                "SELECT kind, amount, ledger_id, action_reference, created_at, store_id,"
                " merchant_id, currency FROM ledger WHERE order_id = $1 ORDER BY seq",
                order.id,
            )
            expected_entries = [
                (str(x.kind), x.amount, x.ledger_id, x.action_reference, x.created_at)
                for x in order.new_entries
                if x.kind == LedgerKind.CAPTURE or x.action_reference is None
            ]
            # version 1 kept no action reference for a release: the upgrade cannot invent one
            expected_entries += [
                (str(x.kind), x.amount, x.ledger_id, None, x.created_at)
                for x in order.new_entries
                if x.kind == LedgerKind.RELEASE and x.action_reference is not None
            ]
            expected_entries.sort(key=lambda row: row[4])
            assert [tuple(row)[:5] for row in ledger_rows] == expected_entries, label
            assert {tuple(row)[5:] for row in ledger_rows} <= {
                (order.store_id, order.merchant_id, "SEK")
            }
            row = await conn.fetchrow(
                "SELECT merchant_reference, order_reference, status FROM orders WHERE id = $1",
                order.id,
            )
            assert tuple(row) == (
                order.merchant_reference,
                order.order_reference,
                PROVIDERS[order.provider].status_word(order, order.updated_at),
            ), label

            loaded = await orders.get(conn, order.id)
            assert loaded is not None
            got = loaded.order
            assert (got.authorized, got.captured_amount, got.cancelled, got.remaining) == (
                order.authorized,
                order.captured_amount,
                order.cancelled,
                order.remaining,
            ), label
            assert got.events == order.events, label
            assert [(c.ledger_id, c.lines, c.document_number) for c in got.captured] == [
                (c.ledger_id, c.lines, c.document_number) for c in order.captured
            ], label
            assert (got.uncaptured and got.uncaptured.lines) == (
                order.uncaptured and order.uncaptured.lines
            ), label
            # an issued invoice keeps the customer the order had at the upgrade
            assert [c.customer for c in got.captured] == [order.customer] * len(order.captured)

        statuses = {
            label: await conn.fetchval("SELECT status FROM orders WHERE id = $1", order.id)
            for label, order in built.items()
        }
        assert statuses == {
            "uncaptured": "NotActivated",
            "two chunks": "partiallyCaptured",
            "cancelled": "PartActivated",  # part captured, the rest cancelled (0030)
            "edited": "partiallyCaptured",
        }
    finally:
        await conn.close()

    # the upgraded orders work: capture the rest of two of them over HTTP
    application = create_app(Settings(database_url=url, admin_token=ADMIN_TOKEN))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            merchant = Merchant(client, merchant_id, {"walley": "5001", "ledyer": "5002"})
            merchant.client_id, merchant.client_secret = await merchant.credential()
            walley_id = built["uncaptured"].id
            r = await client.post(
                f"/manage/orders/{walley_id}/capture",
                json={"amount": 95, "items": [{"id": "10001", "unitPrice": 95, "quantity": 1}]},
                headers=await merchant.walley_headers(),
            )
            assert r.status_code == 202, r.text
            ledyer_order = built["two chunks"]
            assert ledyer_order.uncaptured is not None
            y = ledyer_order.uncaptured.lines[1]
            body = {"orderLines": [{**Y_LINE, "id": y.id}], "totalCaptureAmount": 1400}
            r = await client.post(
                f"/v1/orders/{ledyer_order.id}/partialcapture",
                json=body,
                headers=await merchant.ledyer_headers(),
            )
            assert r.status_code == 200, r.text
            assert len(r.json()["captured"]) == 3
    walley_after = await checked_order(url, walley_id)
    assert (walley_after.captured_amount, walley_after.remaining) == (9500, 19000)
    assert walley_after.events[:2] == built["uncaptured"].events[:2]
    ledyer_after = await checked_order(url, ledyer_order.id)
    assert [c.total for c in ledyer_after.captured] == [5000, 100000, 1400]
    assert ledyer_after.remaining == 200000

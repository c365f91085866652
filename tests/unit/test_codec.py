"""store/codec.py: the aggregate to rows and back, and the rows a save writes (no database)."""

from datetime import timedelta
from typing import Any

import orjson

from orderdesk.domain.order import CaptureMeta, Order, Segment
from orderdesk.providers.ledyer import rules as ledyer
from orderdesk.providers.ledyer.rules import EditOrder
from orderdesk.providers.walley import rules as walley
from orderdesk.providers.walley.matching import ItemSpec
from orderdesk.providers.walley.rules import WalleyCapture
from orderdesk.store.codec import (
    LINE_COLUMNS,
    LineRow,
    event_doc,
    line_changes,
    line_rows,
    order_from_rows,
    state_doc,
)
from tests.support.orders import NOW, cline, ledyer_seed_order, make_order, walley_seed_order

LATER = NOW + timedelta(minutes=5)


def as_stored(order: Order) -> tuple[dict[str, Any], list[LineRow], list[list[Any]]]:
    """What PostgreSQL gives back: JSON for the document, lines by (chunk, position), events."""
    doc = orjson.loads(orjson.dumps(state_doc(order)))
    rows = sorted(line_rows(order), key=lambda row: (row[1], row[2]))
    rows = [tuple(row) for row in orjson.loads(orjson.dumps(rows))]
    events = [list(event_doc(event).values()) for event in order.events]
    return doc, rows, orjson.loads(orjson.dumps(events))


def reloaded(order: Order) -> Order:
    return order_from_rows(*as_stored(order))


def assert_round_trip(order: Order) -> None:
    order.new_entries.clear()  # not stored with the order: appended to the ledger table
    back = reloaded(order)
    assert back == order
    assert (back.authorized, back.captured_amount, back.cancelled, back.remaining) == (
        order.authorized,
        order.captured_amount,
        order.cancelled,
        order.remaining,
    )
    assert isinstance(back.provider, str) and isinstance(back.segment, Segment)
    assert [type(ev.type).__name__ for ev in back.events] == ["EventType"] * len(back.events)
    assert reloaded(back) == back


def walley_capture(amount: int, items: list[ItemSpec] | None = None) -> WalleyCapture:
    return WalleyCapture(amount, items, False, CaptureMeta(description="d", action_reference="a"))


def test_a_new_order_round_trips() -> None:
    assert_round_trip(walley_seed_order())
    assert_round_trip(ledyer_seed_order())
    assert_round_trip(walley_seed_order(Segment.B2B))


def test_walley_orders_after_captures_round_trip() -> None:
    order = walley_seed_order()
    walley.capture_minor(order, walley_capture(9500, [ItemSpec(9500, 1, id="10002")]), NOW)
    assert_round_trip(order)
    walley.capture_minor(order, walley_capture(5000), LATER)  # by amount: items replaced
    assert order.items_replaced
    assert_round_trip(order)
    walley.capture_minor(order, walley_capture(order.remaining), LATER)
    assert order.uncaptured is None and walley.status(order, LATER) == "Activated"
    assert_round_trip(order)
    back = reloaded(order)
    assert [chunk.total for chunk in back.captured] == [9500, 5000, 14000]
    assert [chunk.document_number for chunk in back.captured] == [1, 2, 3]
    assert back.captured[0].action_reference == "a" and back.captured[0].description == "d"


def test_ledyer_orders_after_capture_edit_customer_and_cancel_round_trip() -> None:
    order = make_order([cline("S20", 3, 100000), cline("X", 1, 5000)], provider="ledyer")
    order.customer = {"firstName": "Ada", "billingAddress": {"city": "Lund"}}
    ledyer.partial_capture(order, [cline("S20", 1, 100000)], 100000, CaptureMeta(note="n"), NOW)
    assert_round_trip(order)
    ledyer.edit(order, EditOrder([cline("S20", 1, 100000)], 100000, 80000, 20000), NOW)
    assert_round_trip(order)
    ledyer.edit_customer(order, {"firstName": "Grace"}, LATER)
    back = reloaded(order)
    assert back.customer["firstName"] == "Grace"
    assert back.captured[0].customer == {"firstName": "Ada", "billingAddress": {"city": "Lund"}}
    assert back.captured[0].note == "n"
    ledyer.extend(order, LATER)
    ledyer.cancel(order, LATER)
    assert_round_trip(order)
    back = reloaded(order)
    assert (back.authorized, back.captured_amount, back.cancelled) == (200000, 100000, 100000)
    assert back.uncaptured is None
    assert back.expires_at == order.expires_at
    assert [ev.type for ev in back.events] == [
        "create",
        "readyForCapture",
        "partialCapture",
        "edit",
        "editCustomer",
        "extendExpiry",
        "cancel",
    ]


def test_a_closed_order_round_trips() -> None:
    order = walley_seed_order()
    assert order.uncaptured is not None
    ledger_id = order.uncaptured.ledger_id
    walley.cancel(order, NOW)
    order.close(LATER)  # cancelled whole, nothing captured: the close joins the cancel's chunk
    assert [(ev.type, ev.ledger_id) for ev in order.events[-2:]] == [
        ("cancel", ledger_id),
        ("close", ledger_id),
    ]
    assert_round_trip(order)
    assert reloaded(order).closed is True
    assert walley.status(reloaded(order), LATER) == "Closed"


def big_order() -> tuple[Order, dict[str, LineRow]]:
    order = make_order([cline(f"SKU{i}", 2, 1000 + i) for i in range(1000)], provider="ledyer")
    return order, {row[0]: row for row in line_rows(order)}


def test_an_unchanged_order_writes_no_line() -> None:
    order, before = big_order()
    changes = line_changes(order, before)
    assert (changes.upserted, changes.deleted) == ([], [])
    # a change that moves no line (customer, expiry) writes none either
    ledyer.edit_customer(order, {"email": "a@b.se"}, NOW)
    ledyer.extend(order, NOW)
    changes = line_changes(order, before)
    assert (changes.upserted, changes.deleted) == ([], [])


def test_capturing_one_line_of_a_thousand_writes_that_line_only() -> None:
    order, before = big_order()
    assert order.uncaptured is not None
    target = order.uncaptured.lines[500]
    sent = cline(target.reference, 2, 1500, id=target.id)
    ledyer.partial_capture(order, [sent], 3000, CaptureMeta(), NOW)
    chunk = order.captured[0]
    changes = line_changes(order, before)
    assert changes.deleted == []
    assert len(changes.upserted) == 1
    row = dict(zip(LINE_COLUMNS, changes.upserted[0], strict=True))
    assert row == {
        "id": target.id,
        "chunk": chunk.ledger_id,
        "position": 0,
        "reference": "SKU500",
        "description": "SKU500",
        "type": "physical",
        "quantity": 2,
        "unit_price": 1500,
        "unit_discount": 0,
        "total_amount": 3000,
        "vat": 2500,
        "total_vat": 600,
    }
    # the 999 lines left keep their positions: 0..499 and 501..999
    left = [row for row in line_rows(order, before) if row[1] == order.uncaptured.ledger_id]
    assert [row[2] for row in left] == [*range(500), *range(501, 1000)]


def test_splitting_a_line_writes_the_part_and_the_rest() -> None:
    order = walley_seed_order()
    before = {row[0]: row for row in line_rows(order)}
    assert order.uncaptured is not None
    tshirts = order.uncaptured.lines[1]
    walley.capture_minor(order, walley_capture(9500, [ItemSpec(9500, 1, id="10002")]), NOW)
    changes = line_changes(order, before)
    assert changes.deleted == []
    by_id = {row[0]: row for row in changes.upserted}
    assert set(by_id) == {tshirts.id, order.captured[0].lines[0].id}
    assert by_id[tshirts.id][1:] == (
        order.uncaptured.ledger_id, 1, "10002", "T-Shirt", "physical", 1, 9500, 0, 9500, 2500, 1900
    )  # fmt: skip
    part = by_id[order.captured[0].lines[0].id]
    assert part[1:3] == (order.captured[0].ledger_id, 0)
    assert (part[6], part[9], part[11]) == (1, 9500, 1900)


def test_an_edit_deletes_the_old_uncaptured_lines() -> None:
    order = ledyer_seed_order()
    before = {row[0]: row for row in line_rows(order)}
    ledyer.edit(order, EditOrder([cline("1334227", 1, 489000)], 489000, 391200, 97800), NOW)
    changes = line_changes(order, before)
    assert sorted(changes.deleted) == sorted(before)
    assert order.uncaptured is not None
    assert [row[0] for row in changes.upserted] == [order.uncaptured.lines[0].id]


def test_positions_stay_ordered_in_every_chunk() -> None:
    order, before = big_order()
    assert order.uncaptured is not None
    for index in (999, 0, 400, 401, 10):
        line = next(ln for ln in order.uncaptured.lines if ln.reference == f"SKU{index}")
        sent = cline(line.reference, 2, 1000 + index, id=line.id)
        ledyer.partial_capture(order, [sent], line.total_amount, CaptureMeta(), NOW)
        changes = line_changes(order, before)
        assert len(changes.upserted) == 1 and changes.deleted == []
        before.update({row[0]: row for row in changes.upserted})
    rows = line_rows(order, before)
    assert len(rows) == 1000
    chunks: dict[str, list[LineRow]] = {}
    for row in rows:
        chunks.setdefault(row[1], []).append(row)
    for chunk_rows in chunks.values():
        positions = [row[2] for row in chunk_rows]
        assert positions == sorted(positions) and len(set(positions)) == len(positions)
    # sorting by position gives the aggregate's line order back
    back = reloaded(order)
    assert back.uncaptured is not None
    assert [ln.id for ln in back.uncaptured.lines] == [ln.id for ln in order.uncaptured.lines]
    assert [c.lines[0].reference for c in back.captured] == [
        "SKU999", "SKU0", "SKU400", "SKU401", "SKU10"
    ]  # fmt: skip


def test_a_line_moved_in_front_of_its_neighbours_gets_a_new_position() -> None:
    order = ledyer_seed_order()
    before = {row[0]: row for row in line_rows(order)}
    assert order.uncaptured is not None
    first, second = order.uncaptured.lines
    order.uncaptured.lines = [second, first]  # reordered: the first keeps 1, so 1 → 2
    rows = line_rows(order, before)
    assert [(row[0], row[2]) for row in rows] == [(second.id, 1), (first.id, 2)]
    changes = line_changes(order, before)
    assert [row[0] for row in changes.upserted] == [first.id]

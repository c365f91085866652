"""Any sequence of Walley captures, refunds, cancels and reauthorizations keeps the books.

After every step: captured − refunded ≤ authorised, no amount is negative, refunded ≤
captured, and every ledger row is accounted for — the capture rows sum to what is captured,
the refund rows to what is refunded, and the authorisation as created, raised by the
reauthorize rows and lowered by the release rows, is what is captured plus what is left. A
refused step changes nothing. Over HTTP, the same holds for the rows PostgreSQL stores.
"""

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.order import CaptureMeta, LedgerKind, Order
from orderdesk.providers.walley import rules as walley
from orderdesk.providers.walley.matching import ItemSpec
from orderdesk.providers.walley.rules import (
    CreditCheck,
    ReauthorizeRequest,
    RefundRequest,
    RequestedItem,
    WalleyCapture,
)
from orderdesk.store.codec import state_doc
from tests.support.ledger import checked_order
from tests.support.orders import NOW, cline, make_order
from tests.support.sandbox import Merchant, line

OPS = ["capture_amount", "capture_item", "refund_amount", "refund_item", "refund_fee",
       "cancel", "reauthorize", "reauthorize_items"]  # fmt: skip
steps = st.lists(
    st.tuples(
        st.sampled_from(OPS),
        st.integers(min_value=0, max_value=60_000),
        st.booleans(),  # credit check: approve or reject
    ),
    max_size=14,
)
specs = st.lists(
    st.tuples(st.integers(1, 4), st.integers(1, 20_000), st.sampled_from([0, 1200, 2500])),
    min_size=1,
    max_size=4,
)


def major(minor: int) -> Decimal:
    return Decimal(minor) / 100


def apply(order: Order, op: str, n: int, approve: bool) -> None:
    meta = CaptureMeta()
    lines = [x for c in order.captured for x in c.lines]
    open_lines = order.uncaptured.lines if order.uncaptured else []
    if op == "capture_amount":
        walley.capture_minor(
            order, WalleyCapture(n % (order.remaining + 2), None, False, meta), NOW
        )
    elif op == "capture_item" and open_lines:
        x = open_lines[n % len(open_lines)]
        spec = ItemSpec(x.total_amount // max(x.quantity, 1), 1, id=x.reference)
        walley.capture_minor(order, WalleyCapture(spec.unit_price, [spec], False, meta), NOW)
    elif op == "refund_amount":
        amount = n % (order.refundable + 2)
        walley.refund(order, RefundRequest(major(amount), None, meta), NOW)
    elif op in ("refund_item", "refund_fee") and lines:
        x = lines[n % len(lines)]
        price = x.total_amount // max(x.quantity, 1)
        items = [RequestedItem(major(price), 1, id=x.reference)]
        if op == "refund_fee":
            items.append(RequestedItem(major(-(n % (price + 1))), 1, vat=2500, type="fee"))
        total = sum(i.unit_price * i.quantity for i in items)
        walley.refund(order, RefundRequest(total, items, meta), NOW)
    elif op == "cancel":
        walley.cancel(order, NOW)
    elif op == "reauthorize":
        request = ReauthorizeRequest(major(n), None, meta)
        walley.reauthorize(order, request, CreditCheck(approve=approve), NOW)
    elif op == "reauthorize_items" and open_lines:
        x = open_lines[0]
        price = x.total_amount // max(x.quantity, 1)
        qty = 1 + n % 3
        item = RequestedItem(major(price), qty, id=x.reference, vat=x.vat)
        request = ReauthorizeRequest(major(price * qty), [item], meta)
        walley.reauthorize(order, request, CreditCheck(approve=approve), NOW)


def books_hold(order: Order, created: int) -> None:
    captured, refunded = order.captured_amount, order.refunded_amount
    assert captured - refunded <= order.authorized
    assert min(captured, refunded, order.remaining, order.cancelled, order.refundable) >= 0
    assert refunded <= captured
    assert captured + order.remaining + order.cancelled == order.authorized
    rows: dict[LedgerKind, int] = dict.fromkeys(LedgerKind, 0)
    for entry in order.new_entries:
        assert entry.amount >= 0
        rows[entry.kind] += entry.amount
    assert rows[LedgerKind.CAPTURE] == captured
    assert rows[LedgerKind.REFUND] == refunded
    raised = created + rows[LedgerKind.REAUTHORIZE] - rows[LedgerKind.RELEASE]
    assert raised == captured + order.remaining


@settings(max_examples=300, deadline=None)
@given(spec=specs, plan=steps)
def test_any_sequence_keeps_the_books(spec: list[tuple[int, int, int]], plan: list[Any]) -> None:
    order = make_order([cline(f"A{i}", q, p, vat) for i, (q, p, vat) in enumerate(spec)])
    created = order.authorized
    for op, n, approve in plan:
        before = (state_doc(order), len(order.events), len(order.new_entries))
        try:
            apply(order, op, n, approve)
        except DomainError as err:
            assert err.kind in (Kind.RULE, Kind.STATE, Kind.INVALID), err
            assert (state_doc(order), len(order.events), len(order.new_entries)) == before
        books_hold(order, created)


http_plans = st.lists(
    st.tuples(st.sampled_from(["capture", "refund", "cancel", "reauthorize"]), st.integers(0, 400)),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(plan=http_plans)
async def test_over_http_the_stored_ledger_adds_up(
    merchant: Merchant, database_url: str, plan: list[tuple[str, int]]
) -> None:
    created = await merchant.order("walley", [line("A", "Alpha", 2, 5000), line("B", "B", 1, 9900)])
    order_id = created["orderId"]
    headers = await merchant.walley_headers()
    for op, n in plan:
        body = {"amount": n} if op != "cancel" else {}
        r = await merchant.client.post(
            f"/manage/orders/{order_id}/{op}", json=body, headers=headers
        )
        assert r.status_code in (201, 202, 422), r.text
    order = await checked_order(database_url, order_id)
    pool_rows = await _ledger(database_url, order_id)
    assert pool_rows["refund"] == order.refunded_amount
    raised = 19900 + pool_rows["reauthorize"] - pool_rows["release"]
    assert raised == order.captured_amount + order.remaining
    assert order.captured_amount - order.refunded_amount <= order.authorized


async def _ledger(database_url: str, order_id: str) -> dict[str, int]:
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT kind, sum(amount)::bigint AS total FROM ledger WHERE order_id=$1 GROUP BY kind",
            order_id,
        )
    finally:
        await conn.close()
    totals = dict.fromkeys(("capture", "refund", "release", "reauthorize"), 0)
    totals.update({row["kind"]: row["total"] for row in rows})
    return totals

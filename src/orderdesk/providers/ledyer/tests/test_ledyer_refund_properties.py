"""Any sequence of Ledyer captures, partial captures, refunds, partial refunds and cancels
keeps the ledger exact: captured − refunded ≥ 0 per captured chunk, the order's amounts are
the sums of its chunks, and every chunk has its ledger row and its event.

Each step is valid — and must succeed — or invalid in a known way — and must be refused
with its code, changing nothing.
"""

from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError
from orderdesk.domain.lines import priced_line
from orderdesk.domain.order import CaptureMeta, Chunk, EventType, LedgerKind, Order
from orderdesk.providers.ledyer import rules as ledyer
from orderdesk.store.codec import line_rows, order_from_rows, state_doc
from tests.support.orders import NOW, cline, make_order

line_specs = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=4),  # quantity
        st.integers(min_value=1, max_value=100_000),  # unit price
        st.sampled_from([0, 600, 2500]),  # VAT
    ),
    min_size=1,
    max_size=4,
)
KINDS = [
    "capture_line",
    "capture_units",
    "refund",
    "refund_units",
    "refund_too_much",
    "refund_wrong_goods",
    "capture_nothing",
    "cancel",
]
steps = st.lists(
    st.tuples(
        st.sampled_from(KINDS),
        st.integers(min_value=0, max_value=10**6),
        st.integers(min_value=1, max_value=4),
    ),
    max_size=14,
)


def snapshot(order: Order) -> tuple[Any, ...]:
    return (state_doc(order), line_rows(order), list(order.events), list(order.new_entries))


def refused(order: Order, code: str, action: Any) -> None:
    before = snapshot(order)
    try:
        action()
    except DomainError as err:
        assert err.code == code, (err.code, code)
    else:
        raise AssertionError(f"not refused: expected {code}")
    assert snapshot(order) == before


def left_of(order: Order, chunk: Chunk) -> dict[tuple[str, int], list[int]]:
    """(reference, vat) → [quantity, amount, unit price] still refundable of ``chunk``."""
    out: dict[tuple[str, int], list[int]] = {}
    for line in chunk.lines:
        sums = out.setdefault((line.reference, line.vat), [0, 0, line.unit_price or 0])
        sums[0] += line.quantity
        sums[1] += line.total_amount
    for credit in order.refunded:
        if credit.refunds == chunk.ledger_id:
            for line in credit.lines:
                sums = out[(line.reference, line.vat)]
                sums[0] -= line.quantity
                sums[1] -= line.total_amount
    return out


def check(order: Order, authorized: int) -> None:
    assert order.authorized == authorized
    assert order.captured_amount + order.remaining + order.cancelled == authorized
    assert order.captured_amount == sum(c.total for c in order.captured)
    assert order.refunded_amount == sum(c.total for c in order.refunded)
    assert 0 <= order.refunded_amount <= order.captured_amount
    captured_ids = {c.ledger_id for c in order.captured}
    for chunk in order.captured:
        left = chunk.total - order.refunded_of(chunk)
        assert left >= 0
        assert all(q >= 0 and a >= 0 for q, a, _ in left_of(order, chunk).values())
        actions = ledyer.chunk_actions(order, chunk)
        assert (actions == []) == (left == 0)
    assert all(credit.refunds in captured_ids for credit in order.refunded)
    entries = order.new_entries
    rows = [(x.amount, x.ledger_id) for x in entries if x.kind == LedgerKind.CAPTURE]
    assert rows == [(c.total, c.ledger_id) for c in order.captured]
    rows = [(x.amount, x.ledger_id) for x in entries if x.kind == LedgerKind.REFUND]
    assert rows == [(c.total, c.ledger_id) for c in order.refunded]
    assert sum(x.amount for x in entries if x.kind == LedgerKind.RELEASE) == order.cancelled
    refund_events = (EventType.PARTIAL_REFUND, EventType.FULL_REFUND)
    assert sum(ev.amount for ev in order.events if ev.type in refund_events) == (
        order.refunded_amount
    )
    statuses = ledyer.statuses(order, NOW)
    refunded, captured = order.refunded_amount, order.captured_amount
    assert ("fullyRefunded" in statuses) == (refunded > 0 and refunded >= captured)
    assert ("partiallyRefunded" in statuses) == (0 < refunded < captured)
    stored = order_from_rows(state_doc(order), line_rows(order), [])
    assert [c.refunds for c in stored.refunded] == [c.refunds for c in order.refunded]
    assert [c.total for c in stored.refunded] == [c.total for c in order.refunded]


def test_refunds_never_exceed_their_capture_and_the_ledger_adds_up() -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(line_specs, steps)
    def run(specs: list[tuple[int, int, int]], plan: list[tuple[str, int, int]]) -> None:
        order = make_order(
            [cline(f"A{i}", q, p, vat) for i, (q, p, vat) in enumerate(specs)],
            provider="ledyer",
        )
        authorized = order.authorized
        for kind, pick, qty in plan:
            uncaptured = order.uncaptured.lines if order.uncaptured else []
            if kind in ("capture_line", "capture_units", "capture_nothing"):
                if not uncaptured:
                    continue
                line = uncaptured[pick % len(uncaptured)]
                unit = line.unit_price or 0
                if kind == "capture_line":
                    sent = cline(line.reference, line.quantity, unit, line.vat, id=line.id)
                elif kind == "capture_units":
                    sent = cline(line.reference, min(qty, line.quantity), unit, line.vat)
                else:
                    sent = cline(line.reference, 0, unit, line.vat)
                amount = sent.total_amount

                def capture(sent: Any = sent, amount: int = amount) -> Chunk:
                    return ledyer.partial_capture(order, [sent], amount, CaptureMeta(), NOW)

                if amount == 0:
                    refused(order, e.CAPTURE_AMOUNT_MUST_BE_POSITIVE, capture)
                    seen["refused"] += 1
                elif amount > order.remaining:
                    refused(order, e.CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT, capture)
                    seen["refused"] += 1
                else:
                    chunk = capture()
                    assert chunk.total == amount
                    seen["captured"] += 1
            elif kind == "cancel":
                if order.uncaptured is None:
                    continue
                remaining = order.remaining
                ledger_id = order.uncaptured.ledger_id
                assert ledyer.cancel_sub_order(order, ledger_id, NOW) == remaining
                seen["cancelled"] += 1
            else:
                if not order.captured:
                    continue
                chunk = order.captured[pick % len(order.captured)]
                left = left_of(order, chunk)
                open_goods = [(k, v) for k, v in left.items() if v[0] > 0]
                whole = order.refunded_of(chunk) == 0

                def full(chunk: Chunk = chunk) -> Chunk:
                    return ledyer.refund(order, chunk.ledger_id, "", NOW)

                if kind == "refund":
                    if whole:
                        credit = full()
                        assert credit.total == chunk.total
                        seen["refunded"] += 1
                    else:
                        refused(order, e.ACTION_NOT_AVAILABLE, full)
                        seen["refused"] += 1
                    continue
                if not open_goods:
                    refused(order, e.ACTION_NOT_AVAILABLE, full)
                    continue
                (reference, vat), (units, _amount, unit) = open_goods[pick % len(open_goods)]
                if kind == "refund_units":
                    sent = priced_line(reference, reference, min(qty, units), unit, vat)
                elif kind == "refund_too_much":
                    sent = priced_line(reference, reference, units + 1, unit, vat)
                else:
                    sent = priced_line(reference + "-other", reference, 1, unit, vat)
                sent.id = None

                def part(sent: Any = sent, chunk: Chunk = chunk) -> Chunk:
                    total = sent.total_amount
                    return ledyer.partial_refund(order, chunk.ledger_id, [sent], total, "", NOW)

                if kind == "refund_units":
                    credit = part()
                    assert credit.total == sent.total_amount and credit.refunds == chunk.ledger_id
                    seen["refunded"] += 1
                else:
                    too_much = sent.total_amount > chunk.total - order.refunded_of(chunk)
                    code = (
                        e.REFUND_LINES_DO_NOT_MATCH
                        if kind == "refund_wrong_goods"
                        else e.REFUND_AMOUNT_TOO_LARGE
                        if too_much
                        else e.REFUND_LINE_QUANTITY_TOO_LARGE
                    )
                    if kind == "refund_wrong_goods" and too_much:
                        code = e.REFUND_AMOUNT_TOO_LARGE
                    refused(order, code, part)
                    seen["refused"] += 1
            check(order, authorized)

    run()
    assert seen["captured"] >= 100
    assert seen["refunded"] >= 50
    assert seen["refused"] >= 100
    assert seen["cancelled"] >= 10

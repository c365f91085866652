"""Any sequence of Ledyer captures, partial captures, refunds, partial refunds and cancels
keeps the ledger exact: captured − refunded ≥ 0 per captured chunk, the order's amounts are
the sums of its chunks, and every chunk has its ledger row and its event.

Each step is valid — and must succeed — or invalid in a known way — and must be refused
with its code, changing nothing.
"""

from collections import Counter
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError
from orderdesk.domain.lines import CaptureLine, priced_line
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


CAPTURES = ("capture_line", "capture_units", "capture_nothing")


def capture_sent(line: CaptureLine, kind: str, qty: int) -> CaptureLine:
    """What a capture step sends for an uncaptured line: all of it (with its id), ``qty`` of
    its units, or none."""
    unit = line.unit_price or 0
    if kind == "capture_line":
        return cline(line.reference, line.quantity, unit, line.vat, id=line.id)
    if kind == "capture_units":
        return cline(line.reference, min(qty, line.quantity), unit, line.vat)
    return cline(line.reference, 0, unit, line.vat)


def capture_step(order: Order, kind: str, pick: int, qty: int, seen: Counter[str]) -> bool:
    """A partial capture of one uncaptured line: refused when worth 0 or more than is left;
    False when nothing is left to capture."""
    uncaptured = order.uncaptured.lines if order.uncaptured else []
    if not uncaptured:
        return False
    sent = capture_sent(uncaptured[pick % len(uncaptured)], kind, qty)
    amount = sent.total_amount

    def capture() -> Chunk:
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
    return True


def cancel_step(order: Order, seen: Counter[str]) -> bool:
    """Cancel the uncaptured sub-order: what was left is released; False when there is none."""
    if order.uncaptured is None:
        return False
    remaining = order.remaining
    ledger_id = order.uncaptured.ledger_id
    assert ledyer.cancel_sub_order(order, ledger_id, NOW) == remaining
    seen["cancelled"] += 1
    return True


def whole_refund(order: Order, chunk: Chunk) -> Callable[[], Chunk]:
    """A refund of all of ``chunk``, to make or to see refused."""
    return lambda: ledyer.refund(order, chunk.ledger_id, "", NOW)


def whole_refund_step(order: Order, chunk: Chunk, seen: Counter[str]) -> None:
    """Refund all of ``chunk``: it goes through only when nothing of it was refunded yet."""
    full = whole_refund(order, chunk)
    if order.refunded_of(chunk) == 0:
        credit = full()
        assert credit.total == chunk.total
        seen["refunded"] += 1
    else:
        refused(order, e.ACTION_NOT_AVAILABLE, full)
        seen["refused"] += 1


def refund_sent(
    kind: str, reference: str, units: int, unit: int, vat: int, qty: int
) -> CaptureLine:
    """What a partial refund step sends for goods of a chunk with ``units`` left: ``qty`` of
    them at most (``refund_units``), one more than is left (``refund_too_much``), or one of
    goods the chunk does not hold (``refund_wrong_goods``)."""
    if kind == "refund_units":
        sent = priced_line(reference, reference, min(qty, units), unit, vat)
    elif kind == "refund_too_much":
        sent = priced_line(reference, reference, units + 1, unit, vat)
    else:
        sent = priced_line(reference + "-other", reference, 1, unit, vat)
    sent.id = None
    return sent


def refund_refusal(order: Order, chunk: Chunk, kind: str, amount: int) -> str:
    """The code an invalid partial refund of ``chunk`` worth ``amount`` is refused with: too
    large an amount first, then goods the chunk does not hold, then too many units."""
    if amount > chunk.total - order.refunded_of(chunk):
        return e.REFUND_AMOUNT_TOO_LARGE
    if kind == "refund_wrong_goods":
        return e.REFUND_LINES_DO_NOT_MATCH
    return e.REFUND_LINE_QUANTITY_TOO_LARGE


def partial_refund_step(
    order: Order, chunk: Chunk, kind: str, pick: int, qty: int, seen: Counter[str]
) -> bool:
    """A partial refund of some goods of ``chunk``: ``refund_units`` goes through, the others
    are refused. False when the chunk has no goods left to refund (refused as a whole)."""
    left = left_of(order, chunk)
    open_goods = [(k, v) for k, v in left.items() if v[0] > 0]
    if not open_goods:
        refused(order, e.ACTION_NOT_AVAILABLE, whole_refund(order, chunk))
        return False
    (reference, vat), (units, _amount, unit) = open_goods[pick % len(open_goods)]
    sent = refund_sent(kind, reference, units, unit, vat, qty)

    def part() -> Chunk:
        total = sent.total_amount
        return ledyer.partial_refund(order, chunk.ledger_id, [sent], total, "", NOW)

    if kind == "refund_units":
        credit = part()
        assert credit.total == sent.total_amount and credit.refunds == chunk.ledger_id
        seen["refunded"] += 1
    else:
        refused(order, refund_refusal(order, chunk, kind, sent.total_amount), part)
        seen["refused"] += 1
    return True


def refund_step(order: Order, kind: str, pick: int, qty: int, seen: Counter[str]) -> bool:
    """A refund of one captured chunk, whole (``refund``) or of some of its goods. False when
    nothing is captured, and after a whole refund."""
    if not order.captured:
        return False
    chunk = order.captured[pick % len(order.captured)]
    if kind == "refund":
        whole_refund_step(order, chunk, seen)
        return False
    return partial_refund_step(order, chunk, kind, pick, qty, seen)


def step(order: Order, kind: str, pick: int, qty: int, seen: Counter[str]) -> bool:
    """One step of a plan; whether the ledger is checked after it."""
    if kind in CAPTURES:
        return capture_step(order, kind, pick, qty, seen)
    if kind == "cancel":
        return cancel_step(order, seen)
    return refund_step(order, kind, pick, qty, seen)


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
            if step(order, kind, pick, qty, seen):
                check(order, authorized)

    run()
    assert seen["captured"] >= 100
    assert seen["refunded"] >= 50
    assert seen["refused"] >= 100
    assert seen["cancelled"] >= 10

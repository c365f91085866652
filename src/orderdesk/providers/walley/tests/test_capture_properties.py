"""Any sequence of part captures keeps the ledger exact, and valid captures are never refused.

Every request the plans build is either valid — and must succeed, capturing exactly what was
asked — or invalid in a known way — and must be refused with its code, changing nothing. No
refusal is skipped over, so a core that refused every capture would fail here.
"""

from collections import Counter
from typing import Any

from hypothesis import event, given, settings, target
from hypothesis import strategies as st

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError
from orderdesk.domain.lines import Line
from orderdesk.domain.order import CaptureMeta, LedgerKind, Order
from orderdesk.providers.walley import rules as walley
from orderdesk.providers.walley.matching import ItemSpec
from orderdesk.providers.walley.rules import WalleyCapture
from orderdesk.store.codec import line_rows, state_doc
from tests.support.orders import NOW, cline, make_order

line_specs = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=5),  # quantity
        st.integers(min_value=1, max_value=500_000),  # unit price
        st.sampled_from([0, 600, 1200, 2500]),  # VAT
    ),
    min_size=1,
    max_size=6,
)
VALID = ["item", "amount", "full"]
steps = st.lists(
    st.tuples(
        st.sampled_from(VALID),
        st.integers(min_value=0, max_value=10**6),
        st.integers(min_value=1, max_value=5),
    ),
    max_size=12,
)
mixed_steps = st.lists(
    st.tuples(
        st.sampled_from([*VALID, "too_much", "wrong_price", "cancel"]),
        st.integers(min_value=0, max_value=10**6),
        st.integers(min_value=1, max_value=5),
    ),
    max_size=12,
)


def order_of(specs: list[tuple[int, int, int]]) -> Order:
    return make_order([cline(f"A{i}", q, p, vat) for i, (q, p, vat) in enumerate(specs)])


def open_lines(order: Order) -> list[Line]:
    assert order.uncaptured is not None
    return [line for line in order.uncaptured.lines if line.quantity > 0]


def valid_request(order: Order, kind: str, pick: int, qty: int) -> WalleyCapture:
    """A request that must succeed on ``order`` (which still has something to capture)."""
    if kind == "item" and not order.items_replaced:
        lines = open_lines(order)
        line = lines[pick % len(lines)]
        qty = min(qty, line.quantity)
        price = line.unit_price or 0
        items = [ItemSpec(price, qty, id=line.reference)]
        return WalleyCapture(price * qty, items, False, CaptureMeta(action_reference=f"r{pick}"))
    if kind == "amount":
        return WalleyCapture(1 + pick % order.remaining, None, False, CaptureMeta())
    return WalleyCapture(order.remaining, None, False, CaptureMeta())


def snapshot(order: Order) -> tuple[Any, ...]:
    return (state_doc(order), line_rows(order), list(order.events), list(order.new_entries))


def check_ledger(order: Order, total: int, total_vat: int) -> None:
    captured = sum(chunk.total for chunk in order.captured)
    assert captured == order.captured_amount <= total
    assert order.captured_amount + order.remaining + order.cancelled == order.authorized == total
    assert min(order.captured_amount, order.remaining, order.cancelled) >= 0
    captures = [x for x in order.new_entries if x.kind == LedgerKind.CAPTURE]
    releases = [x for x in order.new_entries if x.kind == LedgerKind.RELEASE]
    assert [(x.amount, x.ledger_id) for x in captures] == [
        (chunk.total, chunk.ledger_id) for chunk in order.captured
    ]
    assert sum(x.amount for x in captures) == order.captured_amount
    assert sum(x.amount for x in releases) == order.cancelled
    capture_events = [ev for ev in order.events if ev.type in ("partialCapture", "fullCapture")]
    assert sum(ev.amount for ev in capture_events) == order.captured_amount
    left = order.uncaptured.lines if order.uncaptured else []
    if order.cancelled == 0:
        assert (walley.status(order, NOW) == "Activated") == (order.remaining == 0)
        assert sum(line.total_amount for line in left) == order.remaining
    if not order.items_replaced and order.cancelled == 0:
        vat = sum(c.total_vat for c in order.captured) + sum(ln.total_vat for ln in left)
        assert vat == total_vat


def test_valid_part_captures_all_succeed_and_activate_exactly_when_done() -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(line_specs, steps)
    def run(specs: list[tuple[int, int, int]], plan: list[tuple[str, int, int]]) -> None:
        order = order_of(specs)
        total = order.authorized
        total_vat = sum(line.total_vat for line in open_lines(order))
        for kind, pick, qty in plan:
            if order.uncaptured is None:
                break
            request = valid_request(order, kind, pick, qty)
            before = order.captured_amount
            chunk = walley.capture_minor(order, request, NOW)  # a refusal fails the property
            seen["captured"] += 1
            assert chunk is order.captured[-1]
            assert chunk.total == request.amount == order.captured_amount - before
            assert chunk.action_reference == request.meta.action_reference
            check_ledger(order, total, total_vat)
        if plan and plan[0][0] == "full":
            assert order.remaining == 0 and walley.status(order, NOW) == "Activated"
            assert len(order.captured) == 1
        event(f"captures: {len(order.captured)}")
        target(float(len(order.captured)), label="captures per order")

    run()
    assert seen["captured"] >= 200  # the plans average several captures per example


def cancel_step(order: Order, seen: Counter[str]) -> None:
    """Cancel: what was left is cancelled, nothing is left."""
    remaining = order.remaining
    assert walley.cancel(order, NOW) == remaining
    assert order.cancelled == remaining and order.remaining == 0
    seen["cancelled"] += 1


def capture_step(order: Order, kind: str, pick: int, qty: int, seen: Counter[str]) -> None:
    """A valid capture: it takes exactly what it asks for."""
    request = valid_request(order, kind, pick, qty)
    before = order.captured_amount
    chunk = walley.capture_minor(order, request, NOW)
    assert chunk.total == request.amount == order.captured_amount - before
    seen["captured"] += 1


def invalid_request(order: Order, kind: str, pick: int, qty: int) -> WalleyCapture:
    """A request that must be refused: more than is left (``too_much``), or an item at a price
    no open line has (``wrong_price``)."""
    if kind == "too_much":
        amount = order.remaining + 1 + pick
        if order.captured and amount == order.order_amount:
            amount += 1  # the whole order's total captures the rest (Krokedil)
        return WalleyCapture(amount, None, False, CaptureMeta())
    line = open_lines(order)[pick % len(open_lines(order))]
    price = (line.unit_price or 0) + 1
    items = [ItemSpec(price, qty, id="A0" if order.items_replaced else line.reference)]
    return WalleyCapture(price * qty, items, False, CaptureMeta())


def refusal_code(order: Order, request: WalleyCapture) -> str:
    """The code an invalid request must be refused with."""
    if request.amount > order.authorized:
        return e.CAPTURE_AMOUNT_TOO_LARGE
    if request.amount > order.remaining:
        return e.CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT
    return e.CAPTURE_ITEM_NOT_MATCHED


def refused_step(order: Order, kind: str, pick: int, qty: int, seen: Counter[str]) -> None:
    """An invalid capture: refused with its code, the order unchanged."""
    request = invalid_request(order, kind, pick, qty)
    expected = refusal_code(order, request)
    state = snapshot(order)
    try:
        walley.capture_minor(order, request, NOW)
    except DomainError as err:
        assert err.code == expected
    else:
        raise AssertionError(f"{kind} was captured: {request}")
    assert snapshot(order) == state  # a refusal changes nothing
    seen["refused"] += 1


def mixed_step(order: Order, kind: str, pick: int, qty: int, seen: Counter[str]) -> None:
    """One step of a mixed plan: a cancel, a valid capture or an invalid one."""
    if kind == "cancel":
        cancel_step(order, seen)
    elif kind in VALID:
        capture_step(order, kind, pick, qty, seen)
    else:
        refused_step(order, kind, pick, qty, seen)


def test_captured_remaining_and_cancelled_add_up_to_the_authorisation() -> None:
    seen: Counter[str] = Counter()

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(line_specs, mixed_steps)
    def run(specs: list[tuple[int, int, int]], plan: list[tuple[str, int, int]]) -> None:
        order = order_of(specs)
        total = order.authorized
        total_vat = sum(line.total_vat for line in open_lines(order))
        for kind, pick, qty in plan:
            if order.uncaptured is None:
                break
            mixed_step(order, kind, pick, qty, seen)
            check_ledger(order, total, total_vat)
        if order.cancelled:
            # nothing captured: Cancelled; part captured, the rest cancelled: PartActivated
            assert walley.status(order, NOW) in ("Cancelled", "PartActivated")
            assert order.cancelled == total - order.captured_amount

    run()
    assert seen["captured"] >= 100
    assert seen["refused"] >= 50
    assert seen["cancelled"] >= 10

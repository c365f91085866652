"""Any sequence of valid part captures keeps the ledger exact."""

from hypothesis import given, settings
from hypothesis import strategies as st

from orderdesk.domain import walley
from orderdesk.domain.errors import DomainError
from orderdesk.domain.matching import ItemSpec
from orderdesk.domain.order import CaptureMeta
from orderdesk.domain.walley import WalleyCapture
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
steps = st.lists(
    st.tuples(
        st.sampled_from(["item", "amount", "full"]),
        st.integers(min_value=0, max_value=10**6),
        st.integers(min_value=1, max_value=5),
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(line_specs, steps)
def test_part_captures_never_exceed_the_order_and_activate_exactly_when_done(
    specs: list[tuple[int, int, int]], plan: list[tuple[str, int, int]]
) -> None:
    order = make_order([cline(f"A{i}", q, p, vat) for i, (q, p, vat) in enumerate(specs)])
    total = order.authorized
    total_vat = sum(line.total_vat for line in order.uncaptured.lines)  # type: ignore[union-attr]
    for kind, pick, qty in plan:
        if order.uncaptured is None:
            break
        if kind == "item" and not order.items_replaced:
            line = order.uncaptured.lines[pick % len(order.uncaptured.lines)]
            qty = min(qty, line.quantity)
            price = line.unit_price or 0
            items = [ItemSpec(price, qty, id=line.reference)]
            request = WalleyCapture(price * qty, items, False, CaptureMeta())
        elif kind == "amount":
            request = WalleyCapture(1 + pick % order.remaining, None, False, CaptureMeta())
        else:
            request = WalleyCapture(order.remaining, None, False, CaptureMeta())
        try:
            walley.capture_minor(order, request, NOW)
        except DomainError:
            continue  # a refused capture changes nothing that the checks below could see
        captured = sum(chunk.total for chunk in order.captured)
        assert captured <= total
        assert captured + order.remaining == total
        assert (walley.status(order, NOW) == "Activated") == (order.remaining == 0)
        left = order.uncaptured.lines if order.uncaptured else []
        assert sum(line.total_amount for line in left) == order.remaining
        if not order.items_replaced:
            vat = sum(c.total_vat for c in order.captured) + sum(ln.total_vat for ln in left)
            assert vat == total_vat
    assert order.captured_amount <= total

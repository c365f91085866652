"""The Order aggregate's rules, without a database."""

from datetime import timedelta

import pytest

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.order import CaptureMeta, LedgerKind, Segment, added_by
from orderdesk.providers.ledyer import rules as ledyer
from orderdesk.providers.ledyer.rules import EditOrder
from orderdesk.providers.walley import rules as walley
from orderdesk.providers.walley.matching import ItemSpec
from orderdesk.providers.walley.rules import WalleyCapture
from tests.support.orders import NOW, cline, ledyer_seed_order, make_order, walley_seed_order


def capture(amount: int, items: list[ItemSpec] | None = None, **kw: object) -> WalleyCapture:
    meta = CaptureMeta(
        description=kw.get("description"),  # type: ignore[arg-type]
        action_reference=kw.get("action_reference"),  # type: ignore[arg-type]
    )
    return WalleyCapture(amount, items, bool(kw.get("replace", False)), meta)


def code_of(fn: object) -> str:
    with pytest.raises(DomainError) as err:
        fn()  # type: ignore[operator]
    return err.value.code


def test_a_new_order_is_uncaptured_with_create_and_ready_events() -> None:
    order = ledyer_seed_order()
    assert order.authorized == 1488000
    assert order.remaining == 1488000
    assert ledyer.statuses(order, NOW) == ["uncaptured"]
    assert walley.status(order, NOW) == "NotActivated"
    assert [(ev.type, ev.amount) for ev in order.events] == [
        ("create", 1488000),
        ("readyForCapture", 0),
    ]
    assert ledyer.available_actions(order, NOW) == [
        "cancel",
        "capture",
        "partialCapture",
        "editCustomer",
        "editOrder",
        "extendOrderExpiry",
    ]


def test_expired_order_status() -> None:
    order = walley_seed_order()
    later = NOW + timedelta(days=15)
    assert walley.status(order, later) == "Expired"
    assert "expired" in ledyer.statuses(order, later)
    assert ledyer.available_actions(order, later) == ["cancel", "extendOrderExpiry"]


def test_full_capture_by_amount_captures_everything() -> None:
    order = walley_seed_order()
    chunk = walley.capture_minor(order, capture(28500), NOW)
    assert chunk.total == 28500 and len(chunk.lines) == 2
    assert walley.status(order, NOW) == "Activated"
    assert order.uncaptured is None
    assert order.events[-1].type == "fullCapture"


def test_part_capture_by_items_splits_a_line_by_quantity() -> None:
    order = walley_seed_order()
    walley.capture_minor(order, capture(9500, [ItemSpec(9500, 1, id="10002")]), NOW)
    assert walley.status(order, NOW) == "PartActivated"
    assert order.remaining == 19000
    assert order.uncaptured is not None
    left = {
        line.reference: (line.quantity, line.total_amount, line.total_vat)
        for line in order.uncaptured.lines
    }
    assert left == {"10001": (1, 9500, 1900), "10002": (1, 9500, 1900)}
    assert order.events[-1].type == "partialCapture"


def test_items_without_a_unique_article_are_ambiguous() -> None:
    order = walley_seed_order()
    assert code_of(
        lambda: walley.capture_minor(order, capture(9500, [ItemSpec(9500, 1)]), NOW)
    ) == (e.CAPTURE_ITEM_AMBIGUOUS)
    # the description singles it out
    walley.capture_minor(order, capture(9500, [ItemSpec(9500, 1, description="Shoes")]), NOW)
    assert order.remaining == 19000


def test_unmatched_item_and_too_many_units() -> None:
    order = walley_seed_order()
    assert (
        code_of(
            lambda: walley.capture_minor(order, capture(9000, [ItemSpec(9000, 1, id="10001")]), NOW)
        )
        == e.CAPTURE_ITEM_NOT_MATCHED
    )
    assert (
        code_of(
            lambda: walley.capture_minor(
                order, capture(28500, [ItemSpec(9500, 3, id="10002")]), NOW
            )
        )
        == e.CAPTURE_ITEM_QUANTITY_TOO_LARGE
    )
    assert order.remaining == 28500


def test_part_capture_by_amount_replaces_the_items_b2c_only() -> None:
    order = walley_seed_order()
    walley.capture_minor(order, capture(10000, description=None), NOW)
    assert order.items_replaced
    assert [(ln.description, ln.total_amount) for ln in order.captured[0].lines] == [
        ("Part capture", 10000)
    ]
    assert order.uncaptured is not None
    assert [(ln.description, ln.total_amount, ln.vat) for ln in order.uncaptured.lines] == [
        ("Remaining amount", 18500, 0)
    ]
    # the original articles can no longer be captured by item
    assert (
        code_of(
            lambda: walley.capture_minor(order, capture(9500, [ItemSpec(9500, 1, id="10001")]), NOW)
        )
        == e.CAPTURE_ITEM_NOT_MATCHED
    )
    b2b = walley_seed_order(segment=Segment.B2B)
    assert code_of(lambda: walley.capture_minor(b2b, capture(10000), NOW)) == (
        e.CAPTURE_BY_AMOUNT_NOT_ALLOWED_FOR_B2B
    )


def test_replace_items_consolidates_the_rest_without_vat() -> None:
    order = walley_seed_order()
    items = [ItemSpec(5000, 2, id="NEW", description="New thing", vat=1200)]
    walley.capture_minor(order, capture(10000, items, replace=True), NOW)
    assert order.captured[0].lines[0].vat == 1200
    assert order.captured[0].lines[0].total_vat == 1071
    assert order.uncaptured is not None
    assert [(ln.total_amount, ln.vat) for ln in order.uncaptured.lines] == [(18500, 0)]
    # repeatable: capture the rest as two new items
    rest = [ItemSpec(8500, 1, id="A"), ItemSpec(10000, 1, id="B")]
    walley.capture_minor(order, capture(18500, rest, replace=True), NOW)
    assert walley.status(order, NOW) == "Activated"


def test_walley_check_precedence() -> None:
    order = walley_seed_order()
    long = "x" * 51
    # description beats the negative amount, which beats the item sum, which beats the state
    assert code_of(lambda: walley.capture_minor(order, capture(-1, description=long), NOW)) == (
        e.CAPTURE_DESCRIPTION_TOO_LONG
    )
    assert code_of(lambda: walley.capture_minor(order, capture(-1, [ItemSpec(1, 1)]), NOW)) == (
        e.CAPTURE_AMOUNT_MUST_NOT_BE_NEGATIVE
    )
    walley.capture_minor(order, capture(28500), NOW)
    assert code_of(lambda: walley.capture_minor(order, capture(1, [ItemSpec(2, 1)]), NOW)) == (
        e.CAPTURE_ITEMS_AMOUNT_NOT_EQUAL_TO_TOTAL_AMOUNT
    )
    assert code_of(lambda: walley.capture_minor(order, capture(99999), NOW)) == (
        e.CAPTURE_ORDER_ALREADY_CAPTURED
    )


def test_too_large_before_greater_than_invoice_amount() -> None:
    order = walley_seed_order()
    walley.capture_minor(order, capture(9500, [ItemSpec(9500, 1, id="10001")]), NOW)
    assert (
        code_of(lambda: walley.capture_minor(order, capture(28501), NOW))
        == e.CAPTURE_AMOUNT_TOO_LARGE
    )
    assert code_of(lambda: walley.capture_minor(order, capture(28400), NOW)) == (
        e.CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT
    )


def test_the_whole_order_total_on_a_part_captured_order_captures_the_rest() -> None:
    """Krokedil's plugin always sends the order's total: the shop means "the rest"."""
    order = walley_seed_order()
    walley.capture_minor(order, capture(9500, [ItemSpec(9500, 1, id="10001")]), NOW)
    chunk = walley.capture_minor(order, capture(28500), NOW)
    assert (chunk.total, order.remaining, walley.status(order, NOW)) == (19000, 0, "Activated")


def test_every_line_again_on_a_part_captured_order_captures_the_rest() -> None:
    """Krokedil's "part capture" lists every line of the order with the order's total."""
    order = walley_seed_order()
    walley.capture_minor(order, capture(9500, [ItemSpec(9500, 1, id="10001")]), NOW)
    every = [ItemSpec(9500, 1, id="10001"), ItemSpec(9500, 2, id="10002")]
    chunk = walley.capture_minor(order, capture(28500, every), NOW)
    assert [(x.reference, x.quantity) for x in chunk.lines] == [("10002", 2)]
    assert walley.status(order, NOW) == "Activated"


def test_lines_that_do_not_name_what_was_captured_are_not_the_whole_order() -> None:
    order = walley_seed_order()
    walley.capture_minor(order, capture(9500, [ItemSpec(9500, 1, id="10001")]), NOW)
    tshirts = [ItemSpec(9500, 3, id="10002")]  # 285, but the shoes are not among them
    assert code_of(lambda: walley.capture_minor(order, capture(28500, tshirts), NOW)) == (
        e.CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT
    )


def test_closed_and_expired_orders_cannot_be_captured() -> None:
    order = walley_seed_order()
    later = NOW + timedelta(days=30)
    assert code_of(lambda: walley.capture_minor(order, capture(28500), later)) == (
        e.CAPTURE_INVALID_INVOICE_STATUS
    )
    order.closed = True
    with pytest.raises(DomainError) as err:
        walley.capture_minor(order, capture(28500), NOW)
    assert err.value.code == e.CAPTURE_INVALID_INVOICE_STATUS
    assert err.value.kind is Kind.STATE


def test_ledyer_partial_capture_with_and_without_id() -> None:
    order = make_order([cline("S20", 3, 100000)], provider="ledyer")
    assert order.uncaptured is not None
    line_id = order.uncaptured.lines[0].id
    ledyer.partial_capture(order, [cline("S20", 1, 100000)], 100000, CaptureMeta(), NOW)
    assert order.uncaptured is not None and order.uncaptured.lines[0].quantity == 3
    assert order.remaining == 200000
    assert ledyer.statuses(order, NOW) == ["partiallyCaptured"]
    # the uncaptured line is worth more than is left until the shop edits it down
    assert (
        code_of(
            lambda: ledyer.partial_capture(
                order, [cline("S20", 3, 100000, id=line_id)], 300000, CaptureMeta(), NOW
            )
        )
        == e.CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT
    )
    ledyer.edit(order, EditOrder([cline("S20", 2, 100000)], 200000, 160000, 40000), NOW)
    assert order.authorized == 300000 and order.remaining == 200000
    assert order.uncaptured is not None
    new_id = order.uncaptured.lines[0].id
    ledyer.partial_capture(order, [cline("S20", 2, 100000, id=new_id)], 200000, CaptureMeta(), NOW)
    assert ledyer.statuses(order, NOW) == ["fullyCaptured"]
    assert order.uncaptured is None
    assert [ev.type for ev in order.events] == [
        "create",
        "readyForCapture",
        "partialCapture",
        "edit",
        "fullCapture",
    ]


def test_ledyer_line_id_rules() -> None:
    order = ledyer_seed_order()
    assert order.uncaptured is not None
    samsung = order.uncaptured.lines[0]
    assert (
        code_of(
            lambda: ledyer.partial_capture(
                order, [cline("x", 1, 489000, id="ol_nope")], 489000, CaptureMeta(), NOW
            )
        )
        == e.CAPTURE_LINE_NOT_FOUND
    )
    ledyer.partial_capture(
        order, [cline("1334227", 1, 489000, id=samsung.id)], 489000, CaptureMeta(), NOW
    )
    assert (
        code_of(
            lambda: ledyer.partial_capture(
                order, [cline("1334227", 1, 489000, id=samsung.id)], 489000, CaptureMeta(), NOW
            )
        )
        == e.CAPTURE_LINE_ALREADY_CAPTURED
    )


def test_edit_raises_the_authorisation_only_when_the_credit_check_approves() -> None:
    order = ledyer_seed_order()
    raised = EditOrder([cline("big", 1, 2000000)], 2000000, 1600000, 400000)
    assert (
        code_of(lambda: ledyer.edit(order, raised, NOW, credit_approved=False))
        == ledyer.EDIT_CREDIT_CHECK_DECLINED
    )
    assert order.authorized == 1488000
    assert order.new_entries == []
    ledyer.edit(order, raised, NOW, credit_approved=True)
    assert order.authorized == 2000000
    assert [(x.kind, x.amount) for x in order.new_entries] == [(LedgerKind.REAUTHORIZE, 512000)]
    assert tuple(added_by(order.new_entries, order.events[1:])) == (0, 0, 0, 512000)

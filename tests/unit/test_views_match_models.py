"""Every view's output is exactly what its response shape (a TypedDict the OpenAPI document
shows) describes.

mypy checks the keys of each dict a view writes; this checks what it cannot see: each object a
view writes must have the shape's fields and no others, recursively (a TypedDict accepts a
subtype with more keys). A field the view writes and the shape does not describe fails, and so
does the reverse.
"""

import types
from collections.abc import Callable, Sequence
from datetime import timedelta
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

import orjson
import pytest
from pydantic import TypeAdapter
from typing_extensions import is_typeddict

from orderdesk.domain.order import CaptureMeta, Order, Segment
from orderdesk.providers.ledyer import rules as ledyer
from orderdesk.providers.ledyer import views as ledyer_views
from orderdesk.providers.ledyer.responses import LedyerOrder, LedyerPaymentStatus
from orderdesk.providers.ledyer.rules import EditOrder
from orderdesk.providers.walley import rules as walley
from orderdesk.providers.walley import views as walley_views
from orderdesk.providers.walley.matching import ItemSpec
from orderdesk.providers.walley.responses import (
    WalleyOrderAnswer,
    WalleyReauthorizationAnswer,
    WalleySearchAnswer,
)
from orderdesk.providers.walley.rules import (
    CreditCheck,
    ReauthorizeRequest,
    RefundRequest,
    RequestedItem,
    WalleyCapture,
)
from tests.support.orders import NOW, cline, make_order

LATER = NOW + timedelta(hours=1)
EXPIRED = NOW + timedelta(days=30)

ADDRESS = {
    "attentionName": "Reception",
    "careOf": "c/o Lovelace",
    "city": "Lund",
    "companyName": "Analytical AB",
    "country": "SE",
    "postalCode": "222 22",
    "streetAddress": "Storgatan 1",
    "streetAddress2": "2 tr",
    "contact": {"email": "ada@example.se", "firstName": "Ada", "lastName": "L", "phone": "+46"},
}
PERSON = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "nationalId": "198512101234",
    "email": "ada@example.se",
    "phone": "+46701234567",
    "billingAddress": ADDRESS,
    "shippingAddress": {**ADDRESS, "companyName": None},
}
COMPANY = {"companyName": "Analytical AB", "companyId": "5560000000", "billingAddress": ADDRESS}


def exact_keys(value: Any, annotation: Any, where: str = "$") -> None:
    """``value`` has exactly the fields ``annotation`` describes, at every depth."""
    if annotation is Any:
        return
    origin = get_origin(annotation)
    if origin is Annotated:
        exact_keys(value, get_args(annotation)[0], where)
    elif origin in (Union, types.UnionType):
        options = [arg for arg in get_args(annotation) if arg is not type(None)]
        if value is None:
            assert type(None) in get_args(annotation), f"{where} is null"
            return
        assert len(options) == 1, f"{where}: cannot tell which of {options}"
        exact_keys(value, options[0], where)
    elif origin in (list, Sequence):
        assert isinstance(value, list), where
        for index, item in enumerate(value):
            exact_keys(item, get_args(annotation)[0], f"{where}[{index}]")
    elif origin is dict:
        assert isinstance(value, dict), where
    elif is_typeddict(annotation):
        assert isinstance(value, dict), f"{where} is not an object"
        fields = get_type_hints(annotation, include_extras=True)
        extra, missing = set(value) - set(fields), set(fields) - set(value)
        assert not extra, f"{where}: the view writes {sorted(extra)}, not in {annotation.__name__}"
        assert not missing, f"{where}: {annotation.__name__} has {sorted(missing)}, not written"
        for name, field in fields.items():
            exact_keys(value[name], field, f"{where}.{name}")


@cache
def adapter(shape: Any) -> TypeAdapter[Any]:
    return TypeAdapter(shape)


def matches(view: Any, shape: Any) -> None:
    text = orjson.dumps(view)  # Walley views hold orjson Fragments: serialise as the app does
    parsed = orjson.loads(text)
    exact_keys(parsed, shape)
    adapter(shape).validate_json(text, strict=False)


# -- the orders ---------------------------------------------------------------------------
def walley_order(segment: Segment = Segment.B2C, customer: dict[str, Any] | None = None) -> Order:
    order = make_order(
        [cline("10001", 1, 9500, description="Shoes"), cline("10002", 2, 9500)], segment=segment
    )
    order.customer = customer or {}
    return order


def capture(order: Order, amount: int, items: list[ItemSpec] | None = None, **kw: Any) -> Order:
    meta = CaptureMeta(description=kw.get("description"), action_reference=kw.get("ref"))
    request = WalleyCapture(amount, items, bool(kw.get("replace")), meta)
    walley.capture_minor(order, request, LATER)
    return order


def walley_states() -> dict[str, tuple[Order, Any]]:
    by_items = capture(walley_order(), 9500, [ItemSpec(9500, 1, id="10002")], ref="r1")
    cancelled_part = capture(walley_order(), 9500, [ItemSpec(9500, 1, id="10001")])
    walley.cancel(cancelled_part, LATER)
    cancelled = walley_order()
    walley.cancel(cancelled, LATER)
    closed = walley_order()
    walley.cancel(closed, LATER)
    closed.close(LATER)
    extended = walley_order()
    walley.extend(extended, LATER)  # 14 days from then
    part_refunded = capture(walley_order(), 28500)
    item = RequestedItem(Decimal(95), 1, id="10002")
    fee = RequestedItem(Decimal(-10), 1, vat=2500, type="fee")
    walley.refund(part_refunded, RefundRequest(Decimal(85), [item, fee], CaptureMeta()), LATER)
    returned = capture(walley_order(), 28500)
    walley.refund(returned, RefundRequest(Decimal(285), None, CaptureMeta("All")), LATER)
    reauthorized = walley_order()
    request = ReauthorizeRequest(Decimal(400), None, CaptureMeta())
    walley.reauthorize(reauthorized, request, CreditCheck(), LATER)
    return {
        "new": (walley_order(), NOW),
        "part captured by items": (by_items, LATER),
        "part captured by amount": (capture(walley_order(), 10000, description="Part"), LATER),
        "replaced items": (
            capture(walley_order(), 10000, [ItemSpec(5000, 2, id="N", vat=1200)], replace=True),
            LATER,
        ),
        "full": (capture(walley_order(), 28500), LATER),
        "cancelled": (cancelled, LATER),
        "part captured then cancelled": (cancelled_part, LATER),
        "closed": (closed, LATER),
        "expired": (walley_order(), EXPIRED),
        "extended": (extended, LATER),
        "person with addresses": (walley_order(customer=PERSON), NOW),
        "B2B company": (
            capture(walley_order(Segment.B2B, COMPANY), 9500, [ItemSpec(9500, 1, id="10001")]),
            LATER,
        ),
        "part refunded with a fee": (part_refunded, LATER),
        "returned": (returned, LATER),
        "reauthorized higher": (reauthorized, LATER),
    }


def ledyer_order(customer: dict[str, Any] | None = None) -> Order:
    order = make_order(
        [cline("S20", 3, 100000), cline("X", 1, 5000)],
        provider="ledyer",
        segment=Segment.B2B if customer is COMPANY else Segment.B2C,
    )
    order.customer = customer or {}
    return order


def ledyer_states() -> dict[str, tuple[Order, Any]]:
    part = ledyer_order()
    ledyer.partial_capture(part, [cline("S20", 1, 100000)], 100000, CaptureMeta(), LATER)
    edited = ledyer_order()
    ledyer.edit(edited, EditOrder([cline("S20", 2, 100000)], 200000, 160000, 40000), LATER)
    part_edited = ledyer_order()
    assert part_edited.uncaptured is not None
    x = part_edited.uncaptured.lines[1]
    ledyer.partial_capture(
        part_edited, [cline("X", 1, 5000, id=x.id)], 5000, CaptureMeta(note="n"), LATER
    )
    ledyer.edit(part_edited, EditOrder([cline("S20", 1, 100000)], 100000, 80000, 20000), LATER)
    full = ledyer_order()
    assert full.uncaptured is not None
    sent = [cline("S20", 3, 100000), cline("X", 1, 5000)]
    ledyer.capture(full, sent, 305000, CaptureMeta(), LATER)
    cancelled = ledyer_order()
    ledyer.cancel(cancelled, LATER)
    part_cancelled = ledyer_order()
    ledyer.partial_capture(part_cancelled, [cline("X", 1, 5000)], 5000, CaptureMeta(), LATER)
    ledyer.cancel(part_cancelled, LATER)
    customer_edited = ledyer_order(PERSON)
    ledyer.partial_capture(customer_edited, [cline("X", 1, 5000)], 5000, CaptureMeta(), LATER)
    ledyer.edit_customer(customer_edited, {"email": "new@example.se"}, LATER)
    extended = ledyer_order()
    ledyer.extend(extended, LATER)
    part_refunded = ledyer_order()
    chunk = ledyer.partial_capture(
        part_refunded, [cline("S20", 2, 100000)], 200000, CaptureMeta(), LATER
    )
    ledyer.partial_refund(
        part_refunded, chunk.ledger_id, [cline("S20", 1, 100000)], 100000, "size", LATER
    )
    refunded = ledyer_order()
    ledyer.capture(refunded, sent, 305000, CaptureMeta(), LATER)
    ledyer.refund(refunded, refunded.captured[0].ledger_id, "", LATER)
    unacknowledged = ledyer_order()
    unacknowledged.acknowledged = False
    service = ledyer_order()
    service.payment_method = "serviceInvoice"
    service.acknowledged = False
    ledyer.set_reference(service, "1001", LATER)
    ledyer.edit_payment_method(service, "ledyer", "advanceInvoice", LATER)
    ledyer.acknowledge(service, LATER)
    return {
        "new": (ledyer_order(), NOW),
        "partially captured": (part, LATER),
        "edited": (edited, LATER),
        "captured then edited": (part_edited, LATER),
        "full": (full, LATER),
        "cancelled": (cancelled, LATER),
        "captured then cancelled": (part_cancelled, LATER),
        "expired": (ledyer_order(), EXPIRED),
        "extended": (extended, LATER),
        "person with addresses, customer edited": (customer_edited, LATER),
        "B2B company": (ledyer_order(COMPANY), NOW),
        "partially refunded": (part_refunded, LATER),
        "refunded whole": (refunded, LATER),
        "unacknowledged": (unacknowledged, NOW),
        "advance invoice, referenced, acknowledged": (service, LATER),
    }


def document_url(ledger_id: str) -> str:
    return f"http://testserver/invoices/or_1/{ledger_id}.pdf?Expires=1&Signature=s"


@pytest.mark.parametrize("state", list(walley_states()))
def test_walley_order_view_matches_its_model(state: str) -> None:
    order, now = walley_states()[state]
    view = walley_views.order_view(order, 7, now)
    matches(view, WalleyOrderAnswer)
    data = orjson.loads(orjson.dumps(view))["data"]
    assert data["status"] == walley.status(order, now)
    assert len(data["invoices"]) == len(order.captured) + len(order.refunded)
    matches({"data": [walley_views.search_item(order, now)]}, WalleySearchAnswer)
    for pending in order.reauthorizations:
        matches(walley_views.reauthorization_view(pending), WalleyReauthorizationAnswer)


@pytest.mark.parametrize("state", list(ledyer_states()))
def test_ledyer_order_view_matches_its_model(state: str) -> None:
    order, now = ledyer_states()[state]
    view = ledyer_views.order_view(order, 7, now, document_url)
    matches(view, LedyerOrder)
    assert view["status"] == ledyer.statuses(order, now)
    assert (view["uncaptured"] is None) == (order.uncaptured is None)
    matches(ledyer_views.payment_status_view(order), LedyerPaymentStatus)


def test_the_states_cover_what_they_say() -> None:
    walley_status = {name: walley.status(o, now) for name, (o, now) in walley_states().items()}
    assert walley_status == {
        "new": "NotActivated",
        "part captured by items": "PartActivated",
        "part captured by amount": "PartActivated",
        "replaced items": "PartActivated",
        "full": "Activated",
        "cancelled": "Cancelled",
        "part captured then cancelled": "PartActivated",
        "closed": "Closed",
        "expired": "Expired",
        "extended": "NotActivated",
        "person with addresses": "NotActivated",
        "B2B company": "PartActivated",
        "part refunded with a fee": "Activated",
        "returned": "Returned",
        "reauthorized higher": "NotActivated",
    }
    ledyer_status = {name: ledyer.statuses(o, now) for name, (o, now) in ledyer_states().items()}
    assert ledyer_status == {
        "new": ["uncaptured"],
        "partially captured": ["partiallyCaptured"],
        "edited": ["uncaptured"],
        "captured then edited": ["partiallyCaptured"],
        "full": ["fullyCaptured"],
        "cancelled": ["cancelled"],
        "captured then cancelled": ["partiallyCaptured", "cancelled"],
        "expired": ["uncaptured", "expired"],
        "extended": ["uncaptured"],
        "person with addresses, customer edited": ["partiallyCaptured"],
        "B2B company": ["uncaptured"],
        "partially refunded": ["partiallyCaptured", "partiallyRefunded"],
        "refunded whole": ["fullyCaptured", "fullyRefunded"],
        "unacknowledged": ["uncaptured", "unacknowledged"],
        "advance invoice, referenced, acknowledged": ["uncaptured"],
    }


Mutation = Callable[[Any], None]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda v: v["data"].update(extra=1),
        lambda v: v["data"].pop("productCode"),
        lambda v: v["data"]["items"][0].update(unitPrice=1),
        lambda v: v["data"]["customer"].pop("homePhoneNumber"),
        lambda v: v["data"]["invoices"][0].update(ledgerId="x"),
    ],
)
def test_the_check_catches_a_walley_field_too_many_or_too_few(mutate: Mutation) -> None:
    view = walley_views.order_view(capture(walley_order(), 28500), 7, LATER)
    matches(view, WalleyOrderAnswer)
    mutate(view)
    with pytest.raises(AssertionError):
        matches(view, WalleyOrderAnswer)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda v: v.update(extra=1),
        lambda v: v["uncaptured"]["orderLines"][0].pop("unitDiscountAmount"),
        lambda v: v["captured"][0].update(customer={}),
        lambda v: v["events"][0]["amount"].update(major="1"),
        lambda v: v["paymentMethod"].pop("type"),
        lambda v: v["refunded"][0].pop("documentUrl"),
        lambda v: v["refunded"][0].update(refunds="in_1"),
    ],
)
def test_the_check_catches_a_ledyer_field_too_many_or_too_few(mutate: Mutation) -> None:
    order, now = ledyer_states()["partially refunded"]
    view = ledyer_views.order_view(order, 7, now, document_url)
    matches(view, LedyerOrder)
    mutate(view)
    with pytest.raises(AssertionError):
        matches(view, LedyerOrder)

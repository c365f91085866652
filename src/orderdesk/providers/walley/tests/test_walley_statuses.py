"""Every status transition of walley.md §4, and every operation each status refuses.

A table: the state an order is in, what happens to it, and the status it reads after (or the
code a refused operation answers with, the order unchanged).
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError
from orderdesk.domain.order import CaptureMeta, Order
from orderdesk.providers.walley import rules as walley
from orderdesk.providers.walley.matching import ItemSpec
from orderdesk.providers.walley.rules import (
    CreditCheck,
    ReauthorizeRequest,
    RefundRequest,
    WalleyCapture,
    WalleyStatus,
)
from orderdesk.store.codec import state_doc
from tests.support.orders import NOW, walley_seed_order

S = WalleyStatus
LATER = NOW + timedelta(hours=1)
PAST_EXPIRY = NOW + timedelta(days=20)
Action = Callable[[Order, datetime], object]


def capture_all(order: Order, now: datetime) -> object:
    return walley.capture_minor(
        order, WalleyCapture(order.remaining, None, False, CaptureMeta()), now
    )


def capture_shoes(order: Order, now: datetime) -> object:
    shoes = [ItemSpec(9500, 1, id="10001")]
    return walley.capture_minor(order, WalleyCapture(9500, shoes, False, CaptureMeta()), now)


def capture_a_tshirt(order: Order, now: datetime) -> object:
    tshirt = [ItemSpec(9500, 1, id="10002")]
    return walley.capture_minor(order, WalleyCapture(9500, tshirt, False, CaptureMeta()), now)


def cancel(order: Order, now: datetime) -> object:
    return walley.cancel(order, now)


def extend(order: Order, now: datetime) -> object:
    return walley.extend(order, now)


def close(order: Order, now: datetime) -> object:
    order.close(now)
    return None


def refund(amount: int) -> Action:
    def act(order: Order, now: datetime) -> object:
        request = RefundRequest(Decimal(amount) / 100, None, CaptureMeta())
        return walley.refund(order, request, now)

    return act


def refund_all(order: Order, now: datetime) -> object:
    return refund(order.refundable)(order, now)


def reauthorize(amount: int) -> Action:
    def act(order: Order, now: datetime) -> object:
        request = ReauthorizeRequest(Decimal(amount) / 100, None, CaptureMeta())
        return walley.reauthorize(order, request, CreditCheck(), now)

    return act


# The states, each built from the seed order (Shoes 95 + T-Shirt 2 × 95) and read at a time.
STATES: dict[str, tuple[list[Action], datetime]] = {
    "NotActivated": ([], LATER),
    "PartActivated": ([capture_shoes], LATER),
    "Activated": ([capture_all], LATER),
    "Returned": ([capture_all, refund_all], LATER),
    "Cancelled": ([cancel], LATER),
    "PartActivated, rest cancelled": ([capture_shoes, cancel], LATER),
    "Expired": ([], PAST_EXPIRY),
    "PartActivated, expired": ([capture_shoes], PAST_EXPIRY),
    "Closed": ([close], LATER),
}


def state(name: str) -> tuple[Order, datetime]:
    order = walley_seed_order()
    actions, now = STATES[name]
    for act in actions:
        act(order, NOW + timedelta(minutes=1))
    return order, now


def test_the_states_read_as_named() -> None:
    assert {name: walley.status(*state(name)) for name in STATES} == {
        "NotActivated": S.NOT_ACTIVATED,
        "PartActivated": S.PART_ACTIVATED,
        "Activated": S.ACTIVATED,
        "Returned": S.RETURNED,
        "Cancelled": S.CANCELLED,
        "PartActivated, rest cancelled": S.PART_ACTIVATED,
        "Expired": S.EXPIRED,
        "PartActivated, expired": S.EXPIRED,
        "Closed": S.CLOSED,
    }


TRANSITIONS = [
    ("NotActivated", "full capture", capture_all, S.ACTIVATED),
    ("NotActivated", "part capture", capture_shoes, S.PART_ACTIVATED),
    ("PartActivated", "capture the rest", capture_all, S.ACTIVATED),
    ("NotActivated", "cancel", cancel, S.CANCELLED),
    ("PartActivated", "cancel the rest", cancel, S.PART_ACTIVATED),
    ("Expired", "cancel", cancel, S.CANCELLED),
    ("PartActivated, expired", "cancel", cancel, S.PART_ACTIVATED),
    ("Activated", "full refund", refund_all, S.RETURNED),
    ("Activated", "part refund", refund(9500), S.ACTIVATED),
    ("PartActivated", "part refund", refund(5000), S.PART_ACTIVATED),
    ("PartActivated", "refund all captured", refund_all, S.PART_ACTIVATED),
    ("PartActivated, rest cancelled", "full refund", refund_all, S.RETURNED),
    ("PartActivated, rest cancelled", "part refund", refund(100), S.PART_ACTIVATED),
    ("PartActivated, expired", "part refund", refund(100), S.EXPIRED),
    ("NotActivated", "extend", extend, S.NOT_ACTIVATED),
    ("PartActivated", "extend", extend, S.PART_ACTIVATED),
    ("NotActivated", "reauthorize lower", reauthorize(10000), S.NOT_ACTIVATED),
    ("NotActivated", "reauthorize higher", reauthorize(40000), S.NOT_ACTIVATED),
    ("PartActivated", "reauthorize lower", reauthorize(5000), S.PART_ACTIVATED),
    ("PartActivated", "reauthorize higher", reauthorize(30000), S.PART_ACTIVATED),
    ("NotActivated", "close", close, S.CLOSED),
    ("Activated", "close", close, S.CLOSED),
    ("Returned", "close", close, S.CLOSED),
]


@pytest.mark.parametrize(
    ("start", "action", "then"),
    [(s, act, then) for s, _, act, then in TRANSITIONS],
    ids=[f"{s} --{what}--> {then}" for s, what, _, then in TRANSITIONS],
)
def test_transitions(start: str, action: Action, then: WalleyStatus) -> None:
    order, now = state(start)
    action(order, now)
    assert walley.status(order, now) == then


CAPTURE_REFUSED = {
    "Activated": e.CAPTURE_ORDER_ALREADY_CAPTURED,
    "Returned": e.CAPTURE_INVALID_INVOICE_STATUS,
    "Cancelled": e.CAPTURE_INVALID_INVOICE_STATUS,
    "PartActivated, rest cancelled": e.CAPTURE_INVALID_INVOICE_STATUS,
    "Expired": e.CAPTURE_INVALID_INVOICE_STATUS,
    "PartActivated, expired": e.CAPTURE_INVALID_INVOICE_STATUS,
    "Closed": e.CAPTURE_INVALID_INVOICE_STATUS,
}
REFUND_REFUSED = dict.fromkeys(  # a part-captured order keeps its invoices when the rest expires
    ["NotActivated", "Returned", "Cancelled", "Expired", "Closed"],
    e.REFUND_INVALID_ORDER_STATUS,
)
CANCEL_REFUSED = dict.fromkeys(
    ["Activated", "Returned", "Cancelled", "PartActivated, rest cancelled", "Closed"],
    e.CANCEL_INVALID_ORDER_STATUS,
)
EXTEND_REFUSED = dict.fromkeys(  # "only … on orders with status NotActivated or PartActivated"
    [
        "Activated",
        "Returned",
        "Cancelled",
        "PartActivated, rest cancelled",
        "Expired",
        "PartActivated, expired",
        "Closed",
    ],
    e.EXTEND_INVALID_ORDER_STATUS,
)
REAUTHORIZE_REFUSED = {
    "Activated": e.ORDER_ALREADY_CAPTURED,
    "Returned": e.ORDER_ALREADY_CAPTURED,
    **dict.fromkeys(
        ["Cancelled", "PartActivated, rest cancelled", "Expired", "PartActivated, expired"],
        e.REAUTHORIZE_INVALID_ORDER_STATUS,
    ),
    "Closed": e.REAUTHORIZE_INVALID_ORDER_STATUS,
}
OPERATIONS: dict[str, tuple[Action, dict[str, str]]] = {
    "capture": (capture_a_tshirt, CAPTURE_REFUSED),
    "refund": (refund(100), REFUND_REFUSED),
    "cancel": (cancel, CANCEL_REFUSED),
    "extend": (extend, EXTEND_REFUSED),
    "reauthorize": (reauthorize(5000), REAUTHORIZE_REFUSED),
}
CASES = [(op, name) for op in OPERATIONS for name in STATES]


@pytest.mark.parametrize(("operation", "start"), CASES, ids=[f"{o} on {s}" for o, s in CASES])
def test_each_operation_is_allowed_exactly_where_walley_allows_it(
    operation: str, start: str
) -> None:
    action, refused = OPERATIONS[operation]
    order, now = state(start)
    if start not in refused:
        action(order, now)
        return
    before = state_doc(order), len(order.events)
    with pytest.raises(DomainError) as err:
        action(order, now)
    assert err.value.code == refused[start]
    assert (state_doc(order), len(order.events)) == before

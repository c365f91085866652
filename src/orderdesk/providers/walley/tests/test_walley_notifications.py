"""Which of an order's events Walley notifies of, and with what (dev.walleypay.com, "Webhooks
for orders"): ``authorized`` only for an order accepted after it was on hold, ``extended`` only
for an expired order authorised again, worth what had expired (its ``expire`` event's)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest

from orderdesk.domain import ids
from orderdesk.domain.errors import DomainError
from orderdesk.domain.order import CaptureMeta, Event, EventType, Order
from orderdesk.providers.walley import notifications, rules
from orderdesk.providers.walley.rules import WalleyCapture
from tests.support.orders import NOW, walley_seed_order


def _sent(order: Order, event: Event) -> dict[str, Any] | None:
    made = notifications.render(order, event)
    return None if made is None else orjson.loads(made.body)


def test_an_order_authorised_at_once_is_created_authorized_and_sends_no_authorized() -> None:
    order = walley_seed_order()
    create, ready = order.events
    assert _sent(order, ready) is None
    created = _sent(order, create)
    assert created is not None and created["Type"] == "walley:order:created"
    assert created["Payload"]["Status"] == "Authorized"


def test_an_order_accepted_after_it_was_on_hold_sends_authorized() -> None:
    order = walley_seed_order()
    create, _ = order.events
    order.events = [create]  # created on hold: not ready for capture yet
    created = _sent(order, create)
    assert created is not None and created["Payload"]["Status"] == "OnHold"
    at = NOW + timedelta(hours=1)
    accepted = Event(ids.prefixed(ids.EVENT), EventType.READY_FOR_CAPTURE, 0, create.ledger_id, at)
    order.events.append(accepted)
    sent = _sent(order, accepted)
    assert sent is not None and sent["Type"] == "walley:order:authorized"
    assert sent["Payload"]["Amount"] == 285.00


def test_extending_an_open_order_sends_nothing() -> None:
    order = walley_seed_order()
    rules.extend(order, NOW + timedelta(days=1))
    assert order.events[-1].type == EventType.EXTEND_EXPIRY
    assert _sent(order, order.events[-1]) is None


def test_an_expired_order_extended_sends_extended_worth_what_had_expired() -> None:
    order = walley_seed_order()
    meta = CaptureMeta(description=None, action_reference=None)
    rules.capture_minor(order, WalleyCapture(9500, None, False, meta), NOW)
    expired_at = order.expires_at + timedelta(hours=1)
    # Walley's API extends only NotActivated or PartActivated orders (rules.extend refuses an
    # Expired one); an expired order is authorised again on Walley's side, as here.
    with pytest.raises(DomainError):
        rules.extend(order, expired_at)
    order.record_expiry(expired_at)
    order.extend_expiry(expired_at + timedelta(days=14), expired_at)
    expire, extend = order.events[-2:]
    assert (expire.type, expire.amount) == (EventType.EXPIRE, 19000)  # recorded by the extend
    assert expire.created_at == expired_at - timedelta(hours=1)
    assert extend.type == EventType.EXTEND_EXPIRY
    assert _sent(order, expire) is not None  # walley:order:expired, as the sweep would send
    sent = _sent(order, extend)
    assert sent == {
        "Type": "walley:order:extended",
        "Timestamp": expired_at.isoformat(),
        "Payload": {
            "OrderId": order.id,
            "Reference": order.merchant_reference,
            "Amount": 190.00,
            "Currency": "SEK",
        },
    }
    rules.extend(order, expired_at + timedelta(days=1))  # open: nothing had expired
    assert _sent(order, order.events[-1]) is None

"""The scenarios of issue 25 that Ledyer's API expresses, with the plugin's session body:
the shop's validation URL refusing then accepting, callbacks duplicated, late (on the
store's clock) or lost, the confirmation redirect kept or lost; and how a validation answer
is read."""

from __future__ import annotations

from typing import Any

import pytest

from orderdesk.domain.checkout import HookAnswer
from orderdesk.providers.ledyer.checkout.dialect import GENERIC_REFUSAL, judge
from orderdesk.providers.ledyer.checkout.tests import plugin_requests as sent
from orderdesk.providers.ledyer.checkout.tests.test_ledyer_sessions import (
    call,
    create_body,
    escaped,
    pay,
)
from tests.support.ledyer_api import error
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, Merchant, advance


async def scenario(merchant: Merchant, **settings: Any) -> None:
    r = await merchant.client.put(
        f"/sandbox/stores/{merchant.stores['ledyer']}/checkout-scenario",
        json=settings,
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text


async def session(merchant: Merchant, body: bytes) -> dict[str, Any]:
    r = await call(merchant, "POST", "/v1/sessions", body)
    assert r.status_code == 200, r.text
    made: dict[str, Any] = r.json()
    return made


async def test_the_shops_validation_url_refuses_then_accepts(
    merchant: Merchant, receiver: Receiver
) -> None:
    receiver.statuses = [422]
    body = create_body(merchant).replace(
        b'"validate":null', b'"validate":"' + escaped(receiver.url) + b'"'
    )
    made = await session(merchant, body)
    refused = await pay(merchant, made["sessionId"])
    assert refused["validation"] == {"accepted": False, "message": GENERIC_REFUSAL}
    assert (refused["status"], refused["redirectUrl"], refused["callbacks"]) == ("open", None, [])
    assert receiver.bodies() == [
        {"merchantId": merchant.merchant_id, "orderId": made["orderId"], "reference": "",
         "storeId": merchant.stores["ledyer"]}
    ]  # fmt: skip
    r = await call(merchant, "GET", f"/v1/orders/{made['orderId']}/paymentstatus")
    assert r.json()["status"] == "orderInitiated"
    accepted = await pay(merchant, made["sessionId"])
    assert accepted["validation"] == {"accepted": True, "message": ""}
    assert (accepted["status"], accepted["orderId"]) == ("completed", made["orderId"])
    r = await call(merchant, "GET", f"/v1/orders/{made['orderId']}/paymentstatus")
    assert r.json()["status"] == "paymentConfirmed"


@pytest.mark.parametrize(
    ("answer", "accept_on_timeout", "verdict"),
    [
        (HookAnswer(200, {}, b""), False, (True, "", None)),
        (HookAnswer(303, {"location": "https://shop.example/cart"}, b""), False,
         (False, "", "https://shop.example/cart")),
        (HookAnswer(422, {}, b'{"title": "Out of stock", "body": "Hoodie, size M"}'), False,
         (False, "Out of stock — Hoodie, size M", None)),
        (HookAnswer(422, {}, b"not json"), False, (False, GENERIC_REFUSAL, None)),
        (HookAnswer(400, {}, b""), False, (False, GENERIC_REFUSAL, None)),
        (HookAnswer(500, {}, b""), True, (False, GENERIC_REFUSAL, None)),
        (None, True, (True, "", None)),
        (None, False, (False, GENERIC_REFUSAL, None)),
    ],
)  # fmt: skip
def test_a_validation_answer_as_ledyer_reads_it(
    answer: HookAnswer | None, accept_on_timeout: bool, verdict: tuple[bool, str, str | None]
) -> None:
    got = judge(answer, accept_on_timeout)
    assert (got.accepted, got.message, got.redirect_url) == verdict


async def test_duplicate_callbacks(merchant: Merchant, receiver: Receiver) -> None:
    await scenario(merchant, callbacks="duplicate")
    made = await session(merchant, create_body(merchant, receiver.url))
    done = await pay(merchant, made["sessionId"])
    assert [c["eventType"] for c in done["callbacks"]] == [
        "com.ledyer.order.create",
        "com.ledyer.order.create",
        "com.ledyer.order.ready_for_capture",
        "com.ledyer.order.ready_for_capture",
    ]
    bodies = await receiver.wait_for(4)
    assert [b["eventType"] for b in bodies].count("com.ledyer.order.create") == 2
    assert {b["orderId"] for b in bodies} == {made["orderId"]}


async def test_late_callbacks_come_when_the_stores_clock_gets_there(
    merchant: Merchant, receiver: Receiver
) -> None:
    await scenario(merchant, callbacks="late", callbackDelaySeconds=3600)
    made = await session(merchant, create_body(merchant, receiver.url))
    done = await pay(merchant, made["sessionId"])
    assert [c["state"] for c in done["callbacks"]] == ["pending", "pending"]
    assert receiver.bodies() == []
    await advance(merchant, "ledyer", 3600)
    bodies = await receiver.wait_for(2)
    assert [b["eventType"] for b in bodies] == [
        "com.ledyer.order.create",
        "com.ledyer.order.ready_for_capture",
    ]


async def test_no_callbacks_and_a_lost_redirect(merchant: Merchant, receiver: Receiver) -> None:
    confirmation = "https://shop.example/checkout/order-received/1042/?key=wc_order_x"
    body = create_body(merchant, receiver.url).replace(
        b'"confirmation":""', b'"confirmation":"' + escaped(confirmation) + b'"'
    )
    made = await session(merchant, body)
    assert (await pay(merchant, made["sessionId"]))["redirectUrl"] == confirmation
    await scenario(merchant, callbacks="none", redirect="lost")
    made = await session(merchant, body)
    done = await pay(merchant, made["sessionId"])
    assert (done["status"], done["redirectUrl"], done["callbacks"]) == ("completed", None, [])
    r = await call(merchant, "GET", f"/v1/orders/{made['orderId']}/paymentstatus")
    assert r.json()["status"] == "paymentConfirmed"  # the shop can still ask


async def test_a_session_whose_token_expired_is_expired(merchant: Merchant) -> None:
    """Ledyer's sessionId is the loader's token: past the scenario's token lifetime the
    session can no longer be paid or updated, and says so."""
    await scenario(merchant, tokenLifetimeSeconds=600)
    made = await session(merchant, create_body(merchant))
    await advance(merchant, "ledyer", 601)
    r = await merchant.client.post(
        f"/sandbox/checkouts/{made['sessionId']}/pay", json={"persona": "approve"}, headers=ADMIN
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "CHECKOUT_TOKEN_EXPIRED")
    r = await call(merchant, "GET", f"/v1/sessions/{made['orderId']}")
    assert r.json()["status"] == "expired"
    r = await call(merchant, "POST", f"/v1/sessions/{made['orderId']}", sent.UPDATE_SESSION)
    assert error(r) == (409, "CHECKOUT_EXPIRED")
    r = await call(merchant, "GET", f"/v1/paymentstatus?sessionId={made['sessionId']}")
    assert (r.json()["status"], r.json()["note"]) == ("unknown", "Expired")


async def test_an_address_and_country_changed_in_the_checkout(merchant: Merchant) -> None:
    """What the customer enters in the hosted checkout is the session's customer as the
    plugin reads it (``lco_wc_get_ledyer_order``), and the order's."""
    made = await session(merchant, create_body(merchant))
    edited = {
        "firstName": "Ola",
        "lastName": "Nordmann",
        "email": "ola@example.no",
        "phone": "+4790000000",
        "billingAddress": {"streetAddress": "Karl Johans gate 1", "postalCode": "0154",
                           "city": "Oslo", "country": "NO"},
        "shippingAddress": {"streetAddress": "Storgata 2", "postalCode": "0155", "city": "Oslo",
                            "country": "NO",
                            "contact": {"firstName": "Kari", "lastName": "Nordmann"}},
    }  # fmt: skip
    r = await merchant.client.put(
        f"/orderdesk-checkout/{made['sessionId']}/customer", json={"customer": edited}
    )
    assert r.status_code == 200, r.text
    customer = (await call(merchant, "GET", f"/v1/sessions/{made['orderId']}")).json()["customer"]
    assert customer["billingAddress"] == {
        "attentionName": "", "careOf": "", "city": "Oslo", "companyName": "", "country": "NO",
        "postalCode": "0154", "streetAddress": "Karl Johans gate 1", "streetAddress2": "",
    }  # fmt: skip
    assert customer["shippingAddress"]["contact"] == {
        "email": "",
        "firstName": "Kari",
        "lastName": "Nordmann",
        "phone": "",
    }
    assert (customer["firstName"], customer["email"], customer["phone"]) == (
        "Ola",
        "ola@example.no",
        "+4790000000",
    )
    await pay(merchant, made["sessionId"])
    order = (await call(merchant, "GET", f"/v1/orders/{made['orderId']}")).json()
    assert order["customer"]["billingAddress"]["country"] == "NO"
    assert order["customer"]["shippingAddress"]["streetAddress"] == "Storgata 2"


async def test_on_hold_is_refused_for_ledyer_and_changes_nothing(merchant: Merchant) -> None:
    """A Ledyer order never starts on hold (docs/decisions.md): paying as onHold is refused
    and the session is as it was."""
    made = await session(merchant, create_body(merchant))
    r = await merchant.client.post(
        f"/sandbox/checkouts/{made['sessionId']}/pay", json={"persona": "onHold"}, headers=ADMIN
    )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "HOLD_NOT_SUPPORTED")
    r = await call(merchant, "GET", f"/v1/sessions/{made['orderId']}")
    assert r.json()["status"] == "initiated"
    assert (await call(merchant, "GET", f"/v1/orders/{made['orderId']}")).status_code == 404
    assert (await pay(merchant, made["sessionId"]))["status"] == "completed"

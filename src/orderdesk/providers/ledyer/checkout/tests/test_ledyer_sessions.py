"""Ledyer's order sessions over HTTP, with the WooCommerce plugin's own requests (byte for
byte, ``plugin_requests.py``): create, update (the same ids echoed), get; paid; then the
plugin's confirmation (get order, reference, payment status, acknowledge), the notification
and a capture through order management. And the scenarios Ledyer's API expresses: totals
that disagree, an update after completion, a decline, a signatory pending, expiry, another
merchant's session."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from orderdesk.providers.ledyer.checkout.tests import plugin_requests as sent
from tests.support.ledyer_api import error
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, Merchant, advance, new_merchant

STORE_IN_FIXTURE = b'"storeId":"970245072"'


def escaped(url: str) -> bytes:
    """``url`` as ``wp_json_encode`` writes it (``/`` as ``\\/``)."""
    return url.replace("/", "\\/").encode()


def create_body(merchant: Merchant, notification: str | None = None) -> bytes:
    """The plugin's create body for this merchant's store (and a reachable notification URL)."""
    body = sent.CREATE_SESSION.replace(
        STORE_IN_FIXTURE, b'"storeId":"' + merchant.stores["ledyer"].encode() + b'"'
    )
    if notification is not None:
        body = body.replace(escaped(sent.NOTIFICATION_URL), escaped(notification))
    return body


async def call(
    merchant: Merchant, method: str, path: str, body: bytes | None = None
) -> httpx.Response:
    """A request as the plugin sends it: Bearer token and ``Content-Type: application/json``
    on every request (``class-ledyer-request.php``), the body only when there is data."""
    headers = {**await merchant.ledyer_headers(), **sent.HEADERS}
    return await merchant.client.request(method, path, content=body, headers=headers)


async def created(merchant: Merchant, notification: str | None = None) -> dict[str, Any]:
    r = await call(merchant, "POST", "/v1/sessions", create_body(merchant, notification))
    assert r.status_code == 200, r.text
    made: dict[str, Any] = r.json()
    return made


async def pay(merchant: Merchant, session_id: str, persona: str = "approve") -> dict[str, Any]:
    """Pay headlessly as ``persona`` (the sandbox API): the session as the sandbox shows it."""
    r = await merchant.client.post(
        f"/sandbox/checkouts/{session_id}/pay", json={"persona": persona}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    paid: dict[str, Any] = r.json()
    return paid


async def test_a_purchase_with_the_plugins_requests_ends_in_a_captured_order(
    merchant: Merchant, receiver: Receiver
) -> None:
    r = await call(merchant, "POST", "/v1/sessions", create_body(merchant, receiver.url))
    assert r.status_code == 200, r.text
    made = r.json()
    assert sorted(made) == ["expiresAt", "orderId", "sessionId"]
    order_id, session_id = made["orderId"], made["sessionId"]
    assert order_id.startswith("or_") and session_id.startswith("se_")

    r = await call(merchant, "POST", f"/v1/sessions/{order_id}", sent.UPDATE_SESSION)
    assert r.status_code == 200, r.text
    assert r.json() == made  # the same ids: the plugin makes a new session otherwise

    r = await call(merchant, "GET", f"/v1/orders/{order_id}/paymentstatus")
    assert r.json() == {
        "note": "Awaiting the customer",
        "paymentMethod": {"provider": "ledyer", "type": "invoice"},
        "status": "orderInitiated",
    }
    assert error(await call(merchant, "GET", f"/v1/orders/{order_id}")) == (404, "ORDER_NOT_FOUND")

    r = await call(merchant, "GET", f"/v1/sessions/{order_id}")
    assert r.status_code == 200, r.text
    session = r.json()
    assert (session["id"], session["orderId"], session["status"]) == (
        session_id,
        order_id,
        "initiated",
    )
    assert session["merchantId"] == merchant.merchant_id
    assert session["order"] == {
        "country": "SE",
        "currency": "SEK",
        "locale": "sv-SE",
        "metadata": None,
        "orderLines": [
            {"description": "Hoodie", "quantity": 3, "reference": "woo-hoodie",
             "totalAmount": 135000, "totalVatAmount": 27000, "type": "physical", "vat": 2500},
            {"description": "Flat rate", "quantity": 1, "reference": "flat_rate:1",
             "totalAmount": 6125, "totalVatAmount": 1225, "type": "shippingFee", "vat": 2500},
        ],
        "reference": None,
        "settings": {
            "security": {"level": 100, "requireClientValidation": True},
            "customer": {"allowShippingAddress": False, "showNameFields": False,
                         "showShippingAddressContact": False},
            "urls": {"confirmation": "", "notification": receiver.url,
                     "privacy": "https://shop.example/privacy/",
                     "terms": "https://shop.example/terms/"},
        },
        "storeId": merchant.stores["ledyer"],
        "totalOrderAmount": 141125,
        "totalOrderAmountExclVat": 112900,
        "totalOrderVatAmount": 28225,
    }  # fmt: skip
    assert session["customer"]["paymentMethod"] == {"provider": "ledyer", "type": "invoice"}
    assert r.json() == (await call(merchant, "GET", f"/v1/sessions/{session_id}")).json()

    done = await pay(merchant, session_id)
    assert (done["status"], done["orderId"], done["redirectUrl"]) == ("completed", order_id, None)
    assert done["validation"] is None  # the plugin names no validate URL
    assert (await call(merchant, "GET", f"/v1/sessions/{order_id}")).json()[
        "status"
    ] == "authorized"

    # The plugin's confirmation page (class-ledyer-confirmation.php::confirm_order).
    r = await call(merchant, "GET", f"/v1/orders/{order_id}")
    assert r.status_code == 200, r.text
    assert r.json()["orderAmount"]["minorUnits"] == 141125
    r = await call(merchant, "POST", f"/v1/orders/{order_id}/reference", sent.SET_REFERENCE)
    assert r.status_code == 200, r.text
    assert r.json()["merchantReference"] == "1042"
    r = await call(merchant, "GET", f"/v1/orders/{order_id}/paymentstatus")
    assert r.json() == {
        "note": "Authorized",
        "paymentMethod": {"provider": "ledyer", "type": "invoice"},
        "status": "paymentConfirmed",
    }
    r = await call(merchant, "POST", f"/v1/orders/{order_id}/acknowledge")
    assert r.status_code == 201, r.text

    # The notification (class-ledyer-callback.php reads eventType and orderId).
    notified = await receiver.wait_for(2)
    assert notified == [
        {"eventType": f"com.ledyer.order.{event}", "merchantId": merchant.merchant_id,
         "orderId": order_id, "reference": "", "storeId": merchant.stores["ledyer"]}
        for event in ("create", "ready_for_capture")
    ]  # fmt: skip
    assert receiver.received[0].headers["content-type"] == "application/json"

    # Order management captures the purchase.
    order = r.json()
    lines = [{k: v for k, v in x.items() if k != "id"} for x in order["uncaptured"]["orderLines"]]
    capture = orjson.dumps({"orderLines": lines, "totalCaptureAmount": 141125})
    r = await call(merchant, "POST", f"/v1/orders/{order_id}/capture", capture)
    assert r.status_code == 200, r.text
    assert r.json()["status"][0] == "fullyCaptured"
    r = await call(merchant, "GET", f"/v1/paymentstatus?sessionId={session_id}")
    assert r.json()["status"] == "orderCaptured"


async def test_totals_that_disagree_with_the_lines_make_no_session(merchant: Merchant) -> None:
    body = create_body(merchant)
    r = await call(merchant, "POST", "/v1/sessions", body.replace(b"96125.0", b"96126"))
    assert error(r) == (422, "TOTAL_AMOUNT_MISMATCH")
    assert r.json()["errors"][0]["field"] == "totalOrderAmount"
    r = await call(merchant, "POST", "/v1/sessions", body.replace(b"19225.0", b"19000"))
    assert error(r) == (422, "TOTAL_AMOUNT_MISMATCH")
    r = await call(merchant, "POST", "/v1/sessions", body.replace(b"76900.0", b"76000"))
    assert error(r) == (422, "TOTAL_AMOUNT_MISMATCH")
    r = await call(
        merchant, "POST", "/v1/sessions", body.replace(b'"quantity":2.0', b'"quantity":2.5')
    )
    assert error(r) == (400, "INVALID_REQUEST")
    made = await created(merchant)
    r = await call(
        merchant,
        "POST",
        f"/v1/sessions/{made['orderId']}",
        sent.UPDATE_SESSION.replace(b"141125.0", b"141000"),
    )
    assert error(r) == (422, "TOTAL_AMOUNT_MISMATCH")
    r = await call(merchant, "GET", f"/v1/sessions/{made['orderId']}")
    assert r.json()["order"]["totalOrderAmount"] == 96125  # unchanged


async def test_an_update_after_completion_is_refused_so_the_plugin_makes_a_new_session(
    merchant: Merchant,
) -> None:
    made = await created(merchant)
    await pay(merchant, made["sessionId"])
    r = await call(merchant, "POST", f"/v1/sessions/{made['orderId']}", sent.UPDATE_SESSION)
    assert error(r) == (409, "CHECKOUT_COMPLETED")
    r = await call(merchant, "GET", f"/v1/sessions/{made['orderId']}")
    assert r.json()["order"]["totalOrderAmount"] == 96125
    again = await created(merchant)
    assert again["orderId"] != made["orderId"]


@pytest.mark.parametrize(
    ("persona", "ended", "note", "word"),
    [
        ("decline", "declined", "Declined", "declined"),
        ("abandon", "abandoned", "Abandoned", "expired"),
    ],
)
async def test_a_declined_or_abandoned_purchase_makes_no_order(
    merchant: Merchant, persona: str, ended: str, note: str, word: str
) -> None:
    made = await created(merchant)
    done = await pay(merchant, made["sessionId"], persona)
    assert (done["status"], done["callbacks"]) == (ended, [])
    r = await call(merchant, "GET", f"/v1/paymentstatus?sessionId={made['sessionId']}")
    assert (r.json()["status"], r.json()["note"]) == ("unknown", note)
    assert error(await call(merchant, "GET", f"/v1/orders/{made['orderId']}")) == (
        404,
        "ORDER_NOT_FOUND",
    )
    r = await call(merchant, "GET", f"/v1/sessions/{made['orderId']}")
    assert r.json()["status"] == word


async def test_a_session_awaiting_its_signatory_is_order_pending(merchant: Merchant) -> None:
    made = await created(merchant)
    r = await merchant.client.post(f"/orderdesk-checkout/{made['sessionId']}/lock")
    assert r.status_code == 200, r.text  # the hosted checkout's signing step
    r = await call(merchant, "GET", f"/v1/orders/{made['orderId']}/paymentstatus")
    assert r.json() == {
        "note": "Awaiting signature",
        "paymentMethod": {"provider": "ledyer", "type": "invoice"},
        "status": "orderPending",
    }
    r = await call(merchant, "GET", f"/v1/sessions/{made['orderId']}")
    assert r.json()["status"] == "awaitingSignatory"
    # The shop may still update it (its client validation does), then the signatory signs.
    r = await call(merchant, "POST", f"/v1/sessions/{made['orderId']}", sent.UPDATE_SESSION)
    assert r.status_code == 200, r.text
    done = await pay(merchant, made["sessionId"], "signing")
    assert (done["status"], done["totalAmount"]) == ("completed", 141125)
    r = await call(merchant, "GET", f"/v1/orders/{made['orderId']}/paymentstatus")
    assert r.json()["status"] == "paymentConfirmed"


async def test_an_expired_session_takes_no_update(merchant: Merchant) -> None:
    made = await created(merchant)
    await advance(merchant, "ledyer", 7 * 24 * 3600)
    r = await call(merchant, "GET", f"/v1/sessions/{made['sessionId']}")
    assert r.json()["status"] == "expired"
    r = await call(merchant, "POST", f"/v1/sessions/{made['orderId']}", sent.UPDATE_SESSION)
    assert error(r) == (409, "CHECKOUT_EXPIRED")
    r = await call(merchant, "GET", f"/v1/orders/{made['orderId']}/paymentstatus")
    assert (r.json()["status"], r.json()["note"]) == ("unknown", "Expired")


async def test_another_merchants_session_is_not_theirs(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    made = await created(merchant)
    other = await new_merchant(client)
    for path in (f"/v1/sessions/{made['orderId']}", f"/v1/orders/{made['orderId']}/paymentstatus"):
        assert error(await call(other, "GET", path)) == (403, "FORBIDDEN")
    r = await call(other, "POST", "/v1/sessions", create_body(merchant))
    assert error(r) == (403, "FORBIDDEN")
    r = await call(
        other,
        "POST",
        "/v1/sessions",
        create_body(other).replace(b'"currency":"SEK"', b'"currency":"NOK"'),
    )
    assert error(r) == (422, "CURRENCY_NOT_SUPPORTED")
    assert error(await call(other, "GET", "/v1/sessions/or_unknown")) == (404, "ORDER_NOT_FOUND")
    r = await merchant.client.get(f"/v1/sessions/{made['orderId']}")
    assert r.status_code == 401 and r.json()["errors"][0]["message"]


@pytest.mark.parametrize("store_id", [b'"storeId":""', b'"storeId":null'])
async def test_without_a_store_id_the_credentials_store_for_the_country_is_used(
    merchant: Merchant, store_id: bytes
) -> None:
    body = sent.CREATE_SESSION.replace(STORE_IN_FIXTURE, store_id)
    r = await call(merchant, "POST", "/v1/sessions", body)
    assert r.status_code == 200, r.text
    session = (await call(merchant, "GET", f"/v1/sessions/{r.json()['orderId']}")).json()
    assert session["order"]["storeId"] == merchant.stores["ledyer"]


async def test_what_the_loader_learns_of_its_session(merchant: Merchant) -> None:
    made = await created(merchant)
    r = await merchant.client.get(f"/bootstrap/sessions/{made['sessionId']}")
    assert (r.status_code, r.json()) == (
        200,
        {"requireClientValidation": True, "lostRedirect": False},
    )
    assert r.headers["access-control-allow-origin"] == "*"
    r = await merchant.client.get("/bootstrap/sessions/se_unknown")
    assert r.status_code == 404
    assert (
        (await merchant.client.get("/bootstrap.js"))
        .headers["content-type"]
        .startswith("text/javascript")
    )


@pytest.mark.parametrize("query", ["sessionId=", "sessionId=se_%00", "orderId=or_%00"])
async def test_a_payment_status_naming_no_session_is_not_found(
    merchant: Merchant, query: str
) -> None:
    r = await call(merchant, "GET", f"/v1/paymentstatus?{query}")
    assert error(r) == (404, "ORDER_NOT_FOUND")


async def test_the_customer_the_shop_knows_is_the_sessions(merchant: Merchant) -> None:
    """``customer`` of the create body (Ledyer's docs' example) prefills the session."""
    known = {"companyId": "559311-3714", "email": "jane.doe@example.com", "firstName": "Jane",
             "lastName": "Doe", "phone": "0700000000", "reference1": "", "reference2": "",
             "ssn": ""}  # fmt: skip
    body = create_body(merchant).replace(
        b'"locale":"sv-SE"', b'"customer":' + orjson.dumps(known) + b',"locale":"sv-SE"'
    )
    r = await call(merchant, "POST", "/v1/sessions", body)
    assert r.status_code == 200, r.text
    customer = (await call(merchant, "GET", f"/v1/sessions/{r.json()['orderId']}")).json()[
        "customer"
    ]
    assert customer == {
        **known,
        "paymentMethod": {"provider": "ledyer", "type": "invoice"},
    }

"""Klarna Checkout v3 on the real app and PostgreSQL: the WooCommerce plugin's and the SDK's
requests (``kco_requests.py``), paid headlessly through the sandbox as each persona, and what
Klarna documents around it — the push until the order is acknowledged, the validation call
(200 accepts, 303 rejects and sends the customer to its Location), the fraud notification of
an order that was pending, ``READ_ONLY_ORDER`` once complete, ``BAD_VALUE`` for amounts that do
not add up, expiry 48 hours after the last update — and the purchase's order in order
management (the same id) captured there."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from orderdesk.providers.klarna.checkout.snippet import script_json
from orderdesk.providers.klarna.tests.kco_requests import (
    KCO_CREATE,
    KCO_UA,
    KCO_UPDATE,
    KCO_UPDATE_MISMATCH,
    PARTNER,
    SDK_CREATE,
    SDK_UPDATE,
)
from tests.support import loopback
from tests.support.receiver import Received, Receiver
from tests.support.sandbox import ADMIN, Merchant, advance, deliveries, new_merchant

OM = "/ordermanagement/v1/orders"
PUSH_QUERY = "?kco-action=push&kco_wc_order_id="


@dataclass
class Hook:
    """A shop's validation endpoint: answers each POST with ``status`` and ``location``, or
    closes the connection unanswered (``status`` 0)."""

    status: int = 200
    location: str = ""
    received: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"{loopback.base_url(self.server)}/kco/validate"

    def start(self) -> Hook:
        hook = self

        class Handler(loopback.Quiet):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                hook.received.append(
                    (self.path, body, {k.lower(): v for k, v in self.headers.items()})
                )
                if hook.status == 0:
                    self.close_connection = True
                    return
                self.send_response(hook.status)
                if hook.location:
                    self.send_header("Location", hook.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = loopback.start(Handler)
        return self


@pytest.fixture
def hook() -> Iterator[Hook]:
    running = Hook().start()
    yield running
    loopback.stop(running.server)


@dataclass
class Shop:
    """A merchant's Klarna store, called as the WooCommerce plugin calls it."""

    merchant: Merchant
    store: str
    base: str  # the shop's URLs in the fixtures point here

    @property
    def client(self) -> httpx.AsyncClient:
        return self.merchant.client

    def headers(self, user_agent: str = KCO_UA) -> dict[str, str]:
        pair = f"{self.merchant.client_id}:{self.merchant.client_secret}".encode()
        return {
            "Authorization": "Basic " + base64.b64encode(pair).decode(),
            "Content-Type": "application/json",
            PARTNER[0]: PARTNER[1],
            "User-Agent": user_agent,
        }

    def mine(self, body: bytes) -> bytes:
        return body.replace(b"https:\\/\\/shop.example", self.base.replace("/", "\\/").encode())

    async def send(self, method: str, path: str, body: bytes = b"") -> httpx.Response:
        return await self.client.request(method, path, content=body, headers=self.headers())

    async def create(self, body: bytes = KCO_CREATE) -> dict[str, Any]:
        r = await self.send("POST", "/checkout/v3/orders", self.mine(body))
        assert r.status_code == 201, r.text
        order: dict[str, Any] = r.json()
        return order

    async def read(self, order_id: str) -> dict[str, Any]:
        r = await self.send("GET", f"/checkout/v3/orders/{order_id}")
        assert r.status_code == 200, r.text
        order: dict[str, Any] = r.json()
        return order

    async def pay(self, order_id: str, persona: str = "approve") -> dict[str, Any]:
        r = await self.client.post(
            f"/sandbox/checkouts/{order_id}/pay", json={"persona": persona}, headers=ADMIN
        )
        assert r.status_code == 200, r.text
        paid: dict[str, Any] = r.json()
        return paid

    async def scenario(self, **knobs: Any) -> None:
        r = await self.client.put(
            f"/sandbox/stores/{self.store}/checkout-scenario", json=knobs, headers=ADMIN
        )
        assert r.status_code == 200, r.text


async def klarna_shop(merchant: Merchant, base: str) -> Shop:
    store = await merchant.store("klarna")
    merchant.stores["klarna"] = store
    return Shop(merchant, store, base)


async def arrived(receiver: Receiver, count: int) -> list[Received]:
    """The requests the shop received, once there are ``count``."""
    deadline = time.monotonic() + 15
    while len(receiver.received) < count:
        assert time.monotonic() < deadline, receiver.received
        await asyncio.sleep(0.05)
    return list(receiver.received)


def shop_base(receiver: Receiver) -> str:
    return receiver.url.removesuffix("/hooks")


async def test_the_plugin_creates_reads_and_updates_a_checkout_order(merchant: Merchant) -> None:
    shop = await klarna_shop(merchant, "https://shop.example")
    created = await shop.create()
    order_id = created["order_id"]
    assert created["status"] == "checkout_incomplete"
    assert (created["purchase_country"], created["purchase_currency"]) == ("se", "SEK")
    assert (created["order_amount"], created["order_tax_amount"]) == (86125, 17225)
    assert [x["reference"] for x in created["order_lines"]] == ["TR-01", "flat_rate:3"]
    assert created["order_lines"][0]["name"] == "Tröja"
    assert created["merchant_urls"]["push"] == (
        "https://shop.example/wc-api/KCO_WC_Push/" + PUSH_QUERY + "{checkout.order.id}"
    )
    assert created["merchant_data"] == (
        '{"is_user_logged_in":false,"signing_key":"3f0c2a8e-41d6-4b07-9d0e-55b1c1f0a7d2"}'
    )
    assert created["options"]["require_client_validation"] is True
    assert created["billing_address"] == {"country": "se"}
    assert created["customer"] == {"type": "person"}
    snippet = created["html_snippet"]
    assert snippet.startswith('<div id="klarna-checkout-container"')
    assert "w[k] = w[k] || function ()" in snippet  # _klarnaCheckout defined at once
    assert "http://testserver/checkout.bootstrap.js" in snippet
    assert '"REQUIRE_CLIENT_VALIDATION": true' in snippet
    assert await shop.read(order_id) == created

    r = await shop.send("POST", f"/checkout/v3/orders/{order_id}", shop.mine(KCO_UPDATE))
    assert r.status_code == 200, r.text
    updated = r.json()
    assert (updated["order_amount"], updated["order_tax_amount"]) == (126125, 25225)
    assert updated["order_lines"][0]["quantity"] == 3
    assert updated["started_at"] == created["started_at"]
    assert await shop.read(order_id) == updated


async def test_the_sdk_creates_fetches_and_updates(merchant: Merchant) -> None:
    store = await merchant.store("klarna", currency="GBP", country="GB")
    shop = Shop(merchant, store, "https://www.example.com")
    sdk = shop.headers("Library/Klarna.kco_rest_php_4.2.3")
    r = await merchant.client.post("/checkout/v3/orders", content=SDK_CREATE, headers=sdk)
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/json"
    location = r.headers["location"]
    assert location == "/checkout/v3/orders/" + r.json()["order_id"]
    assert r.json()["merchant_urls"]["validation"] == "https://www.example.com/api/validation"
    assert r.json()["purchase_currency"] == "GBP"  # sent as "gbp"
    no_type = {k: v for k, v in sdk.items() if k != "Content-Type"}  # Resource::get
    fetched = await merchant.client.get(location, headers=no_type)
    assert fetched.status_code == 200 and fetched.json() == r.json()
    updated = await merchant.client.post(location, content=SDK_UPDATE, headers=sdk)
    assert updated.status_code == 200, updated.text
    assert [x["name"] for x in updated.json()["order_lines"]][-1] == "Express delivery"
    assert updated.json()["order_amount"] == 11000
    assert updated.json()["merchant_urls"] == r.json()["merchant_urls"]  # kept: not sent


async def test_amounts_that_do_not_add_up_are_a_bad_value_and_change_nothing(
    merchant: Merchant,
) -> None:
    shop = await klarna_shop(merchant, "https://shop.example")
    created = await shop.create()
    path = f"/checkout/v3/orders/{created['order_id']}"
    r = await shop.send("POST", path, shop.mine(KCO_UPDATE_MISMATCH))
    assert r.status_code == 400
    body = r.json()
    assert (body["error_code"], body["error_messages"]) == (
        "BAD_VALUE",
        ["Bad value: order_amount"],
    )
    assert (await shop.read(created["order_id"]))["order_amount"] == 86125
    bad_line = KCO_CREATE.replace(b'"total_amount":80000', b'"total_amount":79999')
    r = await shop.send("POST", "/checkout/v3/orders", bad_line)
    assert r.status_code == 400
    assert r.json()["error_messages"] == ["Bad value: order_lines[0].total_amount"]
    r = await shop.send("POST", "/checkout/v3/orders", KCO_CREATE.replace(b'"SEK"', b'"EUR"'))
    assert r.json()["error_messages"] == ["Bad value: purchase_currency"]


async def test_approve_pushes_until_acknowledged_and_the_order_is_captured(
    merchant: Merchant, receiver: Receiver
) -> None:
    """Klarna (docs.klarna.com, Checkout "confirm the purchase" / push; reference/klarna.md):
    the push is retried until the order is acknowledged, and acknowledging stops it — no
    attempt goes out after ``/acknowledge``, even one already due (the store's clock moves
    past every retry)."""
    shop = await klarna_shop(merchant, shop_base(receiver))
    created = await shop.create()
    order_id = created["order_id"]
    paid = await shop.pay(order_id)
    assert paid["orderId"] == order_id and paid["status"] == "completed"
    assert paid["redirectUrl"] == f"{shop.base}/kassa/?kco_confirm=yes&kco_order_id={order_id}"

    read = await shop.read(order_id)
    assert read["status"] == "checkout_complete" and "completed_at" in read
    assert '"ORDER_STATUS": "checkout_complete"' in read["html_snippet"]
    r = await shop.send("POST", f"/checkout/v3/orders/{order_id}", shop.mine(KCO_UPDATE))
    assert r.status_code == 403 and r.json()["error_code"] == "READ_ONLY_ORDER"

    om = await shop.send("GET", f"{OM}/{order_id}")
    assert om.status_code == 200, om.text
    assert (om.json()["status"], om.json()["fraud_status"]) == ("AUTHORIZED", "ACCEPTED")
    assert om.json()["order_amount"] == 86125
    assert [x["reference"] for x in om.json()["order_lines"]] == ["TR-01", "flat_rate:3"]

    [push] = await arrived(receiver, 1)
    assert (push.method, push.path, push.body) == (
        "POST",
        "/wc-api/KCO_WC_Push/" + PUSH_QUERY + order_id,
        b"",
    )
    await advance(merchant, "klarna", 5 * 60)  # Klarna pushes again 5 minutes later
    await arrived(receiver, 2)
    r = await shop.send("POST", f"{OM}/{order_id}/acknowledge")
    assert r.status_code == 204
    await advance(merchant, "klarna", 3 * 3600)
    assert len(receiver.received) == 2  # no push once the order is acknowledged
    callbacks = (await merchant.client.get(f"/sandbox/checkouts/{order_id}", headers=ADMIN)).json()
    assert [(c["eventType"], c["state"]) for c in callbacks["callbacks"]] == [
        ("checkout.push", "delivered")
    ]
    pushes = await deliveries(merchant, "klarna", eventType="checkout.push")
    assert [(d["orderId"], d["eventType"], d["state"]) for d in pushes] == [
        (order_id, "checkout.push", "delivered")
    ]
    assert callbacks["urls"] == {
        "terms": f"{shop.base}/villkor/",
        "checkout": f"{shop.base}/kassa/",
        "confirmation": paid["redirectUrl"],
        "notification": f"{shop.base}/wc-api/KCO_WC_Push/{PUSH_QUERY}{order_id}",
    }
    await advance(merchant, "klarna", 48 * 3600)
    assert len(receiver.received) == 2

    capture = (
        b'{"captured_amount":86125,"shipping_info":[{"tracking_number":"","tracking_uri":""}]}'
    )
    r = await shop.send("POST", f"{OM}/{order_id}/captures", capture)
    assert r.status_code == 201, r.text
    assert (await shop.send("GET", f"{OM}/{order_id}")).json()["status"] == "CAPTURED"


async def test_validation_200_accepts_and_303_sends_the_customer_to_its_location(
    merchant: Merchant, receiver: Receiver, hook: Hook
) -> None:
    shop = await klarna_shop(merchant, shop_base(receiver))
    with_hook = KCO_CREATE.replace(
        b'"push":',
        b'"validation":"'
        + hook.url.replace("/", "\\/").encode()
        + b'?id={checkout.order.id}","push":',
    )
    created = await shop.create(with_hook)
    order_id = created["order_id"]
    hook.status, hook.location = 303, f"{shop.base}/kassa/?kco_error=stock"
    refused = await shop.pay(order_id)
    assert refused["status"] == "open" and refused["orderId"] == order_id
    assert refused["redirectUrl"] == f"{shop.base}/kassa/?kco_error=stock"
    assert refused["validation"] == {"accepted": False, "message": "The shop refused the purchase"}
    assert (await shop.read(order_id))["status"] == "checkout_incomplete"
    assert (await shop.send("GET", f"{OM}/{order_id}")).status_code == 404
    path, body, headers = hook.received[0]
    assert path == f"/kco/validate?id={order_id}"
    assert headers["content-type"] == "application/json"
    posted = httpx.Response(200, content=body).json()
    assert posted["order_id"] == order_id and posted["status"] == "checkout_incomplete"
    assert posted["order_amount"] == 86125 and posted["order_lines"] == created["order_lines"]

    hook.status, hook.location = 200, ""
    paid = await shop.pay(order_id)
    assert paid["status"] == "completed" and paid["validation"]["accepted"] is True
    assert len(hook.received) == 2


async def test_an_unanswered_validation_approves_unless_the_order_requires_success(
    merchant: Merchant, receiver: Receiver, hook: Hook
) -> None:
    shop = await klarna_shop(merchant, shop_base(receiver))
    hook.status = 0  # the connection closes unanswered
    url = hook.url.replace("/", "\\/").encode()
    lenient = await shop.create(
        KCO_CREATE.replace(b'"push":', b'"validation":"' + url + b'","push":')
    )
    assert (await shop.pay(lenient["order_id"]))["status"] == "completed"
    strict_body = KCO_CREATE.replace(b'"push":', b'"validation":"' + url + b'","push":').replace(
        b'"show_subtotal_detail":false',
        b'"show_subtotal_detail":false,"require_validate_callback_success":true',
    )
    strict = await shop.create(strict_body)
    refused = await shop.pay(strict["order_id"])
    assert refused["status"] == "open"
    assert refused["validation"]["accepted"] is False


async def test_decline_and_abandon_leave_the_checkout_incomplete_without_an_order(
    merchant: Merchant, receiver: Receiver
) -> None:
    shop = await klarna_shop(merchant, shop_base(receiver))
    for persona in ("decline", "abandon"):
        created = await shop.create()
        paid = await shop.pay(created["order_id"], persona)
        assert paid["redirectUrl"] is None and paid["callbacks"] == []
        assert (await shop.read(created["order_id"]))["status"] == "checkout_incomplete"
        assert (await shop.send("GET", f"{OM}/{created['order_id']}")).status_code == 404
    assert receiver.received == []


async def test_a_pending_order_is_pushed_then_notified_when_accepted(
    merchant: Merchant, receiver: Receiver
) -> None:
    shop = await klarna_shop(merchant, shop_base(receiver))
    notification = (
        b'"notification":"https:\\/\\/shop.example\\/kco\\/notification?id={checkout.order.id}",'
    )
    created = await shop.create(KCO_CREATE.replace(b'"push":', notification + b'"push":'))
    order_id = created["order_id"]
    paid = await shop.pay(order_id, "onHold")
    assert paid["status"] == "onHold"
    assert (await shop.read(order_id))["status"] == "checkout_complete"
    om = (await shop.send("GET", f"{OM}/{order_id}")).json()
    assert om["fraud_status"] == "PENDING"
    [push] = await arrived(receiver, 1)
    assert push.path.startswith("/wc-api/KCO_WC_Push/")
    r = await shop.send("POST", f"{OM}/{order_id}/acknowledge")  # as the plugin does on push
    assert r.status_code == 204
    await advance(merchant, "klarna", 5 * 60)  # the push is not tried again: acknowledged
    r = await merchant.client.post(f"/sandbox/orders/{order_id}/accept", headers=ADMIN)
    assert r.status_code == 200, r.text
    received = await arrived(receiver, 2)
    note = received[1]
    assert (note.method, note.path) == ("POST", f"/kco/notification?id={order_id}")
    assert note.json() == {"order_id": order_id, "event_type": "FRAUD_RISK_ACCEPTED"}
    assert note.headers["content-type"] == "application/json"


async def test_duplicate_pushes_and_a_lost_redirect(merchant: Merchant, receiver: Receiver) -> None:
    shop = await klarna_shop(merchant, shop_base(receiver))
    await shop.scenario(callbacks="duplicate", redirect="lost")
    created = await shop.create()
    paid = await shop.pay(created["order_id"])
    assert paid["redirectUrl"] is None  # only the push tells the shop
    await arrived(receiver, 1)
    r = await shop.send("POST", f"{OM}/{created['order_id']}/acknowledge")
    assert r.status_code == 204
    # The push stops once the order is acknowledged; its duplicate goes all the same, to a
    # shop that has acknowledged already.
    await advance(merchant, "klarna", 5 * 60)
    pushes = await arrived(receiver, 2)
    assert {p.path for p in pushes} == {"/wc-api/KCO_WC_Push/" + PUSH_QUERY + created["order_id"]}
    r = await merchant.client.get(f"/sandbox/checkouts/{created['order_id']}", headers=ADMIN)
    assert [c["state"] for c in r.json()["callbacks"]] == ["delivered", "delivered"]


async def test_a_late_push(merchant: Merchant, receiver: Receiver) -> None:
    shop = await klarna_shop(merchant, shop_base(receiver))
    await shop.scenario(callbacks="late", callbackDelaySeconds=120)
    created = await shop.create()
    await shop.pay(created["order_id"])
    assert receiver.received == []
    await advance(merchant, "klarna", 120)
    [push] = await arrived(receiver, 1)
    assert push.path.endswith(created["order_id"])


async def test_a_country_change_is_an_update_and_the_order_keeps_it(merchant: Merchant) -> None:
    shop = await klarna_shop(merchant, "https://shop.example")
    created = await shop.create()
    changed = KCO_UPDATE.replace(b'"purchase_country":"SE"', b'"purchase_country":"NO"')
    r = await shop.send("POST", f"/checkout/v3/orders/{created['order_id']}", shop.mine(changed))
    assert r.status_code == 200, r.text
    assert r.json()["purchase_country"] == "no"
    assert r.json()["billing_address"] == {"country": "no"}
    sandbox = (
        await merchant.client.get(f"/sandbox/checkouts/{created['order_id']}", headers=ADMIN)
    ).json()
    assert sandbox["country"] == "NO"


async def test_an_order_expires_48_hours_after_its_last_update(merchant: Merchant) -> None:
    shop = await klarna_shop(merchant, "https://shop.example")
    created = await shop.create()
    path = f"/checkout/v3/orders/{created['order_id']}"
    await advance(merchant, "klarna", 47 * 3600)
    r = await shop.send("POST", path, shop.mine(KCO_UPDATE))
    assert r.status_code == 200  # the update keeps it 48 hours more
    await advance(merchant, "klarna", 47 * 3600)
    assert (await shop.send("GET", path)).status_code == 200
    await advance(merchant, "klarna", 2 * 3600)
    for method, body in (("GET", b""), ("POST", shop.mine(KCO_UPDATE))):
        r = await shop.send(method, path, body)
        assert (r.status_code, r.content) == (404, b"")  # the plugin reads it as "expired"


async def test_an_update_keeps_the_order_payable(merchant: Merchant) -> None:
    shop = await klarna_shop(merchant, "https://shop.example")
    created = await shop.create()
    await advance(merchant, "klarna", 47 * 3600)
    r = await shop.send("POST", f"/checkout/v3/orders/{created['order_id']}", shop.mine(KCO_UPDATE))
    assert r.status_code == 200
    await advance(merchant, "klarna", 47 * 3600)  # 94 hours after it was made
    assert (await shop.pay(created["order_id"]))["status"] == "completed"


async def test_a_token_past_its_lifetime_cannot_pay_but_the_order_reads(
    merchant: Merchant,
) -> None:
    shop = await klarna_shop(merchant, "https://shop.example")
    await shop.scenario(tokenLifetimeSeconds=60)
    created = await shop.create()
    await advance(merchant, "klarna", 61)
    r = await shop.client.post(
        f"/sandbox/checkouts/{created['order_id']}/pay", json={"persona": "approve"}, headers=ADMIN
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "CHECKOUT_TOKEN_EXPIRED"
    assert (await shop.read(created["order_id"]))["status"] == "checkout_incomplete"
    r = await shop.send("POST", f"/checkout/v3/orders/{created['order_id']}", shop.mine(KCO_UPDATE))
    assert r.status_code == 200  # the shop's update renews it
    assert (await shop.pay(created["order_id"]))["status"] == "completed"


async def test_another_merchants_order_is_not_found(
    merchant: Merchant, client: httpx.AsyncClient
) -> None:
    shop = await klarna_shop(merchant, "https://shop.example")
    created = await shop.create()
    other = await klarna_shop(await new_merchant(client), "https://shop.example")
    r = await other.send("GET", f"/checkout/v3/orders/{created['order_id']}")
    assert (r.status_code, r.content) == (404, b"")
    r = await shop.client.get(f"/checkout/v3/orders/{created['order_id']}")
    assert r.status_code == 401 and r.json()["error_code"] == "UNAUTHORIZED"


async def test_a_pending_order_rejected_is_notified_and_cancelled(
    merchant: Merchant, receiver: Receiver
) -> None:
    shop = await klarna_shop(merchant, shop_base(receiver))
    notification = b'"notification":"https:\\/\\/shop.example\\/kco\\/notification",'
    created = await shop.create(KCO_CREATE.replace(b'"push":', notification + b'"push":'))
    order_id = created["order_id"]
    await shop.pay(order_id, "onHold")
    await arrived(receiver, 1)
    assert (await shop.send("POST", f"{OM}/{order_id}/acknowledge")).status_code == 204
    await advance(merchant, "klarna", 5 * 60)
    r = await merchant.client.post(f"/sandbox/orders/{order_id}/reject", headers=ADMIN)
    assert r.status_code == 200, r.text
    note = (await arrived(receiver, 2))[1]
    assert (note.path, note.json()) == (
        "/kco/notification",
        {"order_id": order_id, "event_type": "FRAUD_RISK_REJECTED"},
    )
    om = (await shop.send("GET", f"{OM}/{order_id}")).json()
    assert (om["status"], om["fraud_status"]) == ("CANCELLED", "REJECTED")
    assert (await shop.read(order_id))["status"] == "checkout_complete"


async def test_the_snippet_loads_the_loader_from_the_host_the_shop_called(
    merchant: Merchant,
) -> None:
    shop = await klarna_shop(merchant, "https://shop.example")
    pointed = {**shop.headers(), "Host": "api.playground.kustom.co"}
    r = await shop.client.post("/checkout/v3/orders", content=KCO_CREATE, headers=pointed)
    assert r.status_code == 201, r.text
    snippet = r.json()["html_snippet"]
    assert '"BOOTSTRAP_SRC": "http://api.playground.kustom.co/checkout.bootstrap.js"' in snippet
    # Whatever the configuration holds, it cannot end the snippet's script.
    assert script_json("</script><!--&") == '"\\u003c/script\\u003e\\u003c!--\\u0026"'


async def test_the_shops_addresses_prefill_until_the_customer_enters_their_own(
    merchant: Merchant,
) -> None:
    shop = await klarna_shop(merchant, "https://shop.example")
    prefill = (
        b',"billing_address":{"given_name":"Sven","family_name":"Svensson",'
        b'"street_address":"Kungsgatan 2","postal_code":"11143","city":"Stockholm",'
        b'"country":"SE","email":"sven@example.com"}}'
    )
    created = await shop.create(KCO_CREATE[:-1] + prefill)
    order_id = created["order_id"]
    assert created["billing_address"] == {
        "given_name": "Sven",
        "family_name": "Svensson",
        "email": "sven@example.com",
        "street_address": "Kungsgatan 2",
        "postal_code": "11143",
        "city": "Stockholm",
        "country": "se",
    }
    view = (await shop.client.get(f"/sandbox/checkouts/{order_id}", headers=ADMIN)).json()
    edited = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada@example.com",
        "billingAddress": {
            "streetAddress": "Storgatan 1",
            "postalCode": "11122",
            "city": "Uppsala",
            "country": "SE",
        },
    }
    r = await shop.client.put(
        f"/orderdesk-checkout/{view['token']}/customer", json={"customer": edited}
    )
    assert r.status_code == 200, r.text
    r = await shop.send(
        "POST", f"/checkout/v3/orders/{order_id}", shop.mine(KCO_UPDATE[:-1] + prefill)
    )
    assert r.status_code == 200, r.text
    assert r.json()["billing_address"] == {  # the customer's, not the shop's
        "given_name": "Ada",
        "family_name": "Lovelace",
        "email": "ada@example.com",
        "street_address": "Storgatan 1",
        "postal_code": "11122",
        "city": "Uppsala",
        "country": "se",
    }

"""The checkout requests of Walley's clients, byte for byte over a plain socket, against a real
``orderdesk serve``: the WooCommerce plugin's (``Content-type``, string prices, ``"fees": ""``,
the update's bare-array cart and trailing slash, a GET with a content type and no body) and
the PHP SDK's (``Authorization:Bearer`` without a space, floats); the session paid headlessly,
then its order captured with the clients' own ``/manage`` requests (``../../tests/fixtures``).
Only the store, the private id and the token are put in."""

from __future__ import annotations

import pytest

from orderdesk.providers.walley.checkout.tests.client import FIXTURES, PRIVATE_ID
from orderdesk.providers.walley.tests import test_walley_client_requests as manage
from tests.support.sandbox import ADMIN, Merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e

KRO_TOKEN, SDK_TOKEN = b"eyJzdWIiOiJv", b"wt_ElCdMN9_K"


def request(name: str, store: str, private_id: str, token: str, fake_token: bytes) -> bytes:
    raw = (FIXTURES / name).read_bytes()
    head, _, body = raw.partition(b"\r\n\r\n")
    head = head.replace(PRIVATE_ID.encode(), private_id.encode()).replace(
        fake_token, token.encode()
    )
    body = body.replace(b'"storeId":"1158"', b'"storeId":"%s"' % store.encode())
    return manage.with_body(head + b"\r\n\r\n", body) if body else head + b"\r\n\r\n"


async def paid(merchant: Merchant, private_id: str) -> str:
    r = await merchant.client.post(
        f"/sandbox/checkouts/{private_id}/pay", json={"persona": "approve"}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    order_id: str = r.json()["orderId"]
    assert order_id is not None, r.text
    return order_id


async def test_the_plugin_buys_and_captures(server: Server, remote_merchant: Merchant) -> None:
    merchant = remote_merchant
    store = merchant.stores["walley"]
    token = await manage.kro_token(server, merchant)

    async def kro(name: str, private_id: str = "") -> manage.Answer:
        return await manage.send(server, request(name, store, private_id, token, KRO_TOKEN))

    created = await kro("kro_initialize.http")
    assert created.status == 200, created.body
    answer = created.json()
    assert answer["error"] is None and answer["data"]["publicToken"].startswith("public-SE-")
    private_id = answer["data"]["privateId"]
    got = await kro("kro_get.http", private_id)
    assert (got.status, got.json()["data"]["status"]) == (200, "Initialized")
    updated = await kro("kro_update.http", private_id)
    assert (updated.status, updated.json()["data"], updated.json()["error"]) == (200, None, None)
    order_id = await paid(merchant, private_id)
    data = (await kro("kro_get.http", private_id)).json()["data"]
    assert (data["status"], data["order"]["orderId"]) == ("PurchaseCompleted", order_id)
    assert data["order"]["totalAmount"] == 433
    late = await kro("kro_update.http", private_id)
    assert late.status == 900 and late.json()["error"]["errors"][0]["reason"] == (
        "Purchase_Completed"
    )
    assert (await kro("kro_reference.http", private_id)).status == 200

    def om(name: str) -> bytes:
        raw = manage.fixture(name)
        return manage.filled(raw, order_id, token, manage.KRO_ORDER, KRO_TOKEN.decode())

    manage.accepted(await manage.send(server, om("kro_part_capture.http")), order_id)
    order = (await manage.send(server, om("kro_get.http"))).json()["data"]
    assert (order["status"], order["reference"]) == ("PartActivated", "1042")


async def test_the_sdk_buys_and_captures(server: Server, remote_merchant: Merchant) -> None:
    merchant = remote_merchant
    store = merchant.stores["walley"]
    token = await manage.sdk_token(server, merchant)
    # The Magento module's validationUri is on its own host, not reachable here.
    skip = {"validation": False}
    r = await merchant.client.put(
        f"/sandbox/stores/{store}/checkout-scenario", json=skip, headers=ADMIN
    )
    assert r.status_code == 200, r.text

    async def sdk(name: str, private_id: str = "") -> manage.Answer:
        return await manage.send(server, request(name, store, private_id, token, SDK_TOKEN))

    created = await sdk("sdk_initialize.http")
    assert created.status == 200, created.body
    private_id = created.json()["data"]["privateId"]
    for name in ("sdk_update_cart.http", "sdk_update_fees.http", "sdk_reference.http"):
        answer = await sdk(name, private_id)
        assert (answer.status, answer.json()["error"]) == (200, None), answer.body
    order_id = await paid(merchant, private_id)
    data = (await sdk("sdk_get.http", private_id)).json()["data"]
    assert (data["purchase"]["result"], data["order"]["orderId"]) == ("Preliminary", order_id)
    assert (data["reference"], data["order"]["totalAmount"]) == ("000000042", 249)

    raw = manage.fixture("sdk_capture.http")
    capture = manage.filled(raw, order_id, token, manage.SDK_ORDER, SDK_TOKEN.decode())
    manage.accepted(await manage.send(server, capture), order_id)

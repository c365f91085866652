"""Klarna Checkout v3's two public clients against a real ``orderdesk serve``, byte for byte
(``kco_requests.py`` names the files and commits), read off the raw bytes on the socket: the
header names as the PHP SDK looks them up (``Content-Type``, ``Location``), its status
compared as a string, the plugin's update from the validation callback with
``merchant_reference2`` a JSON integer, and the purchase's order in order management under
the same id with the plugin's references."""

from __future__ import annotations

import json
import re

import pytest

from orderdesk.providers.klarna.tests.kco_requests import (
    KCO_CREATE,
    KCO_UA,
    KCO_UPDATE,
    PARTNER,
    SDK_CREATE,
    SDK_UA,
    SDK_UPDATE,
    kco_update_confirmation,
)
from orderdesk.providers.klarna.tests.test_klarna_clients import basic, raw
from tests.support.sandbox import ADMIN, Merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e


async def test_the_woocommerce_plugin(server: Server, remote_merchant: Merchant) -> None:
    await remote_merchant.store("klarna")
    kco = [
        ("Authorization", basic(remote_merchant)),
        ("Content-Type", "application/json"),
        PARTNER,
        ("User-Agent", KCO_UA),
    ]
    created = await raw(server, "POST", "/checkout/v3/orders", kco, KCO_CREATE)
    assert created.status == 201, created.body
    assert created.headers["Content-Type"] == "application/json"
    order = created.json()
    assert isinstance(order, dict)
    order_id = order["order_id"]
    path = f"/checkout/v3/orders/{order_id}"
    assert created.headers["Location"] == path

    read = await raw(server, "GET", path, kco)  # the plugin's GET carries the JSON type
    assert read.status == 200 and read.json() == order
    updated = await raw(server, "POST", path, kco, KCO_UPDATE)
    assert updated.status == 200, updated.body
    read_back = updated.json()
    assert isinstance(read_back, dict)

    confirmation = kco_update_confirmation(read_back, 1234)
    assert b'"merchant_reference2":1234}' in confirmation
    confirmed = await raw(server, "POST", path, kco, confirmation)
    assert confirmed.status == 200, confirmed.body
    answer = confirmed.json()
    assert isinstance(answer, dict)
    assert (answer["merchant_reference1"], answer["merchant_reference2"]) == ("1234", "1234")
    assert answer["merchant_urls"]["confirmation"] == (
        "https://shop.example/kassa/order-received/1234/?key=wc_order_Xq2fTtA9&kco_confirm=yes&"
        "kco_order_id={checkout.order.id}&order_id=1234"
    )

    # the customer corrects their name in the checkout: the references stay the shop's
    session = await remote_merchant.client.get(f"/sandbox/checkouts/{order_id}", headers=ADMIN)
    r = await remote_merchant.client.put(
        f"/orderdesk-checkout/{session.json()['token']}/customer",
        json={"customer": {"firstName": "Ada", "lastName": "Lovelace"}},
    )
    assert r.status_code == 200, r.text
    r = await remote_merchant.client.post(
        f"/sandbox/checkouts/{order_id}/pay", json={"persona": "approve"}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    assert r.json()["redirectUrl"] == answer["merchant_urls"]["confirmation"].replace(
        "{checkout.order.id}", order_id
    )

    om = f"/ordermanagement/v1/orders/{order_id}"
    acknowledged = await raw(server, "POST", f"{om}/acknowledge", kco)
    assert (acknowledged.status, acknowledged.body) == (204, b"")
    got = await raw(server, "GET", om, kco)
    assert got.status == 200
    management = got.json()
    assert isinstance(management, dict)
    assert management["order_id"] == order_id
    assert (management["merchant_reference1"], management["merchant_reference2"]) == (
        "1234",
        "1234",
    )
    assert management["order_amount"] == 126125

    again = await raw(server, "POST", path, kco, KCO_UPDATE)
    assert again.status == 403
    error = again.json()
    assert isinstance(error, dict)
    assert error["error_code"] == "READ_ONLY_ORDER"
    assert isinstance(error["error_messages"], list) and error["correlation_id"]


async def test_the_php_sdk(server: Server, remote_merchant: Merchant) -> None:
    await remote_merchant.store("klarna", currency="GBP", country="GB")
    sdk = [("Authorization", basic(remote_merchant)), ("User-Agent", SDK_UA)]
    json_type = [*sdk, ("Content-Type", "application/json")]
    created = await raw(server, "POST", "/checkout/v3/orders", json_type, SDK_CREATE)
    assert str(created.status) == "201", created.body  # ->status('201')
    assert re.search("application/json", created.headers["Content-Type"])
    location = created.headers["Location"]  # ResponseValidator::getLocation
    order = created.json()
    assert isinstance(order, dict) and location == f"/checkout/v3/orders/{order['order_id']}"
    assert order["status"] == "checkout_incomplete" and order["html_snippet"]

    fetched = await raw(server, "GET", location, sdk)  # Resource::fetch: no Content-Type
    assert str(fetched.status) == "200"
    assert re.search("application/json", fetched.headers["Content-Type"])
    assert fetched.json() == order
    assert "Location" not in fetched.headers  # a Location re-points the SDK's object

    updated = await raw(server, "POST", location, json_type, SDK_UPDATE)  # Order::update
    assert str(updated.status) == "200", updated.body
    assert re.search("application/json", updated.headers["Content-Type"])
    body = updated.json()
    assert isinstance(body, dict) and body["order_amount"] == 11000
    assert "Location" not in updated.headers

    bad = await raw(server, "POST", location, json_type, SDK_UPDATE.replace(b"11000", b"1"))
    assert bad.status == 400
    error = json.loads(bad.body)
    assert error["error_code"] == "BAD_VALUE"  # ConnectorException needs error_code
    assert error["error_messages"] == ["Bad value: order_amount"]

"""What Klarna's two public clients send, byte for byte, to a real ``orderdesk serve``, and
what they require of the answer, read off the raw bytes on the socket.

- Krokedil's Klarna Order Management for WooCommerce, 1.10.3
  (``krokedil/klarna-order-management-for-woocommerce`` at 9483e59622c19a9d3dec5783575bf081ee74dcbb,
  ``classes/request/``): ``Content-Type: application/json`` on every request, bodies as
  ``wp_json_encode`` writes them (``\\/`` and ``\\u00f6``), fields Klarna does not define
  (``order_amount``, ``order_tax_amount``), empty shipping info; up to 1.6.10
  (037ff32efd2c…) every path began ``//ordermanagement``. It keeps ``Capture-Id`` through
  WordPress' ``sanitize_key()``.
- Klarna's PHP SDK ``klarna/kco_rest_php`` 4.2.3 (1c3db055f4562dc98447c3672196fb8e474cebc7,
  ``src/Klarna/Rest/OrderManagement/``, ``Transport/``): compares the status as a string
  (``'200'``, ``'201'``, ``'204'``), reads ``Content-Type`` and ``Location`` by exactly that
  spelling from Guzzle's header map, requests ``base URL + Location`` for the new capture,
  and raises its typed error only when ``error_code`` is there (``error_messages`` joined as
  an array).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from dataclasses import dataclass

import pytest

from orderdesk.providers.klarna.tests.klarna_api import sandbox_line
from tests.support.sandbox import Merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e

KOM_UA = (
    "WordPress/6.7.1; https://shop.example - WooCommerce: 9.5.1 - OM: 1.10.3 - "
    "PHP Version: 8.2.26 - Krokedil"
)
SDK_UA = (
    "Library/Klarna.kco_rest_php_4.2.3 (Guzzle/6.5.5; curl/7.81.0) OS/Linux_5.15 Language/PHP_7.4"
)

# A WooCommerce order 1234: 2 × "Tröja" (TR-01) at 400.00 incl. 25 % VAT, PostNord shipping
# flat_rate:3 at 61.25 incl. VAT; total 861.25 SEK.
TROJA = {
    "reference": "TR-01",
    "type": "physical",
    "name": "Tröja",
    "quantity": 2,
    "unit_price": 40000,
    "tax_rate": 2500,
    "total_amount": 80000,
    "total_discount_amount": 0,
    "total_tax_amount": 16000,
}
SHIPPING = {
    "reference": "flat_rate:3",
    "type": "shipping_fee",
    "name": "PostNord",
    "quantity": 1,
    "unit_price": 6125,
    "tax_rate": 2500,
    "total_amount": 6125,
    "total_discount_amount": 0,
    "total_tax_amount": 1225,
}
KOM_CAPTURE = (
    b'{"order_lines":[{"reference":"TR-01","type":"physical","name":"Tr\\u00f6ja","quantity":2,'
    b'"unit_price":40000,"tax_rate":2500,"total_amount":80000,"total_discount_amount":0,'
    b'"total_tax_amount":16000},{"reference":"flat_rate:3","type":"shipping_fee","name":"PostNord",'
    b'"quantity":1,"unit_price":6125,"tax_rate":2500,"total_amount":6125,"total_discount_amount":0,'
    b'"total_tax_amount":1225}],"order_amount":86125,"order_tax_amount":0,'
    b'"shipping_info":[{"tracking_number":"","tracking_uri":""}],"captured_amount":86125}'
)
KOM_REFUND = (
    b'{"refunded_amount":40000,"description":"Kunden returnerade 1\\/2 tr\\u00f6jor",'
    b'"reference":"1234|1240","order_lines":[{"type":"physical","reference":"TR-01",'
    b'"name":"Tr\\u00f6ja","quantity":1,"unit_price":40000,"tax_rate":2500,"total_amount":40000,'
    b'"total_discount_amount":0,"total_tax_amount":8000}]}'
)
KOM_UPDATE = (
    b'{"order_lines":[{"reference":"TR-01","type":"physical","name":"Tr\\u00f6ja","quantity":1,'
    b'"unit_price":40000,"tax_rate":2500,"total_amount":40000,"total_discount_amount":0,'
    b'"total_tax_amount":8000},{"reference":"flat_rate:3","type":"shipping_fee","name":"PostNord",'
    b'"quantity":1,"unit_price":6125,"tax_rate":2500,"total_amount":6125,"total_discount_amount":0,'
    b'"total_tax_amount":1225}],"order_amount":46125,"order_tax_amount":0}'
)
SDK_CAPTURE = (
    b'{"captured_amount":6125,"description":"Shipped part 1","order_lines":[{"type":"shipping_fee",'
    b'"reference":"flat_rate:3","name":"PostNord","quantity":1,"quantity_unit":"pcs",'
    b'"unit_price":6125,"tax_rate":2500,"total_amount":6125,"total_tax_amount":1225}],'
    b'"shipping_info":[{"shipping_company":"DHL","shipping_method":"Home",'
    b'"tracking_uri":"http:\\/\\/www.dhl.com\\/content\\/g0\\/en\\/express\\/tracking.shtml?'
    b'brand=DHL&AWB=1234567890","tracking_number":"1234567890",'
    b'"return_shipping_company":"DHL","return_tracking_number":"E-55-KL",'
    b'"return_tracking_uri":"http:\\/\\/www.dhl.com\\/content\\/g0\\/en\\/express\\/tracking.shtml?'
    b'brand=DHL&AWB=98389222"}]}'
)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # exactly as spelled on the wire (Guzzle keeps the spelling)
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


async def raw(
    server: Server, method: str, path: str, headers: list[tuple[str, str]], body: bytes = b""
) -> Answer:
    """One request on its own connection, written and read as bytes."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    head = [f"{method} {path} HTTP/1.1", f"Host: {server.host}:{server.port}"]
    head += [f"{name}: {value}" for name, value in headers]
    if body or method in ("POST", "PATCH"):
        head.append(f"Content-Length: {len(body)}")
    head.append("Connection: close")
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    await writer.drain()
    data = await reader.read()
    writer.close()
    start, _, rest = data.partition(b"\r\n\r\n")
    status_line, *lines = start.decode().split("\r\n")
    found = dict(line.split(": ", 1) for line in lines)
    return Answer(int(status_line.split()[1]), found, rest)


def basic(merchant: Merchant) -> str:
    pair = f"{merchant.client_id}:{merchant.client_secret}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def sanitize_key(key: str) -> str:
    """WordPress' ``sanitize_key()``: lower case, only ``a-z0-9_-`` kept."""
    return re.sub(r"[^a-z0-9_\-]", "", key.lower())


async def klarna_order(merchant: Merchant) -> tuple[str, str]:
    store = await merchant.store("klarna")
    lines = [sandbox_line(TROJA), sandbox_line(SHIPPING)]
    made = await merchant.order(store, lines, merchantReference="1234")
    return store, made["orderId"]


async def test_the_woocommerce_plugin(server: Server, remote_merchant: Merchant) -> None:
    _, order_id = await klarna_order(remote_merchant)
    kom = [
        ("Authorization", basic(remote_merchant)),
        ("Content-Type", "application/json"),
        ("User-Agent", KOM_UA),
    ]
    path = f"/ordermanagement/v1/orders/{order_id}"
    got = await raw(server, "GET", path, kom)
    assert got.status == 200
    assert got.headers["Content-Type"] == "application/json"
    assert "Location" not in got.headers
    order = got.json()
    assert isinstance(order, dict)
    assert (order["status"], order["fraud_status"]) == ("AUTHORIZED", "ACCEPTED")
    assert order["remaining_authorized_amount"] == 86125
    assert order["initial_payment_method"]["description"]

    captured = await raw(server, "POST", f"{path}/captures", kom, KOM_CAPTURE)
    assert captured.status == 201, captured.body
    capture_id = captured.headers["Capture-Id"]
    assert sanitize_key(capture_id) == capture_id
    assert captured.headers["Location"] == f"{path}/captures/{capture_id}"
    assert captured.body == b""

    order = (await raw(server, "GET", f"/{path}", kom)).json()  # 1.6.10's doubled slash
    assert isinstance(order, dict)
    assert order["status"] == "CAPTURED"
    assert order["captures"][0]["capture_id"] == capture_id
    assert order["captures"][0]["shipping_info"] == []  # the empty entry is no shipping info

    refunded = await raw(server, "POST", f"{path}/refunds", kom, KOM_REFUND)
    assert refunded.status == 201, refunded.body
    refund_id = refunded.headers["Refund-Id"]
    assert refunded.headers["Location"] == f"{path}/refunds/{refund_id}"
    refund = (await raw(server, "GET", f"{path}/refunds/{refund_id}", kom)).json()
    assert refund == {
        "refund_id": refund_id,
        "refunded_amount": 40000,
        "refunded_at": refund["refunded_at"],  # type: ignore[index]
        "description": "Kunden returnerade 1/2 tröjor",
        "reference": "1234|1240",
        "order_lines": [
            {
                **TROJA,
                "quantity": 1,
                "total_amount": 40000,
                "total_tax_amount": 8000,
                "quantity_unit": "pcs",
            }
        ],
    }

    again = await raw(server, "POST", f"{path}/captures", kom, KOM_CAPTURE)
    assert again.status == 403
    error = again.json()
    assert isinstance(error, dict)
    assert error["error_code"] == "CAPTURE_NOT_ALLOWED"
    assert error["error_messages"][0].startswith("Captured amount is higher than the remaining")


async def test_the_woocommerce_plugin_updates_and_cancels(
    server: Server, remote_merchant: Merchant
) -> None:
    _, order_id = await klarna_order(remote_merchant)
    kom = [("Authorization", basic(remote_merchant)), ("Content-Type", "application/json")]
    path = f"/ordermanagement/v1/orders/{order_id}"
    updated = await raw(server, "PATCH", f"{path}/authorization", kom, KOM_UPDATE)
    assert (updated.status, updated.body) == (204, b"")
    assert "Content-Type" not in updated.headers and "Location" not in updated.headers
    order = (await raw(server, "GET", path, kom)).json()
    assert isinstance(order, dict)
    assert (order["order_amount"], order["original_order_amount"]) == (46125, 86125)
    cancelled = await raw(server, "POST", f"{path}/cancel", kom)
    assert (cancelled.status, cancelled.body) == (204, b"")
    order = (await raw(server, "GET", path, kom)).json()
    assert isinstance(order, dict)
    assert order["status"] == "CANCELLED"


async def test_the_php_sdk(server: Server, remote_merchant: Merchant) -> None:
    _, order_id = await klarna_order(remote_merchant)
    sdk = [("Authorization", basic(remote_merchant)), ("User-Agent", SDK_UA)]
    json_type = [*sdk, ("Content-Type", "application/json")]
    path = f"/ordermanagement/v1/orders/{order_id}"
    fetched = await raw(server, "GET", path, sdk)  # Resource::get sends no Content-Type
    assert str(fetched.status) == "200"
    assert re.search("application/json", fetched.headers["Content-Type"])
    order = fetched.json()
    assert isinstance(order, dict) and order["captures"] == []  # walked without isset

    acknowledged = await raw(server, "POST", f"{path}/acknowledge", json_type)
    assert str(acknowledged.status) == "204"
    assert "Location" not in acknowledged.headers  # any Location re-points the SDK's object

    created = await raw(server, "POST", f"{path}/captures", json_type, SDK_CAPTURE)
    assert str(created.status) == "201", created.body
    location = created.headers["Location"]
    capture = await raw(server, "GET", location, sdk)  # CURLConnector: base URL + Location
    assert str(capture.status) == "200"
    body = capture.json()
    assert isinstance(body, dict)
    assert (body["capture_id"], body["captured_amount"]) == (created.headers["Capture-Id"], 6125)
    assert body["shipping_info"][0]["tracking_uri"].startswith("http://www.dhl.com/")

    shipped = await raw(
        server,
        "POST",
        f"{location}/shipping-info",
        json_type,
        b'{"shipping_info":[{"shipping_company":"PostNord","tracking_number":"SE123"}]}',
    )
    assert str(shipped.status) == "204"
    sent_out = await raw(server, "POST", f"{location}/trigger-send-out", json_type)
    assert str(sent_out.status) == "204"
    released = await raw(server, "POST", f"{path}/release-remaining-authorization", json_type)
    assert str(released.status) == "204"

    refused = await raw(server, "POST", f"{path}/cancel", json_type)
    assert refused.status == 403
    error = refused.json()
    assert isinstance(error, dict)
    assert error["error_code"] == "CANCEL_NOT_ALLOWED"
    assert isinstance(error["error_messages"], list) and error["correlation_id"]

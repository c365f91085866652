"""Ledyer refund and partial refund of a captured chunk, each a credit note.

The WooCommerce plugin's requests (``ledyer/ledyer-order-management-for-woocommerce``) are
sent as it sends them: ``Idempotency-Key`` and ``Content-Type: application/json`` on every
call, GET included, the whole order captured at ``/capture`` without line ids, then payment
status, then a partial refund of the one captured chunk; retries with the same key on 5xx.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.ledger import checked_order
from tests.support.ledyer_api import Ledyer, error, sek
from tests.support.sandbox import Merchant, new_merchant
from tests.support.seams import FailingSaves, rows_in_place

# The plugin's example order: two blue T-shirts, an e-book, shipping and an invoice fee.
WOO_LINES: list[dict[str, Any]] = [
    {"type": "physical", "reference": "TS-BLUE", "description": "Blue T-shirt", "quantity": 2,
     "vat": 2500, "totalAmount": 20000, "totalVatAmount": 4000},
    {"type": "digital", "reference": "EBOOK-1", "description": "E-book", "quantity": 1,
     "vat": 600, "totalAmount": 10000, "totalVatAmount": 566},
    {"type": "shippingFee", "reference": "flat_rate:3", "description": "Flat rate",
     "quantity": 1, "vat": 2500, "totalAmount": 4900, "totalVatAmount": 980},
    {"type": "surcharge", "reference": "Fee", "description": "Invoice fee", "quantity": 1,
     "vat": 2500, "totalAmount": 2900, "totalVatAmount": 580},
]  # fmt: skip
WOO_CAPTURE = (
    b'{"orderLines":[{"type":"physical","reference":"TS-BLUE","description":"Blue T-shirt",'
    b'"quantity":2,"vat":2500,"totalAmount":20000,"totalVatAmount":4000},{"type":"digital",'
    b'"reference":"EBOOK-1","description":"E-book","quantity":1,"vat":600,"totalAmount":10000,'
    b'"totalVatAmount":566},{"type":"shippingFee","reference":"flat_rate:3","description":'
    b'"Flat rate","quantity":1,"vat":2500,"totalAmount":4900,"totalVatAmount":980},{"type":'
    b'"surcharge","reference":"Fee","description":"Invoice fee","quantity":1,"vat":2500,'
    b'"totalAmount":2900,"totalVatAmount":580}],"totalCaptureAmount":37800}'
)
WOO_PARTIAL_REFUND = (
    b'{"orderLines":[{"type":"physical","reference":"TS-BLUE","description":"Blue T-shirt",'
    b'"quantity":1,"vat":2500,"totalAmount":10000,"totalVatAmount":2000}],'
    b'"totalRefundAmount":10000}'
)


def woo_headers(auth: dict[str, str], key: str, length: int | None = None) -> dict[str, str]:
    """The plugin's headers (WordPress HTTP), in its order."""
    headers = {
        "User-Agent": "WordPress/6.8; http://localhost",
        "Accept": "*/*",
        "Authorization": auth["authorization"],
        "Content-Type": "application/json",
        "Idempotency-Key": key,
        "Connection": "close",
    }
    if length is not None:
        headers["Content-Length"] = str(length)
    return headers


async def woo(
    api: Ledyer, method: str, path: str, key: str, body: bytes | None = None
) -> httpx.Response:
    length = None if body is None else len(body)
    return await api.client.request(
        method, path, content=body, headers=woo_headers(api.auth, key, length)
    )


@pytest.fixture
async def api(merchant: Merchant) -> Ledyer:
    return await Ledyer.of(merchant)


async def test_the_woocommerce_refund_flow(
    api: Ledyer, merchant: Merchant, database_url: str
) -> None:
    order_id = (await merchant.order("ledyer", WOO_LINES))["orderId"]
    path = f"/v1/orders/{order_id}"
    assert len(WOO_CAPTURE) == 578 and len(WOO_PARTIAL_REFUND) == 179
    r = await woo(api, "GET", path, "6be76740-4ada-4b58-8cb7-a2a9407512ab")
    assert r.status_code == 200
    r = await woo(
        api, "POST", f"{path}/capture", "6d80250b-ab2c-4c3d-8171-83dc5b829621", WOO_CAPTURE
    )
    assert r.status_code == 200, r.text
    ledger_id = r.json()["captured"][0]["ledgerId"]

    r = await woo(api, "GET", f"{path}/paymentstatus", "0f3c6a2e-52b1-4d0b-9d7e-9a1f6f1a2b3c")
    assert (r.status_code, r.json()) == (
        200,
        {
            "note": "Captured",
            "paymentMethod": {"provider": "ledyer", "type": "invoice"},
            "status": "orderCaptured",
        },
    )
    r = await woo(api, "GET", path, "3e1f1d1c-1111-4e4e-8a8a-222233334444")
    assert [chunk["ledgerId"] for chunk in r.json()["captured"]] == [ledger_id]

    r = await woo(
        api,
        "POST",
        f"{path}/partialrefund/{ledger_id}",
        "66c7df49-86f0-478e-8bd7-96dc6a68da33",
        WOO_PARTIAL_REFUND,
    )
    assert r.status_code == 200, r.text
    order = r.json()
    assert order["status"] == ["fullyCaptured", "partiallyRefunded"]
    assert order["refundedAmount"] == sek(10000)
    assert order["capturedAmount"] == sek(37800)
    [captured] = order["captured"]
    assert captured["availableActions"] == [{"type": "partialRefund"}]
    [credit] = order["refunded"]
    assert credit["availableActions"] == []
    assert credit["ledgerId"].startswith("in_") and credit["ledgerId"] != ledger_id
    assert credit["documentReference"].isdigit()
    assert credit["documentReference"] != captured["documentReference"]
    assert credit["note"] == ""
    assert credit["status"] == []
    assert [{k: v for k, v in x.items() if k != "id"} for x in credit["orderLines"]] == [
        {
            "description": "Blue T-shirt",
            "quantity": 1,
            "reference": "TS-BLUE",
            "totalAmount": 10000,
            "totalVatAmount": 2000,
            "type": "physical",
            "unitDiscountAmount": 0,
            "unitPrice": None,
            "vat": 2500,
        }
    ]
    assert credit["totalOrderAmount"] == sek(10000)
    assert credit["totalOrderVatAmount"] == sek(2000)
    assert credit["totalOrderAmountExclVat"] == sek(8000)
    event = order["events"][0]
    assert (event["type"], event["amount"], event["ledgerId"]) == (
        "partialRefund",
        sek(10000),
        credit["ledgerId"],
    )
    pdf = await api.client.get(credit["documentUrl"].removeprefix("http://testserver"))
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    stored = await checked_order(database_url, order_id)
    assert stored.refunded_of(stored.captured[0]) == 10000


async def test_a_full_refund_with_no_body_like_the_plugin(
    api: Ledyer, merchant: Merchant, database_url: str
) -> None:
    order_id = (await merchant.order("ledyer", WOO_LINES))["orderId"]
    path = f"/v1/orders/{order_id}"
    r = await woo(
        api, "POST", f"{path}/capture", "a8c5c3a4-0c55-4b8e-9d8f-5f1e2d3c4b5a", WOO_CAPTURE
    )
    ledger_id = r.json()["captured"][0]["ledgerId"]
    r = await woo(
        api, "POST", f"{path}/refund/{ledger_id}", "bcc128eb-d1f8-4619-901b-05d55de45da2", b""
    )
    assert r.status_code == 200, r.text
    order = r.json()
    assert order["status"] == ["fullyCaptured", "fullyRefunded"]
    assert order["refundedAmount"] == sek(37800)
    assert order["captured"][0]["availableActions"] == []
    [credit] = order["refunded"]
    assert [x["reference"] for x in credit["orderLines"]] == [x["reference"] for x in WOO_LINES]
    captured_ids = {x["id"] for x in order["captured"][0]["orderLines"]}
    assert captured_ids.isdisjoint(x["id"] for x in credit["orderLines"])
    assert order["events"][0]["type"] == "fullRefund"
    r = await woo(api, "GET", f"{path}/paymentstatus", "c0ffee00-0000-4000-8000-000000000001")
    assert r.json()["status"] == "orderRefunded"
    await checked_order(database_url, order_id)


async def test_a_retry_after_a_5xx_refunds_once(
    api: Ledyer, merchant: Merchant, app: FastAPI
) -> None:
    """The plugin resends the identical request with the same key after a 5xx."""
    order_id = (await merchant.order("ledyer", WOO_LINES))["orderId"]
    path = f"/v1/orders/{order_id}"
    r = await woo(
        api, "POST", f"{path}/capture", "9b2f0e4e-6a57-4c1e-8f8a-1d2c3b4a5f6e", WOO_CAPTURE
    )
    ledger_id = r.json()["captured"][0]["ledgerId"]
    key = "66c7df49-86f0-478e-8bd7-96dc6a68da33"
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    with rows_in_place(app, FailingSaves(RuntimeError("connection lost"))):
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            first = await client.post(
                f"{path}/partialrefund/{ledger_id}",
                content=WOO_PARTIAL_REFUND,
                headers=woo_headers(api.auth, key, len(WOO_PARTIAL_REFUND)),
            )
    assert first.status_code == 500
    assert (await api.order(order_id))["refunded"] == []
    second = await woo(api, "POST", f"{path}/partialrefund/{ledger_id}", key, WOO_PARTIAL_REFUND)
    third = await woo(api, "POST", f"{path}/partialrefund/{ledger_id}", key, WOO_PARTIAL_REFUND)
    assert second.status_code == third.status_code == 200
    assert second.content == third.content
    assert len((await api.order(order_id))["refunded"]) == 1


# -- the Omnipay driver: totalRefundAmount first, lines with their ids -------------------------
async def test_the_omnipay_partial_refund_with_line_ids(api: Ledyer, merchant: Merchant) -> None:
    iphone = {
        "type": "physical",
        "reference": "231654",
        "description": "APPLE iPhone 13 Pro",
        "quantity": 1,
        "unitPrice": 999000,
        "unitDiscountAmount": 0,
        "vat": 2500,
        "totalAmount": 999000,
        "totalVatAmount": 199800,
    }
    created = await merchant.order("ledyer", [iphone])
    order = await api.captured(created)
    ledger_id = order["captured"][0]["ledgerId"]
    line_id = order["captured"][0]["orderLines"][0]["id"]
    body = (
        b'{"totalRefundAmount":999000,"orderLines":[{"type":"physical","reference":"231654",'
        b'"description":"APPLE iPhone 13 Pro","quantity":1,"unitPrice":999000,'
        b'"unitDiscountAmount":0,"vat":2500,"totalAmount":999000,"totalVatAmount":199800,'
        b'"id":"' + line_id.encode() + b'"}]}'
    )
    r = await api.client.post(
        f"/v1/orders/{created['orderId']}/partialrefund/{ledger_id}",
        content=body,
        headers={
            "User-Agent": "GuzzleHttp/7",
            "Content-Type": "application/json",
            "Authorization": api.auth["authorization"],
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == ["fullyCaptured", "fullyRefunded"]
    assert r.json()["captured"][0]["availableActions"] == []


# -- refusals: each changes nothing ---------------------------------------------------------------
def refund_body(lines: list[dict[str, Any]], total: int | None = None, **extra: Any) -> bytes:
    amount = sum(x["totalAmount"] for x in lines) if total is None else total
    return json.dumps({"orderLines": lines, "totalRefundAmount": amount, **extra}).encode()


TSHIRT = WOO_LINES[0]
ONE_TSHIRT = {**TSHIRT, "quantity": 1, "totalAmount": 10000, "totalVatAmount": 2000}


@pytest.fixture
async def captured(api: Ledyer, merchant: Merchant) -> dict[str, Any]:
    created = await merchant.order("ledyer", WOO_LINES)
    return await api.captured(created)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"orderLines": [], "totalRefundAmount": 0}', 400, "INVALID_REQUEST"),
        (b'{"orderLines": "all", "totalRefundAmount": 1}', 400, "INVALID_REQUEST"),
        (b"{not json", 400, "INVALID_REQUEST"),
        (
            b'{"totalRefundAmount": 10000, "totalRefundAmount": 1, "orderLines": []}',
            400,
            "INVALID_REQUEST",
        ),
        (refund_body([ONE_TSHIRT], 9999), 422, "TOTAL_AMOUNT_MISMATCH"),
        (refund_body([{**ONE_TSHIRT, "reference": "TS-RED"}]), 422, "REFUND_LINES_DO_NOT_MATCH"),
        (refund_body([{**ONE_TSHIRT, "id": "ol_nope"}]), 422, "REFUND_LINES_DO_NOT_MATCH"),
        (refund_body([{**TSHIRT, "quantity": 3}]), 422, "REFUND_LINE_QUANTITY_TOO_LARGE"),
        (
            refund_body([{**ONE_TSHIRT, "totalAmount": 30000, "totalVatAmount": 6000}]),
            422,
            "REFUND_AMOUNT_TOO_LARGE",
        ),
        (
            refund_body([{**WOO_LINES[1], "totalAmount": 0, "totalVatAmount": 0}]),
            422,
            "REFUND_AMOUNT_MUST_BE_POSITIVE",
        ),
        (
            refund_body([{**TSHIRT, "totalAmount": -10000, "totalVatAmount": -2000}]),
            422,
            "REFUND_AMOUNT_MUST_BE_POSITIVE",
        ),
        (refund_body([*WOO_LINES, ONE_TSHIRT]), 422, "REFUND_AMOUNT_TOO_LARGE"),
    ],
)
async def test_a_refused_partial_refund_changes_nothing(
    api: Ledyer, captured: dict[str, Any], body: bytes, status: int, code: str
) -> None:
    order_id, ledger_id = captured["id"], captured["captured"][0]["ledgerId"]
    before = await api.snapshot(order_id)
    r = await api.post(f"/v1/orders/{order_id}/partialrefund/{ledger_id}", body)
    assert error(r) == (status, code), r.text
    assert await api.snapshot(order_id) == before


async def test_refunds_of_one_chunk_never_exceed_it(api: Ledyer, captured: dict[str, Any]) -> None:
    order_id, ledger_id = captured["id"], captured["captured"][0]["ledgerId"]
    path = f"/v1/orders/{order_id}/partialrefund/{ledger_id}"
    assert (await api.post(path, refund_body([ONE_TSHIRT], note="size"))).status_code == 200
    r = await api.post(path, refund_body([ONE_TSHIRT]))
    assert r.status_code == 200
    assert r.json()["refunded"][0]["note"] == "size"
    before = await api.snapshot(order_id)
    r = await api.post(path, refund_body([ONE_TSHIRT]))  # a third T-shirt was never bought
    assert error(r) == (422, "REFUND_LINE_QUANTITY_TOO_LARGE")
    r = await api.post(f"/v1/orders/{order_id}/refund/{ledger_id}")  # not whole any more
    assert error(r) == (409, "ACTION_NOT_AVAILABLE")
    assert await api.snapshot(order_id) == before
    rest = WOO_LINES[1:]
    r = await api.post(path, refund_body(rest))
    assert r.status_code == 200
    order = r.json()
    assert order["status"] == ["fullyCaptured", "fullyRefunded"]
    assert order["refundedAmount"] == order["capturedAmount"]
    assert order["captured"][0]["availableActions"] == []
    before = await api.snapshot(order_id)
    r = await api.post(path, refund_body([WOO_LINES[3]]))
    assert error(r) == (409, "ACTION_NOT_AVAILABLE")
    assert await api.snapshot(order_id) == before


async def test_refunds_need_a_captured_chunk(
    api: Ledyer, merchant: Merchant, captured: dict[str, Any]
) -> None:
    order_id = captured["id"]
    r = await api.post(f"/v1/orders/{order_id}/refund/{captured['captured'][0]['ledgerId']}")
    credit = r.json()["refunded"][0]["ledgerId"]
    fresh = await merchant.order("ledyer", WOO_LINES)
    uncaptured = (await api.order(fresh["orderId"]))["uncaptured"]["ledgerId"]
    one = refund_body([ONE_TSHIRT])
    cases = [
        (order_id, f"refund/{credit}", b"", (409, "ACTION_NOT_AVAILABLE")),
        (order_id, f"partialrefund/{credit}", one, (409, "ACTION_NOT_AVAILABLE")),
        (fresh["orderId"], f"refund/{uncaptured}", b"", (409, "ACTION_NOT_AVAILABLE")),
        (order_id, "refund/in_unknown", b"", (404, "LEDGER_NOT_FOUND")),
        (order_id, "partialrefund/in_unknown", one, (404, "LEDGER_NOT_FOUND")),
        ("or_unknown", f"refund/{credit}", b"", (404, "ORDER_NOT_FOUND")),
    ]  # fmt: skip
    for target, action, body, expected in cases:
        before = await api.snapshot(target) if target != "or_unknown" else None
        r = await api.post(f"/v1/orders/{target}/{action}", body)
        assert error(r) == expected, (action, r.text)
        if before is not None:
            assert await api.snapshot(target) == before


async def test_refund_with_a_note_and_with_an_empty_array(api: Ledyer, merchant: Merchant) -> None:
    for body, note in ((b'{"note": "damaged"}', "damaged"), (b"[]", "")):
        order = await api.captured(await merchant.order("ledyer", WOO_LINES))
        ledger_id = order["captured"][0]["ledgerId"]
        r = await api.post(f"/v1/orders/{order['id']}/refund/{ledger_id}", body)
        assert r.status_code == 200, r.text
        assert r.json()["refunded"][0]["note"] == note
    r = await api.post(f"/v1/orders/{order['id']}/refund/{ledger_id}", b'{"note": 5}')
    assert r.status_code == 400


async def test_refund_auth_and_store_errors(
    api: Ledyer, merchant: Merchant, captured: dict[str, Any], client: httpx.AsyncClient
) -> None:
    order_id, ledger_id = captured["id"], captured["captured"][0]["ledgerId"]
    before = await api.snapshot(order_id)
    path = f"/v1/orders/{order_id}/partialrefund/{ledger_id}"
    body = refund_body([ONE_TSHIRT])
    r = await client.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 401 and r.json()["errors"][0]["message"]
    other = await new_merchant(client)
    r = await client.post(path, content=body, headers=await other.ledyer_headers())
    assert error(r) == (403, "FORBIDDEN")
    store = await merchant.store("ledyer")
    client_id, secret = await merchant.credential([store])
    r = await client.post(
        path, content=body, headers=await merchant.ledyer_headers(client_id, secret)
    )
    assert error(r) == (403, "FORBIDDEN")
    assert await api.snapshot(order_id) == before


async def test_each_capture_has_its_own_refunds(
    api: Ledyer, merchant: Merchant, database_url: str
) -> None:
    created = await merchant.order("ledyer", WOO_LINES[:2])
    order_id = created["orderId"]
    ids = created["lineIds"]
    for line, line_id in zip(WOO_LINES[:2], ids, strict=True):
        body = json.dumps(
            {"orderLines": [{**line, "id": line_id}], "totalCaptureAmount": line["totalAmount"]}
        )
        r = await api.post(f"/v1/orders/{order_id}/partialcapture", body.encode())
        assert r.status_code == 200, r.text
    shirts, ebook = r.json()["captured"]
    r = await api.post(
        f"/v1/orders/{order_id}/partialrefund/{ebook['ledgerId']}", refund_body([ONE_TSHIRT])
    )
    assert error(r) == (422, "REFUND_LINES_DO_NOT_MATCH")  # the T-shirts are the other invoice
    r = await api.post(f"/v1/orders/{order_id}/refund/{shirts['ledgerId']}")
    order = r.json()
    assert order["status"] == ["fullyCaptured", "partiallyRefunded"]
    assert [c["availableActions"] for c in order["captured"]] == [
        [],
        [{"type": "refund"}, {"type": "partialRefund"}],
    ]
    stored = await checked_order(database_url, order_id)
    assert [stored.refunded_of(c) for c in stored.captured] == [20000, 0]

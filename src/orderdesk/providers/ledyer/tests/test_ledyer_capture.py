"""Ledyer partialcapture, capture, edit and cancel: the whole order object after each."""

from typing import Any

import pytest

from tests.support.ledyer_api import get, post, sek
from tests.support.sandbox import IPHONE, SAMSUNG, Merchant, line, new_merchant

PHONE = line("S20", "Samsung S20", 3, 500000)


def without_id(order_line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in order_line.items() if k != "id"}


async def test_the_seed_partial_capture_replayed(merchant: Merchant) -> None:
    created = await merchant.order("ledyer", [SAMSUNG, IPHONE])
    order_id = created["orderId"]
    samsung_id = created["lineIds"][0]
    body = (
        b'{\n"orderLines": [\n{\n'
        b'"description": "SAMSUNG Galaxy S20 FE 4G 128GB (6GB RAM) 6.5 Smartphone - Cl",\n'
        b'"id": "' + samsung_id.encode() + b'",\n"quantity": 1,\n"reference": "1334227",\n'
        b'"totalAmount": 489000,\n"totalVatAmount": 97800,\n"type": "physical",\n'
        b'"unitDiscountAmount": 0,\n"unitPrice": 489000,\n"vat": 2500\n}\n],\n'
        b'"totalCaptureAmount": 489000\n}'
    )
    r = await post(
        merchant,
        f"/v1/orders/{order_id}/partialcapture",
        body,
        {"Idempotency-Key": "da7ca8f9-915b-472b-b5f0-81945bff9e4a"},
    )
    assert r.status_code == 200, r.text
    order = r.json()
    assert order["status"] == ["partiallyCaptured"]
    assert order["capturedAmount"] == sek(489000)
    assert order["uncapturedAmount"] == sek(999000)
    assert order["orderAmount"] == sek(1488000)
    assert order["refundedAmount"] == sek(0)
    assert order["refunded"] == []
    [chunk] = order["captured"]
    assert chunk["availableActions"] == [{"type": "refund"}, {"type": "partialRefund"}]
    assert chunk["ledgerId"].startswith("in_")
    assert chunk["note"] == ""
    assert chunk["status"] == []
    assert chunk["documentReference"].isdigit()
    assert chunk["documentUrl"].startswith(
        f"http://testserver/invoices/{order_id}/{chunk['ledgerId']}.pdf?Expires="
    )
    assert "&Signature=" in chunk["documentUrl"]
    assert chunk["orderLines"] == [{**SAMSUNG, "id": samsung_id}]
    assert chunk["totalOrderAmount"] == sek(489000)
    assert chunk["totalOrderAmountExclVat"] == sek(391200)
    assert chunk["totalOrderVatAmount"] == sek(97800)
    uncaptured = order["uncaptured"]
    assert [without_id(x) for x in uncaptured["orderLines"]] == [IPHONE]
    assert uncaptured["totalOrderAmount"] == sek(999000)
    assert uncaptured["totalOrderAmountExclVat"] == sek(799200)
    assert uncaptured["totalOrderVatAmount"] == sek(199800)
    assert [a["type"] for a in uncaptured["availableActions"]] == [
        "cancel",
        "capture",
        "partialCapture",
        "editCustomer",
        "editOrder",
        "extendOrderExpiry",
    ]
    events = order["events"]
    assert [e["type"] for e in events] == ["partialCapture", "readyForCapture", "create"]
    capture_event = events[0]
    assert capture_event["amount"] == sek(489000)
    assert capture_event["ledgerId"] == chunk["ledgerId"]
    assert capture_event["orderId"] == order_id
    assert order["updatedAt"] == capture_event["createdAt"]
    fetched = await get(merchant, order_id)
    for chunk_view in (*fetched["captured"], *order["captured"]):
        chunk_view.pop("documentUrl")  # signed per answer: its expiry moves on
    assert fetched == order


async def test_one_of_three_phones_then_edit_then_the_rest(merchant: Merchant) -> None:
    created = await merchant.order("ledyer", [PHONE])
    order_id = created["orderId"]
    one = {
        k: v
        for k, v in line("S20", "Samsung S20", 1, 500000).items()
        if k not in ("unitPrice", "unitDiscountAmount")
    }
    r = await post(
        merchant,
        f"/v1/orders/{order_id}/partialcapture",
        {"orderLines": [one], "totalCaptureAmount": 500000},
    )
    assert r.status_code == 200, r.text
    order = r.json()
    assert order["status"] == ["partiallyCaptured"]
    assert order["capturedAmount"] == sek(500000)
    assert order["uncapturedAmount"] == sek(1000000)
    assert [x["quantity"] for x in order["uncaptured"]["orderLines"]] == [3]  # left intact
    captured_line = order["captured"][0]["orderLines"][0]
    assert captured_line["id"] != created["lineIds"][0]
    assert captured_line["unitPrice"] is None

    two = line("S20", "Samsung S20", 2, 500000)
    r = await post(
        merchant,
        f"/v1/orders/{order_id}",
        {
            "orderLines": [two],
            "totalOrderAmount": 1000000,
            "totalOrderAmountExclVat": 800000,
            "totalOrderVatAmount": 200000,
        },
    )
    assert r.status_code == 200, r.text
    order = r.json()
    assert order["status"] == ["partiallyCaptured"]
    assert order["orderAmount"] == sek(1500000)
    assert order["uncapturedAmount"] == sek(1000000)
    assert [without_id(x) for x in order["uncaptured"]["orderLines"]] == [two]
    assert order["events"][0]["type"] == "edit"

    r = await post(
        merchant,
        f"/v1/orders/{order_id}/capture",
        {"orderLines": [two], "totalCaptureAmount": 1000000},
    )
    assert r.status_code == 200, r.text
    order = r.json()
    assert order["status"] == ["fullyCaptured"]
    assert order["uncaptured"] is None
    assert order["capturedAmount"] == sek(1500000)
    assert order["uncapturedAmount"] == sek(0)
    assert [c["totalOrderAmount"]["minorUnits"] for c in order["captured"]] == [500000, 1000000]
    assert [e["type"] for e in order["events"]][:3] == ["fullCapture", "edit", "partialCapture"]
    assert len({c["documentReference"] for c in order["captured"]}) == 2


async def test_full_capture_like_the_woocommerce_plugin_sends_it(merchant: Merchant) -> None:
    created = await merchant.order("ledyer", [SAMSUNG, IPHONE])
    lines = [
        {k: v for k, v in x.items() if k not in ("unitPrice", "unitDiscountAmount")}
        for x in (IPHONE, SAMSUNG)  # any order
    ]
    r = await post(
        merchant,
        f"/v1/orders/{created['orderId']}/capture",
        {"orderLines": lines, "totalCaptureAmount": 1488000},
    )
    assert r.status_code == 200, r.text
    order = r.json()
    assert order["status"] == ["fullyCaptured"]
    assert order["events"][0]["type"] == "fullCapture"
    assert order["captured"][0]["orderLines"][0]["id"] == created["lineIds"][0]


async def test_full_capture_lines_must_match_what_is_left(merchant: Merchant) -> None:
    created = await merchant.order("ledyer", [SAMSUNG, IPHONE])
    order_id = created["orderId"]
    before = await get(merchant, order_id)
    r = await post(
        merchant,
        f"/v1/orders/{order_id}/capture",
        {"orderLines": [SAMSUNG], "totalCaptureAmount": 489000},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "CAPTURE_LINES_DO_NOT_MATCH_UNCAPTURED"
    assert await get(merchant, order_id) == before


@pytest.mark.parametrize(
    ("lines", "total", "status", "code"),
    [
        ([SAMSUNG], 489001, 422, "TOTAL_AMOUNT_MISMATCH"),
        ([{**SAMSUNG, "totalVatAmount": 97900}], 489000, 422, "VAT_AMOUNT_OUT_OF_TOLERANCE"),
        (
            [{**SAMSUNG, "id": "ol_2OC52yClydPxsvKPtujAyQmgRrE"}],
            489000,
            422,
            "CAPTURE_LINE_NOT_FOUND",
        ),
        (
            [line("X", "Big", 1, 1500000)],
            1500000,
            422,
            "CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT",
        ),
        ([{**SAMSUNG, "totalAmount": 489000.0}], 489000, 400, "INVALID_REQUEST"),
        ([{**SAMSUNG, "vat": "2500"}], 489000, 400, "INVALID_REQUEST"),
        ([{**SAMSUNG, "totalAmount": 10**20}], 489000, 400, "INVALID_REQUEST"),
        ([], 0, 400, "INVALID_REQUEST"),
    ],
)
async def test_partial_capture_errors_change_nothing(
    merchant: Merchant, lines: list[dict[str, Any]], total: int, status: int, code: str
) -> None:
    created = await merchant.order("ledyer", [SAMSUNG, IPHONE])
    order_id = created["orderId"]
    before = await get(merchant, order_id)
    r = await post(
        merchant,
        f"/v1/orders/{order_id}/partialcapture",
        {"orderLines": lines, "totalCaptureAmount": total},
    )
    assert r.status_code == status, r.text
    error = r.json()["errors"][0]
    assert error["code"] == code
    assert error["message"]
    assert await get(merchant, order_id) == before


async def test_a_line_id_already_captured(merchant: Merchant) -> None:
    created = await merchant.order("ledyer", [SAMSUNG, IPHONE])
    order_id, samsung_id = created["orderId"], created["lineIds"][0]
    body = {"orderLines": [{**SAMSUNG, "id": samsung_id}], "totalCaptureAmount": 489000}
    assert (await post(merchant, f"/v1/orders/{order_id}/partialcapture", body)).status_code == 200
    r = await post(merchant, f"/v1/orders/{order_id}/partialcapture", body)
    assert r.status_code == 422
    assert r.json()["errors"][0] == {
        "message": f"Order line {samsung_id} is already captured",
        "code": "CAPTURE_LINE_ALREADY_CAPTURED",
        "field": "orderLines[0].id",
    }


async def test_capture_when_the_action_is_not_available(merchant: Merchant) -> None:
    # fully captured
    created = await merchant.order("ledyer", [SAMSUNG])
    order_id = created["orderId"]
    body = {"orderLines": [SAMSUNG], "totalCaptureAmount": 489000}
    assert (await post(merchant, f"/v1/orders/{order_id}/capture", body)).status_code == 200
    for path in ("capture", "partialcapture"):
        r = await post(merchant, f"/v1/orders/{order_id}/{path}", body)
        assert r.status_code == 409
        assert r.json()["errors"][0]["code"] == "ACTION_NOT_AVAILABLE"
    # expired
    expired = await merchant.order("ledyer", [SAMSUNG], expiresAt="2021-01-01T00:00:00+00:00")
    order = await get(merchant, expired["orderId"])
    assert order["status"] == ["uncaptured", "expired"]
    assert order["uncaptured"]["availableActions"] == [
        {"type": "cancel"},
        {"type": "extendOrderExpiry"},
    ]
    r = await post(merchant, f"/v1/orders/{expired['orderId']}/partialcapture", body)
    assert r.status_code == 409
    assert r.json()["errors"][0]["code"] == "ACTION_NOT_AVAILABLE"
    # cancelled
    cancelled = await merchant.order("ledyer", [SAMSUNG])
    r = await merchant.client.delete(
        f"/v1/orders/{cancelled['orderId']}", headers=await merchant.ledyer_headers()
    )
    assert r.status_code == 200
    assert r.json()["status"] == ["cancelled"]
    assert r.json()["uncaptured"] is None
    assert r.json()["events"][0]["type"] == "cancel"
    assert r.json()["events"][0]["amount"] == sek(489000)
    r = await post(merchant, f"/v1/orders/{cancelled['orderId']}/partialcapture", body)
    assert r.status_code == 409
    assert r.json()["errors"][0]["code"] == "ACTION_NOT_AVAILABLE"


async def test_cancel_after_a_partial_capture_keeps_the_capture(merchant: Merchant) -> None:
    created = await merchant.order("ledyer", [SAMSUNG, IPHONE])
    order_id = created["orderId"]
    body = {"orderLines": [{**SAMSUNG, "id": created["lineIds"][0]}], "totalCaptureAmount": 489000}
    assert (await post(merchant, f"/v1/orders/{order_id}/partialcapture", body)).status_code == 200
    r = await merchant.client.delete(
        f"/v1/orders/{order_id}", headers=await merchant.ledyer_headers()
    )
    order = r.json()
    assert order["status"] == ["partiallyCaptured", "cancelled"]
    assert order["capturedAmount"] == sek(489000)
    assert order["orderAmount"] == sek(489000)
    assert order["uncapturedAmount"] == sek(0)


@pytest.mark.parametrize(
    ("edit", "status", "code"),
    [
        (
            {
                "orderLines": [line("S20", "S", 2, 500000)],
                "totalOrderAmount": 1000001,
                "totalOrderAmountExclVat": 800001,
                "totalOrderVatAmount": 200000,
            },
            422,
            "TOTAL_AMOUNT_MISMATCH",
        ),
        (
            {
                "orderLines": [line("S20", "S", 2, 500000)],
                "totalOrderAmount": 1000000,
                "totalOrderAmountExclVat": 800001,
                "totalOrderVatAmount": 200000,
            },
            422,
            "TOTAL_AMOUNT_MISMATCH",
        ),
        (
            {"orderLines": [line("S20", "S", 2, 500000)], "totalOrderAmount": 1000000},
            400,
            "INVALID_REQUEST",
        ),
    ],
)
async def test_edit_rules(merchant: Merchant, edit: dict[str, Any], status: int, code: str) -> None:
    created = await merchant.order("ledyer", [PHONE])
    before = await get(merchant, created["orderId"])
    r = await post(merchant, f"/v1/orders/{created['orderId']}", edit)
    assert r.status_code == status, r.text
    assert r.json()["errors"][0]["code"] == code
    assert await get(merchant, created["orderId"]) == before


async def test_edit_lowers_the_order_before_any_capture(merchant: Merchant) -> None:
    created = await merchant.order("ledyer", [PHONE])
    two = line("S20", "Samsung S20", 2, 500000)
    r = await post(
        merchant,
        f"/v1/orders/{created['orderId']}",
        {
            "orderLines": [two],
            "totalOrderAmount": 1000000,
            "totalOrderAmountExclVat": 800000,
            "totalOrderVatAmount": 200000,
        },
    )
    order = r.json()
    assert order["status"] == ["uncaptured"]
    assert order["orderAmount"] == sek(1000000)
    assert order["uncapturedAmount"] == sek(1000000)


async def test_idempotency_key_never_captures_twice(merchant: Merchant) -> None:
    created = await merchant.order("ledyer", [PHONE])
    one = line("S20", "Samsung S20", 1, 500000)
    body = {"orderLines": [one], "totalCaptureAmount": 500000}
    key = {"Idempotency-Key": "b0a1b2c3-0000-4000-8000-000000000001"}
    first = await post(merchant, f"/v1/orders/{created['orderId']}/partialcapture", body, key)
    again = await post(merchant, f"/v1/orders/{created['orderId']}/partialcapture", body, key)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    order = await get(merchant, created["orderId"])
    assert len(order["captured"]) == 1
    assert order["capturedAmount"] == sek(500000)


async def test_ledyer_capture_auth_errors(merchant: Merchant) -> None:
    created = await merchant.order("ledyer", [SAMSUNG])
    body = {"orderLines": [SAMSUNG], "totalCaptureAmount": 489000}
    path = f"/v1/orders/{created['orderId']}/partialcapture"
    r = await merchant.client.post(path, json=body)
    assert r.status_code == 401
    other = await new_merchant(merchant.client)
    r = await merchant.client.post(path, json=body, headers=await other.ledyer_headers())
    assert r.status_code == 403
    r = await post(merchant, "/v1/orders/or_2OC51O5BycRRDboM4PPjYSz0vm5/partialcapture", body)
    assert r.status_code == 404
    assert (await get(merchant, created["orderId"]))["status"] == ["uncaptured"]


async def test_the_document_url_serves_the_invoice_pdf(merchant: Merchant) -> None:
    created = await merchant.order("ledyer", [SAMSUNG, IPHONE])
    body = {"orderLines": [{**SAMSUNG, "id": created["lineIds"][0]}], "totalCaptureAmount": 489000}
    order = (await post(merchant, f"/v1/orders/{created['orderId']}/partialcapture", body)).json()
    url = order["captured"][0]["documentUrl"].removeprefix("http://testserver")
    r = await merchant.client.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")
    tampered = url.replace("Signature=", "Signature=x")
    assert (await merchant.client.get(tampered)).status_code == 403
    expired = url.split("?")[0] + "?Expires=1000&Signature=abc"
    assert (await merchant.client.get(expired)).status_code == 410

"""Walley POST /manage/orders/{id}/capture: every mode and rule of the seed, as clients send it."""

from typing import Any

import httpx
import pytest

from tests.support.sandbox import SHOES, TSHIRTS, Merchant, line, new_merchant
from tests.support.walley_api import accepted, capture, get, walley_order

SOCKS = line("10003", "Socks", 1, 5000)


# -- the seed's four requests, verbatim ---------------------------------------------------------
async def test_seed_full_capture(merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    body = b"""{
"amount": 285.0,
"description": "Capture description",
"actionReference": "test-captureref-123"
}"""
    accepted(await capture(merchant, order_id, body), order_id)
    data = await get(merchant, order_id)
    assert data["status"] == "Activated"
    assert data["expiresAt"] is None
    assert len(data["invoices"]) == 1
    invoice = data["invoices"][0]
    assert invoice["totalAmount"] == 285
    assert invoice["paymentStatus"] == "NotPaid"
    assert invoice["description"] == "Capture description"
    assert invoice["actionReference"] == "test-captureref-123"
    assert invoice["invoiceNumber"].isdigit()
    assert [(i["articleNumber"], i["quantity"]) for i in data["items"]] == [
        ("10001", 1),
        ("10002", 2),
    ]


async def test_seed_part_capture_by_items(merchant: Merchant) -> None:
    order_id = await walley_order(merchant, [SHOES, TSHIRTS, SOCKS])
    body = b"""{
"amount": 285.0,
"actionReference": "test-captureref-123",
"items": [
{
"id": "10001",
"description": "Shoes",
"unitPrice": 95,
"quantity": 1
},
{
"id": "10002",
"description": "T-Shirt",
"unitPrice": 95,
"quantity": 2
}
]
}"""
    accepted(await capture(merchant, order_id, body), order_id)
    data = await get(merchant, order_id)
    assert data["status"] == "PartActivated"
    assert data["totalAmount"] == 335
    assert [inv["totalAmount"] for inv in data["invoices"]] == [285]
    # Socks are still uncaptured and can be captured by item
    accepted(
        await capture(
            merchant,
            order_id,
            {"amount": 50, "items": [{"id": "10003", "unitPrice": 50, "quantity": 1}]},
        ),
        order_id,
    )
    assert (await get(merchant, order_id))["status"] == "Activated"


async def test_seed_part_capture_by_amount(merchant: Merchant) -> None:
    order_id = await walley_order(merchant, [SHOES, TSHIRTS, SOCKS])
    body = b"""{
"amount": 285.0,
"description": "capture description",
"actionReference": "test-captureref-123"
}"""
    accepted(await capture(merchant, order_id, body), order_id)
    data = await get(merchant, order_id)
    assert data["status"] == "PartActivated"
    assert [(i["description"], i["totalAmount"]) for i in data["items"]] == [
        ("capture description", 285),
        ("Remaining amount", 50),
    ]
    # the original lines can no longer be captured by item
    r = await capture(
        merchant,
        order_id,
        {"amount": 50, "items": [{"id": "10003", "unitPrice": 50, "quantity": 1}]},
    )
    assert r.status_code == 422
    assert r.json()["error"]["errors"][0]["reason"] == "CAPTURE_ITEM_NOT_MATCHED"


@pytest.mark.parametrize("description", [None, "", "   "])
async def test_part_capture_by_amount_uses_a_default_description(
    merchant: Merchant, description: str | None
) -> None:
    order_id = await walley_order(merchant)
    body: dict[str, Any] = {"amount": 100}
    if description is not None:
        body["description"] = description
    accepted(await capture(merchant, order_id, body), order_id)
    data = await get(merchant, order_id)
    assert data["items"][0]["description"] == "Part capture"


async def test_part_capture_by_amount_is_b2c_only(client: httpx.AsyncClient) -> None:
    b2b = await new_merchant(client, segment="B2B")
    order_id = await walley_order(b2b)
    before = await get(b2b, order_id)
    r = await capture(b2b, order_id, {"amount": 100})
    assert r.status_code == 422
    assert r.json()["error"]["errors"][0]["reason"] == "CAPTURE_BY_AMOUNT_NOT_ALLOWED_FOR_B2B"
    assert await get(b2b, order_id) == before
    accepted(await capture(b2b, order_id, {"amount": 285}), order_id)  # full capture is fine


async def test_seed_capture_while_replacing_items(merchant: Merchant) -> None:
    order_id = await walley_order(merchant, [line("OLD", "Old article", 1, 40000)])
    body = b"""{
"amount": 285.0,
"actionReference": "test-captureref-123",
"items": [
{
"id": "10001",
"description": "Shoes",
"unitPrice": 95,
"quantity": 1,
"vat": 25
},
{
"id": "10002",
"description": "T-Shirt",
"unitPrice": 95,
"quantity": 2,
"vat": 25
}
],
"replaceItems": true
}"""
    accepted(await capture(merchant, order_id, body), order_id)
    data = await get(merchant, order_id)
    assert data["status"] == "PartActivated"
    assert [
        (i["articleNumber"], i["quantity"], i["vatRate"], i["totalAmount"]) for i in data["items"]
    ] == [
        ("10001", 1, 25, 95),
        ("10002", 2, 25, 190),
        ("", 1, 0, 115),
    ]
    # repeat to add a new item for the rest
    again = {
        "amount": 115,
        "replaceItems": True,
        "items": [
            {"id": "10009", "description": "Cap", "unitPrice": 115, "quantity": 1, "vat": 25}
        ],
    }
    accepted(await capture(merchant, order_id, again), order_id)
    assert (await get(merchant, order_id))["status"] == "Activated"


# -- what real clients send -----------------------------------------------------------------------
async def test_string_amounts_and_pascal_case_names_like_the_woocommerce_plugin(
    merchant: Merchant,
) -> None:
    order_id = await walley_order(merchant)
    body = {
        "amount": "190.00",
        "items": [
            {
                "id": "10002",
                "Description": "T-Shirt",
                "Quantity": 2,
                "UnitPrice": "95.00",
                "vat": 25.0,
            }
        ],
    }
    accepted(await capture(merchant, order_id, body), order_id)
    data = await get(merchant, order_id)
    assert data["status"] == "PartActivated"
    assert data["invoices"][0]["totalAmount"] == 190


async def test_items_with_type_and_float_vat_like_the_php_sdk(merchant: Merchant) -> None:
    fee = line("fee", "Invoice fee", 1, 2900, type_="fee")
    order_id = await walley_order(merchant, [SHOES, fee])
    body = (
        b'{"amount": 124.0, "actionReference": "5f2b1c", "items": ['
        b'{"id": "10001", "description": "Shoes", "quantity": 1, "unitPrice": 95.0,'
        b' "type": "physical", "vat": 25.0},'
        b'{"id": "fee", "description": "Invoice fee", "quantity": 1, "unitPrice": 29.0,'
        b' "type": "fee", "vat": 25.0}]}'
    )
    accepted(await capture(merchant, order_id, body), order_id)
    assert (await get(merchant, order_id))["status"] == "Activated"


async def test_partial_quantity_leaves_the_rest_uncaptured(merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    body = {"amount": 95, "items": [{"id": "10002", "unitPrice": 95, "quantity": 1}]}
    accepted(await capture(merchant, order_id, body), order_id)
    accepted(await capture(merchant, order_id, body), order_id)
    r = await capture(merchant, order_id, body)
    assert r.status_code == 422
    assert r.json()["error"]["errors"][0]["reason"] == "CAPTURE_ITEM_NOT_MATCHED"
    data = await get(merchant, order_id)
    assert data["status"] == "PartActivated"
    assert [inv["totalAmount"] for inv in data["invoices"]] == [95, 95]


async def test_an_unmatched_item_names_the_item(merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    r = await capture(
        merchant,
        order_id,
        {"amount": 10, "items": [{"id": "NOPE", "unitPrice": 10, "quantity": 1}]},
    )
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == 422
    assert error["errors"][0]["reason"] == "CAPTURE_ITEM_NOT_MATCHED"
    assert "items[0] (NOPE)" in error["errors"][0]["message"]


async def test_same_idempotency_key_twice_captures_once(merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    body = {"amount": 95, "items": [{"id": "10001", "unitPrice": 95, "quantity": 1}]}
    for header in ("X-Idempotency", "x-idempotency", "X-IDEMPOTENCY"):
        accepted(await capture(merchant, order_id, body, {header: "03304b06-cb33-4f78"}), order_id)
    data = await get(merchant, order_id)
    assert [inv["totalAmount"] for inv in data["invoices"]] == [95]


# -- the seed's error table (422, Walley envelope), each leaving the order unchanged ------------
ERROR_CASES = [
    (
        "CAPTURE_ITEMS_AMOUNT_NOT_EQUAL_TO_TOTAL_AMOUNT",
        {"amount": 100, "items": [{"id": "10001", "unitPrice": 95, "quantity": 1}]},
    ),
    ("CAPTURE_DESCRIPTION_TOO_LONG", {"amount": 285, "description": "x" * 51}),
    ("CAPTURE_AMOUNT_MUST_NOT_BE_NEGATIVE", {"amount": -1}),
    ("CAPTURE_AMOUNT_TOO_LARGE", {"amount": 285.01}),
    ("CAPTURE_AMOUNT_HAS_TOO_MANY_DECIMALS", {"amount": "95.001"}),
    (
        "CAPTURE_ITEMS_UNITPRICE_HAS_TOO_MANY_DECIMALS",
        {"amount": 95, "items": [{"id": "10001", "unitPrice": 94.999, "quantity": 1}]},
    ),
]


@pytest.mark.parametrize(("reason", "body"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
async def test_rule_errors(merchant: Merchant, reason: str, body: dict[str, Any]) -> None:
    order_id = await walley_order(merchant)
    before = await get(merchant, order_id)
    r = await capture(merchant, order_id, body)
    assert r.status_code == 422, r.text
    payload = r.json()
    assert set(payload) == {"id", "error"}
    assert payload["error"]["code"] == 422
    assert payload["error"]["errors"][0]["reason"] == reason
    assert payload["error"]["errors"][0]["message"]
    assert await get(merchant, order_id) == before


async def test_description_of_fifty_characters_is_fine(merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    accepted(await capture(merchant, order_id, {"amount": 285, "description": "x" * 50}), order_id)


async def test_already_captured(merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    accepted(await capture(merchant, order_id, {"amount": 285}), order_id)
    before = await get(merchant, order_id)
    r = await capture(merchant, order_id, {"amount": 285})
    assert r.status_code == 422
    assert r.json()["error"]["errors"][0]["reason"] == "CAPTURE_ORDER_ALREADY_CAPTURED"
    assert await get(merchant, order_id) == before


async def test_greater_than_what_is_left(merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    accepted(
        await capture(
            merchant,
            order_id,
            {"amount": 95, "items": [{"id": "10001", "unitPrice": 95, "quantity": 1}]},
        ),
        order_id,
    )
    before = await get(merchant, order_id)
    r = await capture(merchant, order_id, {"amount": 200})
    assert r.status_code == 422
    assert r.json()["error"]["errors"][0]["reason"] == "CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT"
    assert await get(merchant, order_id) == before


@pytest.mark.parametrize("how", ["expired", "closed"])
async def test_invalid_invoice_status(merchant: Merchant, how: str) -> None:
    extra = {"expiresAt": "2020-01-01T00:00:00Z"} if how == "expired" else {}
    created = await merchant.order("walley", [SHOES], **extra)
    order_id = created["orderId"]
    if how == "closed":
        from tests.support.sandbox import ADMIN

        r = await merchant.client.post(f"/sandbox/orders/{order_id}/close", headers=ADMIN)
        assert r.status_code == 200
    before = await get(merchant, order_id)
    assert before["status"] == ("Expired" if how == "expired" else "Closed")
    r = await capture(merchant, order_id, {"amount": 95})
    assert r.status_code == 422
    assert r.json()["error"]["errors"][0]["reason"] == "CAPTURE_INVALID_INVOICE_STATUS"
    assert await get(merchant, order_id) == before


# -- malformed requests: 400 in the same envelope ----------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{}",
        b"{not json",
        b"[]",
        b'{"amount": null}',
        b'{"amount": true}',
        b'{"amount": "95,00"}',
        b'{"amount": 95, "items": {"id": 1}}',
        b'{"amount": 95, "items": [{"id": "10001", "quantity": 1}]}',
        b'{"amount": 95, "items": [{"id": "10001", "unitPrice": 95, "quantity": 1.5}]}',
        b'{"amount": 95, "actionReference": 123}',
        b'{"amount": 95, "actionReference": "' + b"x" * 256 + b'"}',
        b'{"amount": 95, "description": 5}',
        b'{"amount": 95, "replaceItems": "yes"}',
        b'{"amount": 95, "amount": 96}',
        b'{"amount": NaN}',
    ],
)
async def test_malformed_bodies_are_400(merchant: Merchant, body: bytes) -> None:
    order_id = await walley_order(merchant)
    before = await get(merchant, order_id)
    r = await capture(merchant, order_id, body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == 400
    assert r.json()["error"]["errors"][0]["reason"] == "INVALID_REQUEST"
    assert await get(merchant, order_id) == before


async def test_capture_auth_errors(merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    r = await merchant.client.post(f"/manage/orders/{order_id}/capture", json={"amount": 285})
    assert r.status_code == 401
    other = await new_merchant(merchant.client)
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/capture",
        json={"amount": 285},
        headers=await other.walley_headers(),
    )
    assert r.status_code == 403
    r = await capture(merchant, "1b1f5ef6-92a1-4b46-b1dc-ae2e00c4c315", {"amount": 285})
    assert r.status_code == 404
    assert r.json()["error"]["errors"][0]["reason"] == "ORDER_NOT_FOUND"
    assert (await get(merchant, order_id))["status"] == "NotActivated"

"""GET order in both dialects, and who may see which order."""

import re

from tests.support.sandbox import IPHONE, SAMSUNG, SHOES, TSHIRTS, Merchant, new_merchant

AMOUNT_KEYS = ["amount", "currency", "formatted", "formattedWithCurrency", "minorUnits"]
ORDER_KEYS = {
    "authorizeStatus",
    "captured",
    "capturedAmount",
    "createdAt",
    "customer",
    "events",
    "expiresAt",
    "id",
    "merchantId",
    "merchantReference",
    "orderAmount",
    "orderReference",
    "paymentMethod",
    "riskProfile",
    "refunded",
    "refundedAmount",
    "status",
    "storeId",
    "uncaptured",
    "uncapturedAmount",
    "updatedAt",
}
CHUNK_KEYS = {
    "availableActions",
    "createdAt",
    "ledgerId",
    "note",
    "orderLines",
    "status",
    "totalOrderAmount",
    "totalOrderAmountExclVat",
    "totalOrderVatAmount",
}
LINE_KEYS = {
    "description",
    "id",
    "quantity",
    "reference",
    "totalAmount",
    "totalVatAmount",
    "type",
    "unitDiscountAmount",
    "unitPrice",
    "vat",
}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def sek(minor: int, formatted: str) -> dict[str, object]:
    return {
        "amount": formatted.replace(",", ""),
        "currency": "SEK",
        "formatted": formatted,
        "formattedWithCurrency": f"SEK {formatted}",
        "minorUnits": minor,
    }


async def test_ledyer_get_order_has_every_field_of_the_seed(merchant: Merchant) -> None:
    created = await merchant.order(
        "ledyer",
        [SAMSUNG, IPHONE],
        merchantReference="or_24y1E89OBs0KjAmRXEJu5pivxt4",
        totalOrderVatAmount=297600,
    )
    headers = await merchant.ledyer_headers()
    r = await merchant.client.get(f"/v1/orders/{created['orderId']}", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    order = r.json()
    assert set(order) == ORDER_KEYS
    assert order["id"] == created["orderId"] and order["id"].startswith("or_")
    assert order["merchantId"] == merchant.merchant_id and order["merchantId"].startswith("ac_")
    assert order["storeId"] == merchant.stores["ledyer"]
    assert order["merchantReference"] == "or_24y1E89OBs0KjAmRXEJu5pivxt4"
    assert re.fullmatch(r"[A-Z0-9]{8}", order["orderReference"])
    assert order["authorizeStatus"] == "authorized"
    assert order["status"] == ["uncaptured"]
    assert order["orderAmount"] == sek(1488000, "14,880.00")
    assert order["uncapturedAmount"] == sek(1488000, "14,880.00")
    assert order["capturedAmount"] == sek(0, "0.00")
    assert order["refundedAmount"] == sek(0, "0.00")
    assert list(order["orderAmount"]) == AMOUNT_KEYS
    assert order["captured"] == [] and order["refunded"] == []
    assert order["paymentMethod"] == {"provider": "ledyer", "type": "invoice"}
    assert order["riskProfile"] == {"tags": []}
    for key in ("createdAt", "expiresAt", "updatedAt"):
        assert TIMESTAMP.match(order[key]), order[key]
    uncaptured = order["uncaptured"]
    assert set(uncaptured) == CHUNK_KEYS
    assert uncaptured["ledgerId"].startswith("in_")
    assert uncaptured["availableActions"] == [
        {"type": t}
        for t in (
            "cancel",
            "capture",
            "partialCapture",
            "editCustomer",
            "editOrder",
            "extendOrderExpiry",
        )
    ]
    assert uncaptured["totalOrderAmount"] == sek(1488000, "14,880.00")
    assert uncaptured["totalOrderAmountExclVat"] == sek(1190400, "11,904.00")
    assert uncaptured["totalOrderVatAmount"] == sek(297600, "2,976.00")
    samsung, iphone = uncaptured["orderLines"]
    assert set(samsung) == LINE_KEYS
    assert samsung["id"].startswith("ol_") and samsung["id"] in created["lineIds"]
    assert {k: v for k, v in samsung.items() if k != "id"} == SAMSUNG
    assert {k: v for k, v in iphone.items() if k != "id"} == IPHONE
    events = order["events"]
    assert [e["type"] for e in events] == ["readyForCapture", "create"]
    create = events[-1]
    assert set(create) == {"amount", "createdAt", "id", "ledgerId", "orderId", "type"}
    assert create["amount"] == sek(1488000, "14,880.00")
    assert create["orderId"] == order["id"] and create["id"].startswith("oe_")
    assert create["ledgerId"] == uncaptured["ledgerId"]
    assert order["updatedAt"] == create["createdAt"]


async def test_walley_get_order_of_the_seed_example_is_not_activated(merchant: Merchant) -> None:
    created = await merchant.order(
        "walley",
        [SHOES, TSHIRTS],
        merchantReference="shop-1001",
        customer={
            "firstName": "Sven",
            "lastName": "Svensson",
            "email": "sven@example.com",
            "billingAddress": {
                "streetAddress": "Gatan 1",
                "postalCode": "11151",
                "city": "Stockholm",
                "country": "SE",
            },
        },
    )
    headers = await merchant.walley_headers()
    r = await merchant.client.get(f"/manage/orders/{created['orderId']}", headers=headers)
    assert r.status_code == 200
    assert '"totalAmount":285.00' in r.text  # a decimal number, never a float artefact
    data = r.json()["data"]
    assert data["id"] == created["orderId"]
    assert data["reference"] == "shop-1001"
    assert data["status"] == "NotActivated"
    assert data["currency"] == "SEK" and data["countryCode"] == "SE"
    assert data["salesSegment"] == "B2C"
    assert data["totalAmount"] == 285
    assert data["placedAt"].endswith("+00:00") and data["expiresAt"].endswith("+00:00")
    assert data["customer"]["type"] == "Person"
    assert data["customer"]["name"] == "Sven Svensson"
    assert data["customer"]["addressLine1"] == "Gatan 1"
    assert [
        {k: item[k] for k in ("articleNumber", "description", "quantity", "vatRate", "price")}
        for item in data["items"]
    ] == [
        {
            "articleNumber": "10001",
            "description": "Shoes",
            "quantity": 1,
            "vatRate": 25,
            "price": 95,
        },
        {
            "articleNumber": "10002",
            "description": "T-Shirt",
            "quantity": 2,
            "vatRate": 25,
            "price": 95,
        },
    ]
    assert data["invoices"] == []


async def test_unknown_orders_are_404_in_each_envelope(merchant: Merchant) -> None:
    walley = await merchant.walley_headers()
    ledyer = await merchant.ledyer_headers()
    for order_id in ("1b1f5ef6-92a1-4b46-b1dc-ae2e00c4c315", "not-a-uuid"):
        r = await merchant.client.get(f"/manage/orders/{order_id}", headers=walley)
        assert r.status_code == 404
        assert r.json()["error"]["code"] == 404
        assert r.json()["error"]["errors"][0]["reason"] == "ORDER_NOT_FOUND"
    r = await merchant.client.get("/v1/orders/or_2OC51O5BycRRDboM4PPjYSz0vm5", headers=ledyer)
    assert r.status_code == 404
    assert r.json() == {
        "errors": [
            {
                "message": "Order or_2OC51O5BycRRDboM4PPjYSz0vm5 was not found",
                "code": "ORDER_NOT_FOUND",
            }
        ]
    }


async def test_an_order_of_the_other_dialect_is_not_found(merchant: Merchant) -> None:
    ledyer_order = await merchant.order("ledyer", [SHOES])
    walley_order = await merchant.order("walley", [SHOES])
    r = await merchant.client.get(
        f"/v1/orders/{walley_order['orderId']}", headers=await merchant.ledyer_headers()
    )
    assert r.status_code == 404
    r = await merchant.client.get(
        f"/manage/orders/{ledyer_order['orderId']}", headers=await merchant.walley_headers()
    )
    assert r.status_code == 404


async def test_orders_of_stores_the_credential_may_not_use_are_403(merchant: Merchant) -> None:
    other = await new_merchant(merchant.client)
    walley_order = await other.order("walley", [SHOES])
    ledyer_order = await other.order("ledyer", [SHOES])
    r = await merchant.client.get(
        f"/manage/orders/{walley_order['orderId']}", headers=await merchant.walley_headers()
    )
    assert r.status_code == 403
    assert r.json()["error"]["errors"][0]["reason"] == "FORBIDDEN"
    r = await merchant.client.get(
        f"/v1/orders/{ledyer_order['orderId']}", headers=await merchant.ledyer_headers()
    )
    assert r.status_code == 403
    assert r.json()["errors"][0]["code"] == "FORBIDDEN"
    # a credential limited to one store of the same merchant
    limited_id, limited_secret = await other.credential([other.stores["ledyer"]])
    headers = await other.walley_headers(limited_id, limited_secret)
    r = await merchant.client.get(f"/manage/orders/{walley_order['orderId']}", headers=headers)
    assert r.status_code == 403
    headers = await other.ledyer_headers(limited_id, limited_secret)
    r = await merchant.client.get(f"/v1/orders/{ledyer_order['orderId']}", headers=headers)
    assert r.status_code == 200

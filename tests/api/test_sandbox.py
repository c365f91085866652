"""The sandbox API: what a checkout would create, and the orders it refuses."""

from typing import Any

import pytest
from fastapi import FastAPI

from tests.support.sandbox import ADMIN, SAMSUNG, SHOES, Merchant, line


async def order_count(app: FastAPI) -> int:
    async with app.state.pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM orders")
    return count


async def test_the_admin_token_guards_the_sandbox(merchant: Merchant) -> None:
    for headers in ({}, {"authorization": "Bearer wrong"}):
        r = await merchant.client.post("/sandbox/merchants", json={"name": "x"}, headers=headers)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "UNAUTHORIZED"


async def test_a_walley_order_gets_a_uuid_and_a_ledyer_order_a_ksuid(merchant: Merchant) -> None:
    walley = await merchant.order("walley", [SHOES])
    ledyer = await merchant.order("ledyer", [SHOES])
    assert len(walley["orderId"]) == 36 and walley["orderId"].count("-") == 4
    assert ledyer["orderId"].startswith("or_") and len(ledyer["orderId"]) == 30
    assert walley["path"] == f"/manage/orders/{walley['orderId']}"
    assert ledyer["path"] == f"/v1/orders/{ledyer['orderId']}"
    assert walley["orderAmount"] == 9500 and walley["uncapturedAmount"] == 9500


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"totalOrderAmount": 489001}, 422, "TOTAL_AMOUNT_MISMATCH"),
        ({"totalOrderVatAmount": 97801}, 422, "TOTAL_AMOUNT_MISMATCH"),
        ({"line": {"totalVatAmount": 97802}}, 422, "VAT_AMOUNT_OUT_OF_TOLERANCE"),
        ({"line": {"totalAmount": 489100, "totalVatAmount": 97820}}, 422, "LINE_TOTAL_MISMATCH"),
        ({"line": {"quantity": -1}}, 400, "INVALID_REQUEST"),
        ({"line": {"vat": 10001}}, 400, "INVALID_REQUEST"),
        ({"line": {"totalAmount": 489000.0}}, 400, "INVALID_REQUEST"),
        ({"line": {"totalAmount": "489000"}}, 400, "INVALID_REQUEST"),
        ({"orderLines": []}, 400, "INVALID_REQUEST"),
        ({"storeId": "no-such-store"}, 404, "STORE_NOT_FOUND"),
    ],
)
async def test_inconsistent_orders_are_refused_and_nothing_is_written(
    app: FastAPI, merchant: Merchant, change: dict[str, Any], status: int, code: str
) -> None:
    body: dict[str, Any] = {
        "storeId": merchant.stores["ledyer"],
        "orderLines": [{**SAMSUNG, **change.pop("line", {})}],
        "totalOrderAmount": 489000,
        **change,
    }
    before = await order_count(app)
    r = await merchant.client.post("/sandbox/orders", json=body, headers=ADMIN)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert r.json()["error"]["message"]
    assert await order_count(app) == before


async def test_vat_within_one_minor_unit_is_accepted(merchant: Merchant) -> None:
    order = await merchant.order("ledyer", [{**SAMSUNG, "totalVatAmount": 97801}])
    assert order["orderAmount"] == 489000


async def test_discount_lines_may_be_negative(merchant: Merchant) -> None:
    discount = line("Discount", "Discount", 1, -10000)
    order = await merchant.order("ledyer", [SAMSUNG, discount])
    assert order["orderAmount"] == 479000


@pytest.mark.parametrize(
    ("store", "status", "code"),
    [
        ({"provider": "walley", "country": "SE", "currency": "XXX"}, 422, "UNKNOWN_CURRENCY"),
        ({"provider": "walley", "country": "SE", "currency": "sek"}, 400, "INVALID_REQUEST"),
        ({"provider": "adyen", "country": "SE", "currency": "SEK"}, 400, "INVALID_REQUEST"),
        (
            {"provider": "ledyer", "country": "SE", "currency": "SEK", "segment": "B2X"},
            400,
            "INVALID_REQUEST",
        ),
    ],
)
async def test_stores_need_a_known_currency_and_provider(
    merchant: Merchant, store: dict[str, str], status: int, code: str
) -> None:
    r = await merchant.client.post(
        f"/sandbox/merchants/{merchant.merchant_id}/stores", json=store, headers=ADMIN
    )
    assert r.status_code == status
    assert r.json()["error"]["code"] == code


async def test_a_credential_cannot_name_another_merchants_store(merchant: Merchant) -> None:
    r = await merchant.client.post("/sandbox/merchants", json={"name": "Other"}, headers=ADMIN)
    other_id = r.json()["merchantId"]
    r = await merchant.client.post(
        f"/sandbox/merchants/{other_id}/credentials",
        json={"storeIds": [merchant.stores["walley"]]},
        headers=ADMIN,
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "STORE_NOT_OF_MERCHANT"


async def test_the_store_id_can_be_chosen_once(merchant: Merchant) -> None:
    body = {"storeId": "970245072", "provider": "ledyer", "country": "SE", "currency": "SEK"}
    first = await merchant.client.post(
        f"/sandbox/merchants/{merchant.merchant_id}/stores", json=body, headers=ADMIN
    )
    again = await merchant.client.post(
        f"/sandbox/merchants/{merchant.merchant_id}/stores", json=body, headers=ADMIN
    )
    assert first.status_code in (201, 422)  # another test run may have taken it already
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "STORE_EXISTS"


async def test_an_expiry_with_an_offset_is_stored_in_utc(merchant: Merchant) -> None:
    created = await merchant.order("ledyer", [SAMSUNG], expiresAt="2030-01-01T02:30:00+02:00")
    r = await merchant.client.get(
        f"/v1/orders/{created['orderId']}", headers=await merchant.ledyer_headers()
    )
    assert r.json()["expiresAt"] == "2030-01-01T00:30:00.000000Z"


async def test_a_store_reset_deletes_its_orders_keys_and_faults_only(merchant: Merchant) -> None:
    headers = await merchant.ledyer_headers()
    doomed = await merchant.order("ledyer", [SAMSUNG])
    kept = await merchant.order("walley", [SHOES])
    line = {**SAMSUNG, "id": doomed["lineIds"][0]}
    captured = await merchant.client.post(
        f"/v1/orders/{doomed['orderId']}/partialcapture",
        json={"orderLines": [line], "totalCaptureAmount": SAMSUNG["totalAmount"]},
        headers={**headers, "Idempotency-Key": "reset-me"},
    )
    assert captured.status_code == 200
    store = merchant.stores["ledyer"]
    fault = await merchant.client.post(
        "/sandbox/faults", json={"storeId": store, "count": 3}, headers=ADMIN
    )
    assert fault.status_code == 201
    session = await merchant.client.post(
        "/sandbox/checkouts", json={"storeId": store, "orderLines": [SHOES]}, headers=ADMIN
    )
    assert session.status_code == 201

    r = await merchant.client.post(f"/sandbox/stores/{store}/reset", headers=ADMIN)
    assert r.status_code == 200
    assert r.json() == {
        "storeId": store,
        "deleted": {"orders": 1, "idempotencyKeys": 1, "faults": 1, "checkoutSessions": 1},
    }
    gone_session = await merchant.client.get(
        f"/sandbox/checkouts/{session.json()['checkoutId']}", headers=ADMIN
    )
    assert gone_session.status_code == 404
    gone = await merchant.client.get(f"/v1/orders/{doomed['orderId']}", headers=headers)
    assert gone.status_code == 404
    walley = await merchant.walley_headers()
    still = await merchant.client.get(f"/manage/orders/{kept['orderId']}", headers=walley)
    assert still.status_code == 200
    # the store itself stays: new orders can be made in it
    assert (await merchant.order("ledyer", [SAMSUNG]))["storeId"] == store

    r = await merchant.client.post("/sandbox/stores/no-such-store/reset", headers=ADMIN)
    assert r.status_code == 404
    assert r.json() == {
        "error": {"code": "STORE_NOT_FOUND", "message": "Store no-such-store was not found"}
    }

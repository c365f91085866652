"""Walley POST /manage/orders/{id}/cancel."""

from tests.support.sandbox import Merchant
from tests.support.walley_api import accepted, capture, get, walley_order


async def test_cancel_releases_what_is_not_captured(merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    headers = await merchant.walley_headers()
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/cancel", json={"actionReference": "cancel-1"}, headers=headers
    )
    accepted(r, order_id)
    data = await get(merchant, order_id)
    assert data["status"] == "Cancelled"
    r = await capture(merchant, order_id, {"amount": 285})
    assert r.status_code == 422
    assert r.json()["error"]["errors"][0]["reason"] == "CAPTURE_INVALID_INVOICE_STATUS"


async def test_cancel_after_a_part_capture_and_without_a_body(merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    body = {"amount": 95, "items": [{"id": "10001", "unitPrice": 95, "quantity": 1}]}
    accepted(await capture(merchant, order_id, body), order_id)
    headers = await merchant.walley_headers()
    accepted(
        await merchant.client.post(f"/manage/orders/{order_id}/cancel", headers=headers), order_id
    )
    data = await get(merchant, order_id)
    assert data["status"] == "PartActivated"  # part captured, the rest cancelled: not Activated
    assert data["totalAmount"] == 95
    r = await merchant.client.post(f"/manage/orders/{order_id}/cancel", headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["errors"][0]["reason"] == "CANCEL_INVALID_ORDER_STATUS"
    r = await capture(merchant, order_id, {"amount": 95})
    assert r.status_code == 422  # not CAPTURE_ORDER_ALREADY_CAPTURED: nothing more was captured
    assert r.json()["error"]["errors"][0]["reason"] == "CAPTURE_INVALID_INVOICE_STATUS"

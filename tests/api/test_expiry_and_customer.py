"""Extending the expiry (both dialects) and editing the customer (Ledyer)."""

from datetime import UTC, datetime, timedelta

from tests.support.ledyer_api import get as ledyer_get
from tests.support.ledyer_api import post as ledyer_post
from tests.support.sandbox import SAMSUNG, SHOES, TSHIRTS, Merchant
from tests.support.walley_api import accepted, capture, get


async def test_ledyer_extend_expiry_moves_expires_at_and_records_an_event(
    merchant: Merchant,
) -> None:
    created = await merchant.order("ledyer", [SAMSUNG])
    before = await ledyer_get(merchant, created["orderId"])
    r = await ledyer_post(merchant, f"/v1/orders/{created['orderId']}/extendexpiry", b"")
    assert r.status_code == 200, r.text
    order = r.json()
    old = datetime.fromisoformat(before["expiresAt"])
    new = datetime.fromisoformat(order["expiresAt"])
    assert new - old == timedelta(days=14)
    assert order["events"][0]["type"] == "extendExpiry"
    assert order["events"][0]["amount"]["minorUnits"] == 0


async def test_an_expired_ledyer_order_can_be_extended_and_captured_again(
    merchant: Merchant,
) -> None:
    created = await merchant.order("ledyer", [SAMSUNG], expiresAt="2021-01-01T00:00:00+00:00")
    order_id = created["orderId"]
    r = await ledyer_post(merchant, f"/v1/orders/{order_id}/extendexpiry", b"")
    assert r.status_code == 200
    assert r.json()["status"] == ["uncaptured"]
    body = {"orderLines": [SAMSUNG], "totalCaptureAmount": 489000}
    r = await ledyer_post(merchant, f"/v1/orders/{order_id}/capture", body)
    assert r.status_code == 200
    r = await ledyer_post(merchant, f"/v1/orders/{order_id}/extendexpiry", b"")
    assert r.status_code == 409
    assert r.json()["errors"][0]["code"] == "ACTION_NOT_AVAILABLE"


async def test_ledyer_edit_customer_replaces_the_given_fields(merchant: Merchant) -> None:
    created = await merchant.order(
        "ledyer",
        [SAMSUNG],
        customer={
            "email": "old@example.com",
            "companyName": "ACME AB",
            "billingAddress": {"city": "Malmö", "streetAddress": "Old 1"},
        },
    )
    change = {
        "email": "new@example.com",
        "reference2": "PO-77",
        "billingAddress": {"city": "Lund", "postalCode": "22100", "country": "SE"},
    }
    r = await ledyer_post(merchant, f"/v1/orders/{created['orderId']}/customer", change)
    assert r.status_code == 200, r.text
    customer = r.json()["customer"]
    assert customer["email"] == "new@example.com"
    assert customer["companyName"] == "ACME AB"
    assert customer["reference2"] == "PO-77"
    assert customer["billingAddress"] == {"city": "Lund", "postalCode": "22100", "country": "SE"}
    assert r.json()["events"][0]["type"] == "editCustomer"
    r = await ledyer_post(merchant, f"/v1/orders/{created['orderId']}/customer", {"email": 5})
    assert r.status_code == 400


async def test_walley_extend_moves_the_expiry_to_14_days_from_now_once(
    merchant: Merchant,
) -> None:
    soon = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    order_id = (await merchant.order("walley", [SHOES, TSHIRTS], expiresAt=soon))["orderId"]
    headers = await merchant.walley_headers()
    accepted(
        await merchant.client.post(f"/manage/orders/{order_id}/extend", headers=headers), order_id
    )
    extended = datetime.fromisoformat((await get(merchant, order_id))["expiresAt"])
    assert abs(extended - (datetime.now(UTC) + timedelta(days=14))) < timedelta(minutes=1)
    # a second extend does not stack another 14 days: 14 days from its own moment
    accepted(
        await merchant.client.post(f"/manage/orders/{order_id}/extend", headers=headers), order_id
    )
    again = datetime.fromisoformat((await get(merchant, order_id))["expiresAt"])
    assert timedelta(0) <= again - extended < timedelta(minutes=1)
    accepted(await capture(merchant, order_id, {"amount": 285}), order_id)
    r = await merchant.client.post(f"/manage/orders/{order_id}/extend", headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["errors"][0]["reason"] == "EXTEND_INVALID_ORDER_STATUS"


async def test_an_expired_walley_order_is_not_extended(merchant: Merchant) -> None:
    """Walley's extend page: "This can only be done on orders with status NotActivated or
    PartActivated"; an expired order can still be cancelled."""
    created = await merchant.order("walley", [SHOES], expiresAt="2021-01-01T00:00:00Z")
    order_id = created["orderId"]
    before = await get(merchant, order_id)
    assert before["status"] == "Expired"
    headers = await merchant.walley_headers()
    r = await merchant.client.post(f"/manage/orders/{order_id}/extend", headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["errors"][0]["reason"] == "EXTEND_INVALID_ORDER_STATUS"
    assert await get(merchant, order_id) == before
    r = await merchant.client.post(f"/manage/orders/{order_id}/cancel", headers=headers)
    assert r.status_code == 202

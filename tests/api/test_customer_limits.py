"""Customer data is bounded: an oversize customer is refused and not stored, and a capture on an
order with the most customer data allowed stays small (issue 22, item 4)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from tests.support.envelopes import ledyer_code
from tests.support.sandbox import ADMIN, SHOES, Merchant

ADDRESS = {
    "attentionName": "a" * 200,
    "careOf": "c" * 200,
    "city": "c" * 100,
    "companyName": "n" * 200,
    "country": "c" * 50,
    "postalCode": "p" * 20,
    "streetAddress": "s" * 200,
    "streetAddress2": "t" * 200,
    "contact": {
        "email": "e" * 200,
        "firstName": "f" * 200,
        "lastName": "l" * 200,
        "phone": "9" * 30,
    },
}
#: Every customer field at its limit, and the most extra fields, each at its limit.
MAXIMAL = {
    "firstName": "F" * 200,
    "lastName": "L" * 200,
    "companyName": "C" * 200,
    "companyId": "1" * 50,
    "nationalId": "2" * 50,
    "email": "e" * 200,
    "phone": "4" * 30,
    "reference1": "r" * 100,
    "reference2": "q" * 100,
    "billingAddress": ADDRESS,
    "shippingAddress": ADDRESS,
    **{f"extra{n}": "x" * 498 for n in range(10)},  # 500 bytes of JSON each
}


async def _order(merchant: Merchant, customer: dict[str, Any], reference: str) -> Any:
    body = {
        "storeId": merchant.stores["ledyer"],
        "orderLines": [SHOES],
        "totalOrderAmount": SHOES["totalAmount"],
        "merchantReference": reference,
        "customer": customer,
        "acknowledged": True,
    }
    return await merchant.client.post("/sandbox/orders", json=body, headers=ADMIN)


async def _stored(app: FastAPI, merchant: Merchant, reference: str) -> int:
    count: int = await app.state.pool.fetchval(
        "SELECT count(*) FROM orders WHERE store_id = $1 AND merchant_reference = $2",
        merchant.stores["ledyer"],
        reference,
    )
    return count


@pytest.mark.parametrize(
    ("customer", "field"),
    [
        ({"firstName": "N" * 200_000}, "customer.firstName"),  # a 200 KB name
        ({"phone": "0" * 31}, "customer.phone"),
        ({"billingAddress": {"city": "c" * 101}}, "customer.billingAddress.city"),
    ],
)
async def test_an_oversize_customer_is_refused_and_not_stored(
    app: FastAPI, merchant: Merchant, customer: dict[str, Any], field: str
) -> None:
    r = await _order(merchant, customer, "big-customer")
    assert r.status_code == 400, r.text[:300]
    error = r.json()["error"]
    assert (error["code"], error["field"]) == ("INVALID_REQUEST", field), error
    assert await _stored(app, merchant, "big-customer") == 0


@pytest.mark.parametrize(
    "customer",
    [
        {"notes": "x" * 1_048_000},  # a field of its own, of 1 MiB
        {f"extra{n}": 1 for n in range(11)},
        {"big": 14835048476048392196211081216},  # no 64-bit integer: it cannot be stored
    ],
)
async def test_fields_beyond_the_named_ones_are_few_and_small(
    app: FastAPI, merchant: Merchant, customer: dict[str, Any]
) -> None:
    """Well-formed JSON the schema allows, over orderdesk's limits: a 422, not a 400."""
    r = await _order(merchant, customer, "big-customer")
    assert r.status_code == 422, r.text[:300]
    error = r.json()["error"]
    assert (error["code"], error["field"]) == ("LIMIT_EXCEEDED", "customer"), error
    assert await _stored(app, merchant, "big-customer") == 0


async def test_a_capture_on_an_order_with_the_most_customer_data_stays_small(
    app: FastAPI, merchant: Merchant
) -> None:
    r = await _order(merchant, MAXIMAL, "max-customer")
    assert r.status_code == 201, r.text
    order_id, line_id = r.json()["orderId"], r.json()["lineIds"][0]
    headers = await merchant.ledyer_headers()
    got = await merchant.client.get(f"/v1/orders/{order_id}", headers=headers)
    assert got.json()["customer"] == MAXIMAL  # kept as sent
    line = {k: v for k, v in SHOES.items()} | {"id": line_id}
    body = {"orderLines": [line], "totalCaptureAmount": SHOES["totalAmount"]}
    captured = await merchant.client.post(
        f"/v1/orders/{order_id}/partialcapture", json=body, headers=headers
    )
    assert captured.status_code == 200, captured.text[:300]
    # the order (with its customer, and the customer the invoice was issued to) in the answer
    assert len(captured.content) < 32_000, len(captured.content)


async def test_editing_a_ledyer_customer_with_a_200_kb_name_is_refused(merchant: Merchant) -> None:
    order_id = (await merchant.order("ledyer", [SHOES]))["orderId"]
    headers = await merchant.ledyer_headers()
    address = {"city": "Umeå", "contact": {"firstName": "N" * 200_000}}
    r = await merchant.client.post(
        f"/v1/orders/{order_id}/customer", json={"shippingAddress": address}, headers=headers
    )
    assert ledyer_code(r, 400) == "INVALID_REQUEST", r.text[:300]
    got = await merchant.client.get(f"/v1/orders/{order_id}", headers=headers)
    assert "shippingAddress" not in got.json()["customer"]

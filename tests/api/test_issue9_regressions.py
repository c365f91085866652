"""Issue 9's bugs over HTTP, each with a test that failed before the redesign (c424222)."""

from typing import Any

import asyncpg
import httpx

from orderdesk.store import orders
from orderdesk.store.db import init_connection
from tests.support.envelopes import error_code
from tests.support.ledger import checked_order
from tests.support.pdf import pdf_text
from tests.support.sandbox import SHOES, TSHIRTS, Merchant, line


async def walley_capture(merchant: Merchant, order_id: str, body: bytes) -> httpx.Response:
    headers = {**await merchant.walley_headers(), "content-type": "application/json"}
    return await merchant.client.post(
        f"/manage/orders/{order_id}/capture", content=body, headers=headers
    )


async def test_an_amount_beyond_the_decimal_context_is_too_many_decimals(
    merchant: Merchant, database_url: str
) -> None:
    order_id = (await merchant.order("walley", [SHOES, TSHIRTS]))["orderId"]
    r = await walley_capture(merchant, order_id, b'{"amount": 285.000000000000000000000000001}')
    assert r.status_code == 422, r.text
    assert error_code(r) == "CAPTURE_AMOUNT_HAS_TOO_MANY_DECIMALS"
    r = await walley_capture(merchant, order_id, b'{"amount": "285.000000000000000000000000001"}')
    assert (r.status_code, error_code(r)) == (422, "CAPTURE_AMOUNT_HAS_TOO_MANY_DECIMALS")
    order = await checked_order(database_url, order_id)
    assert (order.captured_amount, order.remaining, order.captured) == (0, 28500, [])


async def test_items_of_a_line_without_unit_price_capture_exactly_what_was_asked(
    merchant: Merchant, database_url: str
) -> None:
    # 3 units worth 1000 together, no unit price: a unit is 333, and 3 × 333 ≠ 1000
    odd = {k: v for k, v in line("N1", "Odd", 3, 0, vat=0).items() if k != "unitPrice"}
    odd |= {"totalAmount": 1000, "totalVatAmount": 0, "unitDiscountAmount": 0}
    order_id = (await merchant.order("walley", [odd]))["orderId"]
    one = b'{"amount": 3.33, "items": [{"id": "N1", "unitPrice": 3.33, "quantity": 1}]}'
    r = await walley_capture(merchant, order_id, one)
    assert r.status_code == 202, r.text
    order = await checked_order(database_url, order_id)
    assert (order.captured_amount, order.remaining) == (333, 667)
    assert [(ln.quantity, ln.total_amount) for ln in order.captured[0].lines] == [(1, 333)]

    two = b'{"amount": 6.66, "items": [{"id": "N1", "unitPrice": 3.33, "quantity": 2}]}'
    r = await walley_capture(merchant, order_id, two)
    assert r.status_code == 422, r.text
    assert error_code(r) == "CAPTURE_ITEMS_NOT_EXACT"
    order = await checked_order(database_url, order_id)
    assert (order.authorized, order.captured_amount, order.remaining) == (1000, 333, 667)
    assert [chunk.total for chunk in order.captured] == [333]
    assert order.uncaptured is not None
    assert [(ln.quantity, ln.total_amount) for ln in order.uncaptured.lines] == [(2, 667)]
    # what is left can still be captured, by amount, to the minor unit
    r = await walley_capture(merchant, order_id, b'{"amount": 6.67}')
    assert r.status_code == 202, r.text
    order = await checked_order(database_url, order_id)
    assert (order.captured_amount, order.remaining) == (1000, 0)


async def test_an_issued_invoice_keeps_its_customer(merchant: Merchant, database_url: str) -> None:
    customer: dict[str, Any] = {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "billingAddress": {"city": "Lund", "companyName": "Old AB"},
    }
    created = await merchant.order("ledyer", [SHOES, TSHIRTS], customer=customer)
    order_id = created["orderId"]
    headers = await merchant.ledyer_headers()
    body = {"orderLines": [{**SHOES, "id": created["lineIds"][0]}], "totalCaptureAmount": 9500}
    r = await merchant.client.post(
        f"/v1/orders/{order_id}/partialcapture", json=body, headers=headers
    )
    assert r.status_code == 200, r.text
    url = r.json()["captured"][0]["documentUrl"].removeprefix("http://testserver")
    before = (await merchant.client.get(url)).content
    assert "Ada Lovelace" in pdf_text(before)

    edit = {"billingAddress": {"city": "Malmö", "companyName": "New AB"}, "email": "n@e.se"}
    r = await merchant.client.post(f"/v1/orders/{order_id}/customer", json=edit, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["customer"]["billingAddress"] == {"city": "Malmö", "companyName": "New AB"}

    after = (await merchant.client.get(url)).content
    assert "Ada Lovelace" in pdf_text(after)
    assert after == before  # an issued document is the same bytes on every fetch
    conn = await asyncpg.connect(database_url)
    try:
        await init_connection(conn)
        loaded = await orders.get(conn, order_id)
    finally:
        await conn.close()
    assert loaded is not None
    assert loaded.order.captured[0].customer == customer
    assert loaded.order.customer == {**customer, **edit}

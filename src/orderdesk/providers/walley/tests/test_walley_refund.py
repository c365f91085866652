"""Walley POST /manage/orders/{id}/refund: every mode and every refusal, as clients send it.

A refusal changes nothing: the order as GET shows it, its events and its ledger rows are the
same before and after.
"""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.envelopes import error_code
from tests.support.ledger import checked_order
from tests.support.sandbox import ADMIN, SHOES, TSHIRTS, Merchant, line
from tests.support.walley_api import accepted, capture, get, state, walley_order

SOCKS = line("10003", "Socks", 2, 4950)


async def refund(merchant: Merchant, order_id: str, body: Any) -> httpx.Response:
    headers = await merchant.walley_headers()
    if isinstance(body, bytes):
        return await merchant.client.post(
            f"/manage/orders/{order_id}/refund",
            content=body,
            headers={**headers, "content-type": "application/json"},
        )
    return await merchant.client.post(
        f"/manage/orders/{order_id}/refund", json=body, headers=headers
    )


async def captured_order(merchant: Merchant, lines: list[dict[str, Any]] | None = None) -> str:
    order_id = await walley_order(merchant, lines or [SHOES, TSHIRTS])
    total = sum(x["totalAmount"] for x in lines or [SHOES, TSHIRTS]) / 100
    accepted(await capture(merchant, order_id, {"amount": total}), order_id)
    return order_id


async def refused(
    app: FastAPI, merchant: Merchant, order_id: str, body: Any, status: int, code: str
) -> None:
    before = await state(app, merchant, order_id)
    r = await refund(merchant, order_id, body)
    assert (r.status_code, error_code(r)) == (status, code), r.text
    assert r.json()["error"]["code"] == status
    assert await state(app, merchant, order_id) == before


async def refund_rows(app: FastAPI, order_id: str) -> list[tuple[str, int]]:
    rows = await app.state.pool.fetch(
        "SELECT kind, amount FROM ledger WHERE order_id=$1 AND kind='refund' ORDER BY seq",
        order_id,
    )
    return [(r["kind"], r["amount"]) for r in rows]


# -- modes ------------------------------------------------------------------------------------
async def test_full_refund_returns_the_order(app: FastAPI, merchant: Merchant, database_url: str):
    order_id = await captured_order(merchant)
    body = {"amount": 285.0, "description": "Refund description", "actionReference": "r-1"}
    r = await refund(merchant, order_id, body)
    accepted(r, order_id)
    assert r.headers["x-correlation-id"].startswith("oe_")
    data = await get(merchant, order_id)
    assert data["status"] == "Returned"
    credit = data["invoices"][-1]
    assert (credit["totalAmount"], credit["description"], credit["actionReference"]) == (
        -285,
        "Refund description",
        "r-1",
    )
    assert [i["totalAmount"] for i in data["invoices"]] == [285, -285]
    assert await refund_rows(app, order_id) == [("refund", 28500)]
    order = await checked_order(database_url, order_id)
    assert (order.refunded_amount, order.refundable) == (28500, 0)
    # nothing is left to refund: a second full refund is refused
    await refused(app, merchant, order_id, body, 422, "REFUND_INVALID_ORDER_STATUS")


async def test_part_refund_by_items_keeps_the_status(app: FastAPI, merchant: Merchant) -> None:
    order_id = await captured_order(merchant)
    body = {
        "amount": 95,
        "actionReference": "r-2",
        "items": [{"id": "10002", "description": "T-Shirt", "unitPrice": 95, "quantity": 1,
                   "type": "purchase"}],
    }  # fmt: skip
    accepted(await refund(merchant, order_id, body), order_id)
    data = await get(merchant, order_id)
    assert data["status"] == "Activated"
    assert data["invoices"][-1]["totalAmount"] == -95
    # one T-shirt is left to refund, not two
    two = {**body, "amount": 190, "items": [{**body["items"][0], "quantity": 2}]}
    await refused(app, merchant, order_id, two, 422, "REFUND_ITEM_QUANTITY_TOO_LARGE")
    accepted(await refund(merchant, order_id, body), order_id)
    # both refunded: none is left to match
    await refused(app, merchant, order_id, body, 422, "REFUND_ITEM_NOT_MATCHED")
    assert await refund_rows(app, order_id) == [("refund", 9500), ("refund", 9500)]


async def test_part_refund_on_a_part_activated_order(app: FastAPI, merchant: Merchant) -> None:
    order_id = await walley_order(merchant)
    shoes = {"id": "10001", "description": "Shoes", "unitPrice": 95, "quantity": 1}
    accepted(await capture(merchant, order_id, {"amount": 95, "items": [shoes]}), order_id)
    # the T-shirts are not captured: they cannot be refunded
    tshirt = {"id": "10002", "unitPrice": 95, "quantity": 1}
    await refused(
        app, merchant, order_id, {"amount": 95, "items": [tshirt]}, 422, "REFUND_ITEM_NOT_MATCHED"
    )
    accepted(await refund(merchant, order_id, {"amount": 95, "items": [shoes]}), order_id)
    assert (await get(merchant, order_id))["status"] == "PartActivated"


async def test_refund_with_a_return_fee(app: FastAPI, merchant: Merchant, database_url: str):
    order_id = await captured_order(merchant)
    body = {
        "amount": 175.0,
        "actionReference": "r-fee",
        "items": [
            {"id": "10002", "description": "T-Shirt", "unitPrice": 95, "quantity": 2,
             "type": "purchase"},
            {"id": "fee", "description": "Return fee", "unitPrice": -15, "quantity": 1,
             "vat": 25, "type": "fee"},
        ],
    }  # fmt: skip
    accepted(await refund(merchant, order_id, body), order_id)
    assert (await get(merchant, order_id))["invoices"][-1]["totalAmount"] == -175
    order = await checked_order(database_url, order_id)
    [credit] = order.refunded
    fee = credit.lines[-1]
    assert (fee.type, fee.total_amount, fee.vat, fee.total_vat) == ("fee", -1500, 2500, -300)
    assert await refund_rows(app, order_id) == [("refund", 17500)]
    # what is left (the shoes and the fee kept) is refunded in full by amount
    accepted(await refund(merchant, order_id, {"amount": 110}), order_id)
    assert (await get(merchant, order_id))["status"] == "Returned"


async def test_refund_by_amount_is_an_adjustment(app: FastAPI, merchant: Merchant) -> None:
    order_id = await captured_order(merchant)
    body = b'{"amount":"50.00","description":"","actionReference":"9002"}'
    accepted(await refund(merchant, order_id, body), order_id)
    data = await get(merchant, order_id)
    assert data["status"] == "Activated"
    assert data["invoices"][-1]["totalAmount"] == -50
    assert data["invoices"][-1]["description"] is None
    # the rest by amount: everything is refunded
    accepted(await refund(merchant, order_id, {"amount": 235}), order_id)
    assert (await get(merchant, order_id))["status"] == "Returned"
    assert await refund_rows(app, order_id) == [("refund", 5000), ("refund", 23500)]


# -- refusals -----------------------------------------------------------------------------------
TSHIRT = {"id": "10002", "unitPrice": 95, "quantity": 1}
FEE = {"id": "fee", "unitPrice": -15, "quantity": 1, "vat": 25, "type": "fee"}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": "lots"}, 400, "INVALID_REQUEST"),
        ({}, 400, "INVALID_REQUEST"),
        ({"amount": 10.001}, 422, "REFUND_AMOUNT_HAS_TOO_MANY_DECIMALS"),
        (
            {"amount": 95, "items": [{**TSHIRT, "unitPrice": 94.999}]},
            422,
            "REFUND_ITEMS_UNITPRICE_HAS_TOO_MANY_DECIMALS",
        ),
        ({"amount": 10, "description": "x" * 51}, 422, "REFUND_DESCRIPTION_TOO_LONG"),
        ({"amount": -1}, 422, "REFUND_AMOUNT_MUST_NOT_BE_NEGATIVE"),
        ({"amount": 0}, 422, "REFUND_AMOUNT_MUST_BE_POSITIVE"),
        ({"amount": 100, "items": [TSHIRT]}, 422, "REFUND_ITEMS_AMOUNT_NOT_EQUAL_TO_TOTAL_AMOUNT"),
        (
            {"amount": 80, "items": [TSHIRT, {**FEE, "vat": None}]},
            422,
            "REFUND_FEE_VAT_REQUIRED",
        ),
        ({"amount": 285.01}, 422, "REFUND_AMOUNT_TOO_LARGE"),
        ({"amount": 50, "items": [{**TSHIRT, "unitPrice": 50}]}, 422, "REFUND_ITEM_NOT_MATCHED"),
        ({"amount": 285, "items": [{**TSHIRT, "quantity": 3}]}, 422,
         "REFUND_ITEM_QUANTITY_TOO_LARGE"),
        (
            {"amount": 0, "items": [{**TSHIRT, "quantity": 0}]},
            422,
            "INVALID_QUANTITY",
        ),
    ],
)  # fmt: skip
async def test_refusals_change_nothing(
    app: FastAPI, merchant: Merchant, body: Any, status: int, code: str
) -> None:
    order_id = await captured_order(merchant)
    await refused(app, merchant, order_id, body, status, code)


async def test_fees_may_not_be_worth_more_than_the_articles(
    app: FastAPI, merchant: Merchant
) -> None:
    order_id = await captured_order(merchant)
    for body in (
        {"amount": -5, "items": [TSHIRT, {**FEE, "unitPrice": -100}]},
        {"amount": -5, "items": [TSHIRT, {**FEE, "unitPrice": -50}, {**FEE, "unitPrice": -50}]},
        {"amount": -15, "items": [FEE]},
    ):
        await refused(app, merchant, order_id, body, 422, "REFUND_FEE_GREATER_THAN_ITEMS")
    # as much as the articles is allowed, but then nothing is refunded
    body = {"amount": 0, "items": [TSHIRT, {**FEE, "unitPrice": -95}]}
    await refused(app, merchant, order_id, body, 422, "REFUND_AMOUNT_MUST_BE_POSITIVE")
    # fees against several articles
    order_id = await captured_order(merchant, [SHOES, TSHIRTS, SOCKS])
    sock = {"id": "10003", "unitPrice": 49.5, "quantity": 2}
    shoes = {"id": "10001", "unitPrice": 95, "quantity": 1}
    body = {"amount": 98, "items": [sock, shoes, {**FEE, "unitPrice": -96}]}
    accepted(await refund(merchant, order_id, body), order_id)


@pytest.mark.parametrize("how", ["new", "cancelled", "closed"])
async def test_refund_needs_a_capture(app: FastAPI, merchant: Merchant, how: str) -> None:
    order_id = await walley_order(merchant)
    headers = await merchant.walley_headers()
    if how == "cancelled":
        await merchant.client.post(f"/manage/orders/{order_id}/cancel", headers=headers)
    if how == "closed":
        await captured_order(merchant)
        order_id = await captured_order(merchant)
        r = await merchant.client.post(f"/sandbox/orders/{order_id}/close", headers=ADMIN)
        assert r.status_code == 200
    await refused(app, merchant, order_id, {"amount": 10}, 422, "REFUND_INVALID_ORDER_STATUS")


async def test_unknown_and_foreign_orders(merchant: Merchant) -> None:
    r = await refund(merchant, "00000000-0000-4000-8000-000000000000", {"amount": 1})
    assert (r.status_code, error_code(r)) == (404, "ORDER_NOT_FOUND")
    order_id = await captured_order(merchant)
    store = await merchant.store("walley")
    client_id, secret = await merchant.credential([store])
    headers = await merchant.walley_headers(client_id, secret)
    r = await merchant.client.post(
        f"/manage/orders/{order_id}/refund", json={"amount": 1}, headers=headers
    )
    assert (r.status_code, error_code(r)) == (403, "FORBIDDEN")
    r = await merchant.client.post(f"/manage/orders/{order_id}/refund", json={"amount": 1})
    assert r.status_code == 401

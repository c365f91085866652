"""Ledyer ``GET /v1/orders``: the documented filters, ``size`` and cursor paging, newest
first, only the orders of the stores the credential may act on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.support.ledyer_api import Ledyer, error
from tests.support.sandbox import IPHONE, SAMSUNG, SHOES, Merchant, new_merchant


async def listed(api: Ledyer, query: str = "", status: int = 200) -> dict[str, Any]:
    r = await api.client.get(f"/v1/orders{query}", headers=api.auth)
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    return body


def ids(page: dict[str, Any]) -> list[str]:
    return [order["id"] for order in page["orders"]]


@pytest.fixture
async def shop(client: httpx.AsyncClient) -> tuple[Merchant, Ledyer, list[str]]:
    """A merchant of its own, with five orders in its Ledyer store, oldest first."""
    merchant = await new_merchant(client)
    api = await Ledyer.of(merchant)
    made = []
    for n, (method, ack) in enumerate(
        [
            ("invoice", True),
            ("advanceInvoice", False),
            ("serviceInvoice", True),
            ("invoice", False),
            ("invoice", True),
        ]
    ):
        order = await merchant.order(
            "ledyer",
            [SHOES],
            paymentMethod=method,
            acknowledged=ack,
            merchantReference=f"shop-{n}",
        )
        made.append(order["orderId"])
    return merchant, api, made


async def test_every_order_newest_first_as_whole_order_objects(
    shop: tuple[Merchant, Ledyer, list[str]],
) -> None:
    _merchant, api, made = shop
    page = await listed(api)
    assert ids(page) == made[::-1]
    assert page["nextCursor"] is None
    assert page["lastId"] == made[0]
    assert page["orders"][-1] == await api.order(made[0])


async def test_paging_with_size_and_cursor(shop: tuple[Merchant, Ledyer, list[str]]) -> None:
    _merchant, api, made = shop
    seen: list[str] = []
    query = "?size=2"
    while True:
        page = await listed(api, query)
        assert len(page["orders"]) <= 2
        seen += ids(page)
        if page["nextCursor"] is None:
            break
        query = f"?size=2&cursor={page['nextCursor']}"
    assert seen == made[::-1]
    page = await listed(api, f"?size=2&fromId={made[3]}")
    assert ids(page) == [made[2], made[1]]


async def test_filters(shop: tuple[Merchant, Ledyer, list[str]]) -> None:
    _merchant, api, made = shop
    order = await api.order(made[2])
    cases = {
        f"?id[]={made[0]}&id[]={made[4]}": [made[4], made[0]],
        "?merchantReference[]=shop-1&merchantReference[]=shop-3": [made[3], made[1]],
        f"?orderReference[]={order['orderReference']}": [made[2]],
        "?paymentMethodCategory[]=advanceInvoice": [made[1]],
        "?paymentMethodCategory[]=serviceInvoice&paymentMethodCategory[]=advanceInvoice": [
            made[2],
            made[1],
        ],
        "?status[]=unacknowledged": [made[3], made[1]],
        "?status[]=uncaptured&id[]=" + made[0]: [made[0]],
        "?status[]=fullyCaptured": [],
        f"?q={made[4]}": [made[4]],
        "?q=shop-2": [made[2]],
        f"?q={order['orderReference']}": [made[2]],
        "?q=shop": [],
    }
    for query, expected in cases.items():
        assert ids(await listed(api, query)) == expected, query
    created = datetime.fromisoformat(order["createdAt"].replace("Z", "+00:00"))
    after = (created - timedelta(microseconds=1)).isoformat().replace("+00:00", "Z")
    assert ids(await listed(api, f"?createdFrom={after}")) == [made[4], made[3], made[2]]
    assert ids(await listed(api, f"?createdTo={after}")) == [made[1], made[0]]
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(await listed(api, f"?expiresTo={soon}")) == []
    assert ids(await listed(api, f"?expiresFrom={soon}")) == made[::-1]


async def test_array_filters_are_taken_without_brackets_too(
    shop: tuple[Merchant, Ledyer, list[str]],
) -> None:
    """The get-orders page names each array filter without brackets ("status: array of
    strings"): ``status=a&status=b`` is the same filter as ``status[]=a&status[]=b``."""
    _merchant, api, made = shop
    order = await api.order(made[2])
    cases = {
        "?status=unacknowledged": [made[3], made[1]],
        "?status=unacknowledged&status[]=uncaptured": made[::-1],
        f"?id={made[0]}&id={made[4]}": [made[4], made[0]],
        "?merchantReference=shop-1&merchantReference[]=shop-3": [made[3], made[1]],
        f"?orderReference={order['orderReference']}": [made[2]],
        "?paymentMethodCategory=serviceInvoice&paymentMethodCategory=advanceInvoice": [
            made[2],
            made[1],
        ],
        "?status=fullyCaptured": [],
    }
    for query, expected in cases.items():
        assert ids(await listed(api, query)) == expected, query


async def test_statuses_after_captures_refunds_and_cancels(
    shop: tuple[Merchant, Ledyer, list[str]],
) -> None:
    _merchant, api, made = shop
    captured = await api.captured({"orderId": made[0]})
    ledger_id = captured["captured"][0]["ledgerId"]
    assert (await api.post(f"/v1/orders/{made[0]}/refund/{ledger_id}")).status_code == 200
    await api.captured({"orderId": made[4]})
    assert (await api.send("DELETE", f"/v1/orders/{made[3]}")).status_code == 200
    cases = {
        "fullyCaptured": [made[4], made[0]],
        "fullyRefunded": [made[0]],
        "partiallyRefunded": [],
        "cancelled": [made[3]],
        "uncaptured": [made[2], made[1]],
    }
    for status, expected in cases.items():
        assert ids(await listed(api, f"?status[]={status}")) == expected, status
    page = await listed(api, "?status[]=cancelled&status[]=fullyRefunded")
    assert ids(page) == [made[3], made[0]]


async def test_only_the_credential_s_stores(
    shop: tuple[Merchant, Ledyer, list[str]], merchant: Merchant
) -> None:
    shop_merchant, api, made = shop
    other = await Ledyer.of(merchant)  # another merchant sees none of these
    await merchant.order("ledyer", [SAMSUNG, IPHONE])
    assert set(ids(await listed(other))).isdisjoint(made)
    assert ids(await listed(other, f"?id[]={made[0]}")) == []
    store = await shop_merchant.store("ledyer")
    in_new_store = (await shop_merchant.order(store, [SHOES]))["orderId"]
    client_id, secret = await shop_merchant.credential([store])
    narrow = Ledyer(shop_merchant, await shop_merchant.ledyer_headers(client_id, secret))
    assert ids(await listed(narrow)) == [in_new_store]
    assert in_new_store not in ids(await listed(api))  # a store made after the credential


async def test_expired_orders(shop: tuple[Merchant, Ledyer, list[str]]) -> None:
    merchant, api, _made = shop
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    expired = (await merchant.order("ledyer", [SHOES], expiresAt=past))["orderId"]
    page = await listed(api, "?status[]=expired")
    assert ids(page) == [expired]
    assert page["orders"][0]["status"] == ["uncaptured", "expired"]
    assert ids(await listed(api, f"?expiresTo={quote(past)}")) == [expired]


@pytest.mark.parametrize(
    "query",
    [
        "?size=0",
        "?size=1001",
        "?size=many",
        "?status[]=shipped",
        "?status=shipped",
        "?paymentMethodCategory[]=cash",
        "?createdFrom=yesterday",
        "?createdFrom=2026-01-01T00:00:00",
    ],
)
async def test_malformed_queries_are_400(
    shop: tuple[Merchant, Ledyer, list[str]], query: str
) -> None:
    _merchant, api, _made = shop
    r = await api.client.get(f"/v1/orders{query}", headers=api.auth)
    assert error(r) == (400, "INVALID_REQUEST"), r.text


@pytest.mark.parametrize("cursor", ["bm90IGEgY3Vyc29y", "%%%", ""])
async def test_a_cursor_this_server_did_not_give_is_422(
    shop: tuple[Merchant, Ledyer, list[str]], cursor: str
) -> None:
    _merchant, api, _made = shop
    r = await api.client.get(f"/v1/orders?cursor={cursor}", headers=api.auth)
    assert error(r) == (422, "INVALID_CURSOR"), r.text


async def test_listing_needs_a_token(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/orders")
    assert r.status_code == 401 and r.json()["errors"][0]["message"]

"""Walley GET /manage/orders: query, filters, paging, newest first, the credential's stores."""

from typing import Any

import httpx

from tests.support.sandbox import SHOES, TSHIRTS, Merchant, new_merchant
from tests.support.walley_api import accepted, capture, walley_order


async def search(merchant: Merchant, params: Any = None) -> httpx.Response:
    return await merchant.client.get(
        "/manage/orders", params=params, headers=await merchant.walley_headers()
    )


def ids(r: httpx.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [order["id"] for order in r.json()["data"]]


async def test_newest_first_ten_a_page(client: httpx.AsyncClient) -> None:
    merchant = await new_merchant(client)
    made = [await walley_order(merchant) for _ in range(12)]
    await merchant.order("ledyer", [SHOES])  # another dialect's order is not listed
    first = await search(merchant)
    assert ids(first) == made[::-1][:10]
    assert ids(await search(merchant, {"offset": 10})) == made[::-1][10:]
    assert ids(await search(merchant, {"limit": 3, "offset": 1})) == made[::-1][1:4]
    item = first.json()["data"][0]
    assert (item["status"], item["totalAmount"], item["totalVat"], item["tags"]) == (
        "NotActivated",
        285,
        57,
        [],
    )
    r = await search(merchant, {"limit": 0})
    assert r.status_code == 400


async def test_query_and_filters(client: httpx.AsyncClient) -> None:
    merchant = await new_merchant(client)
    first = str(
        (await merchant.order("walley", [SHOES, TSHIRTS], merchantReference="A-1"))["orderId"]
    )
    second = await walley_order(merchant)
    accepted(await capture(merchant, second, {"amount": 285}), second)
    other_store = await merchant.store("walley")
    third = str((await merchant.order(other_store, [SHOES]))["orderId"])
    client_id, secret = await merchant.credential()
    merchant.client_id, merchant.client_secret = client_id, secret
    assert ids(await search(merchant, {"query": "A-1"})) == [first]
    assert ids(await search(merchant, {"query": second})) == [second]
    assert ids(await search(merchant, {"filter": 'status:["Activated"]'})) == [second]
    both = 'status:["Activated","NotActivated"]'
    assert ids(await search(merchant, {"filter": both})) == [third, second, first]
    store = f'storeId:["{other_store}"]'
    assert ids(await search(merchant, {"filter": store})) == [third]
    assert ids(await search(merchant, [("filter", both), ("filter", store)])) == [third]
    # repeated filters: all of them hold
    one = 'status:["Activated"]'
    assert ids(await search(merchant, [("filter", both), ("filter", one)])) == [second]
    none = 'status:["Cancelled"]'
    assert ids(await search(merchant, [("filter", one), ("filter", none)])) == []
    days = [("filter", 'placedAt:["2000-01-01",""]'), ("filter", 'placedAt:["","2000-01-02"]')]
    assert ids(await search(merchant, days)) == []
    assert ids(await search(merchant, {"filter": 'placedAt:["","2000-01-01"]'})) == []
    assert ids(await search(merchant, {"filter": 'placedAt:["2000-01-01",""]'})) == [
        third,
        second,
        first,
    ]
    for bad in ('colour:["red"]', "status:Activated", 'placedAt:["x",""]', 'placedAt:["1"]'):
        r = await search(merchant, {"filter": bad})
        assert (r.status_code, r.json()["error"]["errors"][0]["reason"]) == (
            400,
            "INVALID_REQUEST",
        ), bad
    r = await search(merchant, {"filter": 'placedAt:["2021-02-30",""]'})
    assert (r.status_code, r.json()["error"]["errors"][0]["reason"]) == (422, "SEARCH_INVALID_DATE")


async def test_only_the_credential_s_stores(client: httpx.AsyncClient) -> None:
    merchant = await new_merchant(client)
    mine = await walley_order(merchant)
    other_store = await merchant.store("walley")
    await merchant.order(other_store, [SHOES])
    merchant.client_id, merchant.client_secret = await merchant.credential(
        [merchant.stores["walley"]]
    )
    assert ids(await search(merchant)) == [mine]
    assert ids(await search(merchant, {"filter": f'storeId:["{other_store}"]'})) == []
    stranger = await new_merchant(client)
    assert ids(await search(stranger)) == []
    r = await client.get("/manage/orders")
    assert r.status_code == 401

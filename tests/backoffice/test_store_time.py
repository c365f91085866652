"""Every status each dialect shows is the same in its GET, its list or search and the
back-office when the store's clock has moved; the back-office's chart and an order's timeline
are on the store's clock too.

Between changes and reads the tests make requests of another store, whose clock has not moved:
in a server every request is a task of its own, and no answer may depend on which store the
request before it touched."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import httpx

from tests.support.backoffice import signed_in
from tests.support.sandbox import (
    ADMIN,
    IPHONE,
    SAMSUNG,
    SHOES,
    TSHIRTS,
    Merchant,
    advance,
    new_merchant,
)

DAY = 86400
WHEN = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


async def page_statuses(client: httpx.AsyncClient, order_id: str) -> list[str]:
    """The statuses the order's back-office page shows."""
    page = await client.get(f"/admin/orders/{order_id}")
    assert page.status_code == 200, page.text
    shown = re.search(r"status (.*?)· created", page.text, re.S)
    assert shown is not None
    return re.findall(r"<strong>([^<]+)</strong>", shown.group(1))


async def listed_statuses(client: httpx.AsyncClient, order_id: str) -> list[str]:
    """The statuses the back-office's order list shows for the order."""
    page = await client.get("/admin/orders", params={"q": order_id})
    row = re.search(rf"<tr>(?:(?!</tr>).)*{order_id}(?:(?!</tr>).)*</tr>", page.text, re.S)
    assert row is not None, page.text
    return re.findall(r'<span class="status">([^<]+)</span>', row.group(0))


STATUSES = {
    "NotActivated",
    "PartActivated",
    "Activated",
    "Returned",
    "Expired",
    "Closed",
    "Cancelled",
    "uncaptured",
    "partiallyCaptured",
    "fullyCaptured",
    "cancelled",
    "partiallyRefunded",
    "fullyRefunded",
    "expired",
    "unacknowledged",
}


async def moved_merchant(client: httpx.AsyncClient) -> tuple[Merchant, datetime, datetime]:
    """A merchant whose stores' clocks are 30 days ahead; each store's now."""
    merchant = await new_merchant(client)
    walley_now = datetime.fromisoformat((await advance(merchant, "walley", 30 * DAY))["now"])
    ledyer_now = datetime.fromisoformat((await advance(merchant, "ledyer", 30 * DAY))["now"])
    return merchant, walley_now, ledyer_now


async def test_walley_statuses_agree_on_a_moved_clock(client: httpx.AsyncClient) -> None:
    await signed_in(client)
    merchant, now, _ = await moved_merchant(client)
    wh = await merchant.walley_headers()
    store = merchant.stores["walley"]
    other_store = await merchant.store("walley")  # its clock has not moved

    async def made(*lines: dict[str, Any], **extra: Any) -> str:
        return str((await merchant.order("walley", list(lines), **extra))["orderId"])

    async def post(order_id: str, action: str, body: Any = None) -> None:
        r = await client.post(f"/manage/orders/{order_id}/{action}", json=body, headers=wh)
        assert r.status_code == 202, r.text

    orders: dict[str, str] = {"NotActivated": await made(SHOES, TSHIRTS)}
    orders["PartActivated"] = await made(SHOES, TSHIRTS)
    await post(orders["PartActivated"], "capture", {"amount": 95.0})
    orders["Activated"] = await made(SHOES)
    await post(orders["Activated"], "capture", {"amount": 95.0})
    orders["Returned"] = await made(SHOES)
    await post(orders["Returned"], "capture", {"amount": 95.0})
    await post(orders["Returned"], "refund", {"amount": 95.0})
    orders["Cancelled"] = await made(SHOES)
    await post(orders["Cancelled"], "cancel")
    orders["Closed"] = await made(SHOES)
    r = await client.post(f"/sandbox/orders/{orders['Closed']}/close", headers=ADMIN)
    assert r.status_code == 200, r.text
    soon = (now + timedelta(hours=1)).isoformat()
    orders["Expired"] = await made(SHOES, expiresAt=soon)
    await advance(merchant, "walley", 2 * 3600)
    for status, order_id in orders.items():
        await merchant.order(other_store, [SHOES])
        r = await client.get(f"/manage/orders/{order_id}", headers=wh)
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        assert data["status"] == status
        assert datetime.fromisoformat(data["placedAt"]) >= now
        await merchant.order(other_store, [SHOES])
        r = await client.get("/manage/orders", params={"query": order_id}, headers=wh)
        assert [(o["id"], o["status"]) for o in r.json()["data"]] == [(order_id, status)]
        r = await client.get(
            "/manage/orders",
            params={"filter": [f'status:["{status}"]', f'storeId:["{store}"]']},
            headers=wh,
        )
        assert order_id in [o["id"] for o in r.json()["data"]], status
        assert await page_statuses(client, order_id) == [status]
        assert await listed_statuses(client, order_id) == [status]


async def test_ledyer_statuses_agree_on_a_moved_clock(client: httpx.AsyncClient) -> None:
    await signed_in(client)
    merchant, _, now = await moved_merchant(client)
    lh = await merchant.ledyer_headers()
    other_store = await merchant.store("ledyer")  # its clock has not moved

    async def made(*lines: dict[str, Any], **extra: Any) -> str:
        return str((await merchant.order("ledyer", list(lines), **extra))["orderId"])

    async def capture(order_id: str, *lines: dict[str, Any]) -> None:
        total = sum(x["totalAmount"] for x in lines)
        body = {"orderLines": list(lines), "totalCaptureAmount": total}
        r = await client.post(f"/v1/orders/{order_id}/partialcapture", json=body, headers=lh)
        assert r.status_code == 200, r.text

    async def refund(order_id: str, chunk: int) -> None:
        ledger_id = (await client.get(f"/v1/orders/{order_id}", headers=lh)).json()["captured"]
        r = await client.post(
            f"/v1/orders/{order_id}/refund/{ledger_id[chunk]['ledgerId']}", headers=lh
        )
        assert r.status_code == 200, r.text

    orders: dict[str, str] = {"uncaptured unacknowledged": await made(SAMSUNG, acknowledged=False)}
    orders["partiallyCaptured"] = await made(SAMSUNG, IPHONE)
    await capture(orders["partiallyCaptured"], SAMSUNG)
    orders["fullyCaptured"] = await made(SAMSUNG)
    await capture(orders["fullyCaptured"], SAMSUNG)
    orders["cancelled"] = await made(SAMSUNG)
    r = await client.delete(f"/v1/orders/{orders['cancelled']}", headers=lh)
    assert r.status_code == 200, r.text
    orders["fullyCaptured partiallyRefunded"] = await made(SAMSUNG, IPHONE)
    await capture(orders["fullyCaptured partiallyRefunded"], SAMSUNG)
    await capture(orders["fullyCaptured partiallyRefunded"], IPHONE)
    await refund(orders["fullyCaptured partiallyRefunded"], 0)
    orders["fullyCaptured fullyRefunded"] = await made(SAMSUNG)
    await capture(orders["fullyCaptured fullyRefunded"], SAMSUNG)
    await refund(orders["fullyCaptured fullyRefunded"], 0)
    soon = (now + timedelta(hours=1)).isoformat()
    orders["uncaptured expired"] = await made(SAMSUNG, expiresAt=soon)
    orders["partiallyCaptured expired"] = await made(SAMSUNG, IPHONE, expiresAt=soon)
    await capture(orders["partiallyCaptured expired"], SAMSUNG)
    await advance(merchant, "ledyer", 2 * 3600)
    filters = sorted(STATUSES & {s for key in orders for s in key.split()})
    for statuses, order_id in orders.items():
        wanted = statuses.split()
        await merchant.order(other_store, [SAMSUNG])
        read = (await client.get(f"/v1/orders/{order_id}", headers=lh)).json()
        assert read["status"] == wanted
        assert datetime.fromisoformat(read["createdAt"]) >= now
        await merchant.order(other_store, [SAMSUNG])
        r = await client.get("/v1/orders", params={"id[]": order_id}, headers=lh)
        assert [o["status"] for o in r.json()["orders"]] == [wanted]
        for status in filters:
            await merchant.order(other_store, [SAMSUNG])
            r = await client.get(
                "/v1/orders", params={"id[]": order_id, "status[]": status}, headers=lh
            )
            found = [o["id"] for o in r.json()["orders"]]
            assert found == ([order_id] if status in wanted else []), (statuses, status)
        assert await page_statuses(client, order_id) == wanted
        assert await listed_statuses(client, order_id) == wanted


async def test_each_store_s_chart_draws_its_own_days(client: httpx.AsyncClient) -> None:
    await signed_in(client)
    merchant = await new_merchant(client)
    moved = datetime.fromisoformat((await advance(merchant, "walley", 40 * DAY))["now"])
    walley_id = (await merchant.order("walley", [SHOES]))["orderId"]
    wh = await merchant.walley_headers()
    r = await client.post(f"/manage/orders/{walley_id}/capture", json={"amount": 95.0}, headers=wh)
    assert r.status_code == 202, r.text
    ledyer_id = (await merchant.order("ledyer", [SHOES]))["orderId"]  # its clock has not moved
    body = {"orderLines": [SHOES], "totalCaptureAmount": SHOES["totalAmount"]}
    lh = await merchant.ledyer_headers()
    r = await client.post(f"/v1/orders/{ledyer_id}/capture", json=body, headers=lh)
    assert r.status_code == 200, r.text
    page = await client.get("/admin/")
    for store, today in (
        (merchant.stores["walley"], moved.date()),
        (merchant.stores["ledyer"], (moved - timedelta(days=40)).date()),
    ):
        section = re.search(rf">{store}</a>:.*?</section>", page.text, re.S)
        assert section is not None, page.text
        first = today - timedelta(days=29)
        assert f"since {first:%Y-%m-%d} (SEK 95.00 captured)" in section.group(0)
        assert section.group(0).count("<rect ") == 1  # the capture's day, on the store's clock
        assert f">{today:%m-%d}</text>" in section.group(0)  # it ends on the store's today


async def test_the_timeline_is_one_stream_on_the_store_s_clock(
    client: httpx.AsyncClient,
) -> None:
    await signed_in(client)
    merchant = await new_merchant(client)
    now = datetime.fromisoformat((await advance(merchant, "walley", 2 * DAY))["now"])
    order_id = (await merchant.order("walley", [SHOES, TSHIRTS]))["orderId"]
    wh = await merchant.walley_headers()
    path = f"/manage/orders/{order_id}/capture"
    json = {**wh, "content-type": "application/json"}
    malformed = await client.post(path, content=b"{", headers=json)
    assert malformed.status_code == 400  # refused before the order was read
    too_much = await client.post(path, json={"amount": 1000.0}, headers=wh)
    assert too_much.status_code == 422
    assert (await client.post(path, json={"amount": 285.0}, headers=wh)).status_code == 202
    page = await client.get(f"/admin/orders/{order_id}")
    timeline = page.text.split(">Timeline<", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", timeline, re.S)[1:]  # the header aside
    whats = [
        what
        for row in rows
        for what in ("Order authorised", "Refused (400)", "Refused (422)", "Captured in full")
        if what in row
    ]
    assert whats == ["Order authorised", "Refused (400)", "Refused (422)", "Captured in full"]
    times = [datetime.fromisoformat(f"{WHEN.findall(row)[0]}+00:00") for row in rows]
    assert times == sorted(times) and times[0] >= now.replace(microsecond=0)
    requests = page.text.split(">Requests<", 1)[1].split("</table>", 1)[0]
    shown = [datetime.fromisoformat(w + "+00:00") for w in WHEN.findall(requests)]
    assert len(shown) == 3 and all(when >= now.replace(microsecond=0) for when in shown)

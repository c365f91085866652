"""The back-office an operator can trust (issue 21, items 5 and 9): the status filter finds
every status the API shows, the timeline credits each event to whoever made it, the order page
offers only what the order's provider offers, refusals are said once and in major units, a
decimal comma is a decimal comma, search ignores case where the indexes allow, the list says
how many orders match, a bad date is said, and a wrong token keeps the page asked for."""

from __future__ import annotations

import asyncio
import html
import re
import uuid
from typing import Any

import httpx

from orderdesk.backoffice import words
from orderdesk.domain.order import EventType
from orderdesk.providers.registry import PROVIDERS
from tests.backoffice.test_pages import CSRF, signed_in
from tests.support import ledyer_api, walley_api
from tests.support.sandbox import (
    ADMIN_TOKEN,
    IPHONE,
    SAMSUNG,
    SHOES,
    TSHIRTS,
    Merchant,
    advance,
)

FOURTEEN_DAYS = 14 * 86400


async def _action(
    client: httpx.AsyncClient, csrf: str, order_id: str, action: str, **form: Any
) -> httpx.Response:
    sent = {"csrf": csrf, "key": str(uuid.uuid4()), **form}
    return await client.post(f"/admin/orders/{order_id}/{action}", data=sent)


def _listed(page: httpx.Response) -> list[str]:
    """The order ids of a list page's rows."""
    return re.findall(r'<td><a href="/admin/orders/([^"]+)">', page.text)


def _row_statuses(page: httpx.Response, order_id: str) -> list[str]:
    row = re.search(rf'/admin/orders/{re.escape(order_id)}">.*?</tr>', page.text, re.S)
    assert row is not None, page.text
    return re.findall(r'<span class="status">([^<]+)</span>', row.group(0))


async def _ledyer_statuses(merchant: Merchant, order_id: str) -> list[str]:
    found: list[str] = (await ledyer_api.get(merchant, order_id))["status"]
    return found


async def test_the_status_filter_finds_every_status_the_api_shows(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    """partiallyRefunded, cancelled (after a part capture), unacknowledged and expired are
    statuses the API shows beside the first one; the list finds them as the API does."""
    csrf = await signed_in(client)
    store = merchant.stores["ledyer"]
    refunded = await merchant.order("ledyer", [SHOES, TSHIRTS])
    r = await _action(client, csrf, refunded["orderId"], "capture", all="1")
    assert r.status_code == 303
    page = await client.get(f"/admin/orders/{refunded['orderId']}")
    [chunk] = re.findall(r'name="chunk" value="([^"]+)"', page.text)
    line = re.findall(r'name="line" value="([^"]+)" id="refund-1-', page.text)[0]
    r = await _action(client, csrf, refunded["orderId"], "refund", chunk=chunk, line=line)
    assert r.status_code == 303, r.text
    cancelled = await merchant.order("ledyer", [SHOES, TSHIRTS])
    first = cancelled["lineIds"][0]
    assert (await _action(client, csrf, cancelled["orderId"], "capture", line=first)).is_redirect
    assert (await _action(client, csrf, cancelled["orderId"], "cancel")).is_redirect
    unacknowledged = await merchant.order("ledyer", [SHOES], acknowledged=False)
    expected = {
        refunded["orderId"]: ["fullyCaptured", "partiallyRefunded"],
        cancelled["orderId"]: ["partiallyCaptured", "cancelled"],
        unacknowledged["orderId"]: ["uncaptured", "unacknowledged"],
    }
    for order_id, statuses in expected.items():
        assert await _ledyer_statuses(merchant, order_id) == statuses
        for status in statuses:
            found = await client.get("/admin/orders", params={"store": store, "status": status})
            assert found.status_code == 200
            assert order_id in _listed(found), (status, found.text)
            assert _row_statuses(found, order_id) == statuses  # as the API shows them
    everyone = await client.get("/admin/orders", params={"store": store})
    for order_id, statuses in expected.items():
        assert _row_statuses(everyone, order_id) == statuses
    only = await client.get("/admin/orders", params={"store": store, "status": "fullyRefunded"})
    assert _listed(only) == [] and "No orders match" in only.text

    # expiry, on the store's clock: both providers' expired orders are found as expired
    walley = await merchant.order("walley", [SHOES])
    for provider in ("ledyer", "walley"):
        await advance(merchant, provider, FOURTEEN_DAYS + 60)
    assert await _ledyer_statuses(merchant, unacknowledged["orderId"]) == [
        "uncaptured",
        "expired",
        "unacknowledged",
    ]
    assert (await walley_api.get(merchant, walley["orderId"]))["status"] == "Expired"
    for status, provider, order_id in (
        ("expired", "ledyer", unacknowledged["orderId"]),
        ("Expired", "walley", walley["orderId"]),
    ):
        params = {"store": merchant.stores[provider], "status": status}
        found = await client.get("/admin/orders", params=params)
        assert order_id in _listed(found), (status, found.text)
    gone = await client.get(
        "/admin/orders", params={"store": merchant.stores["walley"], "status": "NotActivated"}
    )
    assert walley["orderId"] not in _listed(gone)
    unknown = await client.get("/admin/orders", params={"status": "Shipped"})
    assert unknown.status_code == 400 and "Shipped" in unknown.text


def _timeline(page: httpx.Response) -> list[tuple[str, str]]:
    """(who, what) of each timeline row, in order."""
    table = page.text.split("<h2>Timeline</h2>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr class=\"\w+\"><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td>", table)
    return [(html.unescape(who), html.unescape(what)) for who, what in rows]


async def test_the_timeline_credits_each_event_to_whoever_made_it(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    csrf = await signed_in(client)
    order = await merchant.order("ledyer", [SAMSUNG, IPHONE, SHOES])
    order_id = order["orderId"]
    samsung = {**SAMSUNG, "id": order["lineIds"][0]}
    body = {"orderLines": [samsung], "totalCaptureAmount": SAMSUNG["totalAmount"]}
    r = await ledyer_api.post(merchant, f"/v1/orders/{order_id}/partialcapture", body)
    assert r.status_code == 200, r.text
    await asyncio.sleep(0.01)
    r = await _action(client, csrf, order_id, "capture", line=order["lineIds"][1])
    assert r.status_code == 303, r.text
    await asyncio.sleep(0.01)
    auth = await merchant.ledyer_headers()
    r = await merchant.client.delete(f"/v1/orders/{order_id}", headers=auth)
    assert r.status_code == 200, r.text
    page = await client.get(f"/admin/orders/{order_id}")
    assert _timeline(page) == [
        ("sandbox", "Order authorised"),
        ("sandbox", "Ready for capture"),
        ("Ledyer API", "Part captured"),
        ("back-office", "Part captured"),
        ("Ledyer API", "Rest cancelled"),
    ]

    # an expiry is the store's clock's doing; a refused request is a row of its own (where,
    # among the events, depends on the clock the journal's times are on)
    walley = await merchant.order("walley", [SHOES])
    await advance(merchant, "walley", FOURTEEN_DAYS + 60)
    r = await walley_api.capture(merchant, walley["orderId"], {"amount": 95.0})
    assert r.status_code == 422
    page = await client.get(f"/admin/orders/{walley['orderId']}")
    rows = _timeline(page)
    assert rows[:2] == [("sandbox", "Order authorised"), ("sandbox", "Ready for capture")]
    assert ("store clock", "Authorisation expired") in rows
    refused = f"Refused (422): POST /manage/orders/{walley['orderId']}/capture"
    assert ("Walley API", refused) in rows and len(rows) == 4


def _buttons(page: httpx.Response) -> set[str]:
    return set(re.findall(r"<button type=\"submit\"[^>]*>([^<]+)</button>", page.text))


CAPTURE_LINES, CAPTURE_ALL = "Capture chosen lines", "Capture everything left"
CANCEL, EXTEND = "Cancel what is not captured", "Extend the expiry"


async def test_the_order_page_offers_what_the_provider_offers(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    csrf = await signed_in(client)
    ledyer = await merchant.order("ledyer", [SHOES, TSHIRTS])
    page = await client.get(f"/admin/orders/{ledyer['orderId']}")
    assert {CAPTURE_LINES, CAPTURE_ALL, CANCEL, EXTEND} <= _buttons(page)
    assert (await _action(client, csrf, ledyer["orderId"], "capture", all="1")).is_redirect
    page = await client.get(f"/admin/orders/{ledyer['orderId']}")
    assert not {CAPTURE_LINES, CAPTURE_ALL, CANCEL, EXTEND} & _buttons(page)

    advance_invoice = await merchant.order(
        "ledyer", [SHOES], acknowledged=False, paymentMethod="advanceInvoice"
    )
    page = await client.get(f"/admin/orders/{advance_invoice['orderId']}")
    assert {CAPTURE_LINES, CAPTURE_ALL, CANCEL} & _buttons(page) == set()
    assert EXTEND in _buttons(page)

    walley = await merchant.order("walley", [SHOES, TSHIRTS])
    captured = await merchant.order("walley", [SHOES])
    assert (await _action(client, csrf, captured["orderId"], "capture", all="1")).is_redirect
    page = await client.get(f"/admin/orders/{captured['orderId']}")
    assert not {CAPTURE_LINES, CAPTURE_ALL, CANCEL, EXTEND} & _buttons(page)
    await advance(merchant, "walley", FOURTEEN_DAYS + 60)
    page = await client.get(f"/admin/orders/{walley['orderId']}")
    assert "Expired" in page.text
    assert not {CAPTURE_LINES, CAPTURE_ALL} & _buttons(page)
    assert CANCEL in _buttons(page) and EXTEND not in _buttons(page)  # Walley: not once expired


def _alert(page: httpx.Response) -> str:
    found = re.search(r'<p class="refused" role="alert">(.*?)</p>', page.text, re.S)
    assert found is not None, page.text
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


async def test_refusals_are_said_once_in_major_units(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    csrf = await signed_in(client)
    order = await merchant.order("walley", [SHOES, TSHIRTS])
    order_id = order["orderId"]
    assert (await _action(client, csrf, order_id, "capture", all="1")).is_redirect
    refused = await _action(client, csrf, order_id, "refund", by="amount", amount="500")
    assert refused.status_code == 422
    said = _alert(refused)
    assert said.startswith("Refused.") and said.count("Refused") == 1, said
    assert "more than is left to refund" in said and "SEK 285.00" in said, said
    assert "minor units" not in said and "28500" not in said, said
    bad = await client.post(
        "/admin/sandbox/orders",
        data={
            "csrf": csrf,
            "store": merchant.stores["walley"],
            "description0": "x",
            "price0": "1.234",
        },
    )
    assert bad.status_code == 422 and _alert(bad).count("Refused") == 1, _alert(bad)


async def test_a_decimal_comma_is_a_decimal_comma(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    csrf = await signed_in(client)
    order = await merchant.order("walley", [SHOES, TSHIRTS])
    order_id = order["orderId"]
    assert (await _action(client, csrf, order_id, "capture", all="1")).is_redirect
    r = await _action(client, csrf, order_id, "refund", by="amount", amount="12,50")
    assert r.status_code == 303, _alert(r)
    page = await client.get(r.headers["location"])
    assert "Refunded SEK 12.50; credit note issued." in page.text
    form = {
        "csrf": csrf,
        "store": merchant.stores["ledyer"],
        "description0": "Socks",
        "quantity0": "2",
        "price0": "1 095,50",
        "vat0": "12,5",
    }
    made = await client.post("/admin/sandbox/orders", data=form)
    assert made.status_code == 303, _alert(made)
    page = await client.get(made.headers["location"])
    assert "SEK 2,191.00" in page.text and "12.5 %" in page.text


async def test_statuses_and_events_are_said_in_plain_words_once(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    csrf = await signed_in(client)
    assert set(words.EVENT_WORDS) == set(EventType)  # every event type has its words
    for provider in PROVIDERS.values():  # and every status words that say more than it
        assert all(provider.status_words[s].lower() != s.lower() for s in provider.statuses)
    for provider in ("walley", "ledyer"):
        order = await merchant.order(provider, [SHOES])
        assert (await _action(client, csrf, order["orderId"], "cancel")).is_redirect
        page = await client.get(f"/admin/orders/{order['orderId']}")
        assert not re.search(r"(?i)<strong>cancelled</strong> \(cancelled\)", page.text)
        listed = await client.get("/admin/orders", params={"q": order["orderId"]})
        assert not re.search(r"(?i)cancelled</span> <span class=\"muted\">cancelled", listed.text)
    ledyer = await merchant.order("ledyer", [SHOES])
    await advance(merchant, "ledyer", FOURTEEN_DAYS + 60)
    assert (await _action(client, csrf, ledyer["orderId"], "extend")).is_redirect
    page = await client.get(f"/admin/orders/{ledyer['orderId']}")
    whats = [what for _, what in _timeline(page)]
    assert "Authorisation expired" in whats and "Expiry extended" in whats
    assert not set(whats) & {str(t) for t in EventType}


async def test_search_ignores_case_where_the_indexes_allow(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    await signed_in(client)
    reference = f"shop-{uuid.uuid4().hex[:8]}"
    walley = await merchant.order("walley", [SHOES], merchantReference=reference)
    for q in (walley["orderId"].upper(), f"  {walley['orderId']} ", reference.upper()):
        found = await client.get("/admin/orders", params={"q": q})
        assert _listed(found) == [walley["orderId"]], q
    upper = await merchant.order("ledyer", [SHOES], merchantReference=reference.upper())
    found = await client.get("/admin/orders", params={"q": reference})
    assert set(_listed(found)) == {walley["orderId"], upper["orderId"]}


async def test_the_list_says_how_many_orders_match(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    await signed_in(client)
    reference = f"shop-{uuid.uuid4().hex[:8]}"
    for provider in ("walley", "ledyer", "walley"):
        await merchant.order(provider, [SHOES], merchantReference=reference)
    found = await client.get("/admin/orders", params={"q": reference})
    assert "3 orders match" in found.text
    one = await client.get("/admin/orders", params={"q": reference, "dialect": "ledyer"})
    assert "1 order matches" in one.text
    store = await client.get("/admin/orders", params={"store": merchant.stores["walley"]})
    assert "2 orders match" in store.text


async def test_a_bad_date_is_said(client: httpx.AsyncClient) -> None:
    await signed_in(client)
    for params in ({"from": "2024-13-01"}, {"to": "yesterday"}):
        r = await client.get("/admin/orders", params=params)
        assert r.status_code == 400
        assert "is not a date" in _alert(r) and next(iter(params.values())) in _alert(r)
    fine = await client.get("/admin/orders", params={"from": "2024-01-01", "to": "2024-01-31"})
    assert fine.status_code == 200


async def test_a_wrong_token_keeps_the_page_asked_for(client: httpx.AsyncClient) -> None:
    asked = "/admin/orders?q=shop-1"
    first = await client.get(asked)
    assert first.status_code == 303
    form_page = await client.get(first.headers["location"])
    token = CSRF.search(form_page.text)
    assert token is not None
    form = {"csrf": token.group(1), "next": asked}
    wrong = await client.post("/admin/signin", data={**form, "token": "not it"})
    assert wrong.status_code == 401 and "not the admin token" in wrong.text
    kept = re.search(r'name="next" value="([^"]*)"', wrong.text)
    assert kept is not None and html.unescape(kept.group(1)) == asked
    again = CSRF.search(wrong.text)
    assert again is not None
    right = await client.post(
        "/admin/signin", data={"csrf": again.group(1), "next": asked, "token": ADMIN_TOKEN}
    )
    assert right.status_code == 303 and right.headers["location"] == asked

"""The back-office's store clocks (``/admin/clocks``): each store's now and how far its clock is
ahead; moving one forward runs what fell due in between before the page answers and lists it;
a form sent twice moves the clock once; a bad amount moves nothing."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import httpx

from tests.support.backoffice import signed_in
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, SAMSUNG, Merchant, notify

SHOWN = re.compile(r'name="from" value="(-?\d+)"')


async def _clock(merchant: Merchant, store: str) -> dict[str, object]:
    r = await merchant.client.get(f"/sandbox/stores/{merchant.stores[store]}/clock", headers=ADMIN)
    assert r.status_code == 200, r.text
    found: dict[str, object] = r.json()
    return found


async def _shown(client: httpx.AsyncClient, store_id: str) -> str:
    """The clock's offset the page's form for ``store_id`` says it was shown at."""
    page = await client.get("/admin/clocks")
    assert page.status_code == 200, page.text
    form = re.search(
        rf'<form method="post" action="/admin/clocks">(?:(?!</form>).)*'
        rf'name="store" value="{store_id}">(.*?)</form>',
        page.text,
        re.S,
    )
    assert form is not None, page.text
    found = SHOWN.search(form.group(1))
    assert found is not None
    return found.group(1)


async def _move(
    client: httpx.AsyncClient, csrf: str, store_id: str, amount: str, unit: str, shown: str
) -> httpx.Response:
    return await client.post(
        "/admin/clocks",
        data={"csrf": csrf, "store": store_id, "amount": amount, "unit": unit, "from": shown},
    )


async def test_the_clocks_need_a_session(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin/clocks")
    assert r.status_code == 303 and r.headers["location"] == "/admin/signin?next=%2Fadmin%2Fclocks"
    r = await client.post("/admin/clocks", data={"store": "1", "amount": "1", "unit": "days"})
    assert r.status_code == 303 and r.headers["location"] == "/admin/signin"


async def test_moving_a_clock_runs_what_fell_due_and_says_so(
    client: httpx.AsyncClient, merchant: Merchant, receiver: Receiver
) -> None:
    csrf = await signed_in(client)
    store = merchant.stores["ledyer"]
    other = merchant.stores["walley"]
    await notify(merchant, "ledyer", receiver.url)
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    order_id = (await merchant.order("ledyer", [SAMSUNG], expiresAt=soon))["orderId"]
    await receiver.wait_for(2, lambda doc: doc["orderId"] == order_id)  # create, ready
    page = await client.get("/admin/clocks")
    assert "the server's time" in html.unescape(page.text) and "Clocks</a>" in page.text
    assert await _shown(client, store) == "0"

    r = await _move(client, csrf, store, "2", "days", "0")
    assert r.status_code == 200, r.text
    text = html.unescape(r.text)
    clock = await _clock(merchant, "ledyer")
    assert clock["offsetSeconds"] == 2 * 86400 and clock["status"] == "ready"
    now = datetime.fromisoformat(str(clock["now"]))
    said = re.search(r'<section class="flash" role="status".*?<p>(.*?)</p>', text, re.S)
    assert said is not None
    moved_to = re.fullmatch(
        rf"Store {store}'s clock is now (\S+ \S+) UTC \(2 days ahead\)\. In between: 1 order"
        r" expired and 1 notification attempt \(1 delivered, 0 to be tried again, 0 given up\)\.",
        said.group(1),
    )
    assert moved_to is not None, said.group(1)
    shown_now = datetime.fromisoformat(moved_to.group(1) + "+00:00")
    assert timedelta(0) <= now - shown_now < timedelta(seconds=5)
    # what ran, in time order: the expiry, then its notification
    rows = re.findall(r'<td data-label="What">(.*?)</td>', text, re.S)
    assert rows[0] == "The order expired"
    assert "com.ledyer.order.expired" in rows[1]
    assert f'href="/admin/orders/{order_id}"' in r.text
    assert "delivered (answered 200)" in text
    assert len(receiver.bodies(lambda doc: doc["orderId"] == order_id)) == 3
    # the list shows the store two days ahead, the other store on the server's time
    rows_of = {
        found: re.search(rf"<tr>(?:(?!</tr>).)*>{found}</a>(?:(?!</tr>).)*</tr>", text, re.S)
        for found in (store, other)
    }
    moved, still = rows_of[store], rows_of[other]
    assert moved is not None and still is not None
    assert "2 days ahead" in moved.group(0) and "the server's time" in still.group(0)
    assert await _shown(client, store) == str(2 * 86400 * 10**6)


async def test_a_form_sent_twice_moves_the_clock_once(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    csrf = await signed_in(client)
    store = merchant.stores["walley"]
    shown = await _shown(client, store)
    assert (await _move(client, csrf, store, "3", "hours", shown)).status_code == 200
    again = await _move(client, csrf, store, "3", "hours", shown)
    assert again.status_code == 409
    assert "moved after this page was shown" in html.unescape(again.text)
    assert "Nothing was moved" in again.text
    assert (await _clock(merchant, "walley"))["offsetSeconds"] == 3 * 3600


async def test_a_bad_amount_moves_nothing(client: httpx.AsyncClient, merchant: Merchant) -> None:
    csrf = await signed_in(client)
    store = merchant.stores["walley"]
    for amount, unit in (
        ("0", "days"),
        ("-1", "days"),
        ("1.5", "days"),
        ("x", "hours"),
        ("", "days"),
        ("1", "weeks"),
        ("3661", "days"),
        ("10" * 6, "hours"),
    ):
        r = await _move(client, csrf, store, amount, unit, "0")
        assert r.status_code == 422, (amount, unit, r.text)
        assert "at least one minute and at most ten years" in r.text
    r = await _move(client, csrf, store, "1", "days", "one")
    assert r.status_code == 400 and "The form is damaged" in r.text
    r = await _move(client, csrf, "no-such-store", "1", "days", "0")
    assert r.status_code == 404 and "There is no store no-such-store" in r.text
    r = await client.post(
        "/admin/clocks", data={"store": store, "amount": "1", "unit": "days", "from": "0"}
    )
    assert r.status_code == 403  # no CSRF token
    assert (await _clock(merchant, "walley"))["offsetSeconds"] == 0

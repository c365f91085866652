"""The back-office in a real browser: Debian's chromium driven by Playwright against a real
``orderdesk serve`` (two workers) on a fresh database.

Signs in, finds an order by reference, captures one line, sees the timeline and the
invoice PDF link, refunds the capture and sees its credit note and the refunded amount, sees
a refused refund and a refused cancel explained; checks every page for broken links and
for what assistive technology needs (lang, one h1, labelled controls, images with text);
and at 390 px wide (a phone) no page scrolls sideways and the chart's labels stand apart.
A store's clock is moved from its page. With ``ORDERDESK_SCREENSHOTS=1`` they write the
README's screenshots to docs/screenshots/.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browser import A11Y_CHECK
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, ADMIN_TOKEN, IPHONE, SAMSUNG, SHOES, TSHIRTS, Merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e


# How far the page scrolls sideways, and which elements stick out (to say what is too wide).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1) {
      wide.push(el.tagName + ' ' + (el.className || '') + ' ' + Math.round(box.right));
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""

# The chart's day labels that overlap the next one.
LABELS_OVERLAP = """() => {
  const overlaps = [];
  for (const svg of document.querySelectorAll('svg[role=img]')) {
    const boxes = [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect());
    for (let i = 1; i < boxes.length; i++) {
      if (boxes[i].left < boxes[i - 1].right) overlaps.push(i);
    }
  }
  return overlaps;
}"""


def _csp_violations(page: Any) -> list[str]:
    """What the page's console says the Content-Security-Policy refused, as it happens."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


async def _check_page(page: Any, server: Server, seen: set[str]) -> None:
    """No accessibility problem on the page, its stylesheet applied (the policy lets it in),
    and every link on it answers below 400."""
    assert await page.evaluate("() => getComputedStyle(document.body).margin") == "0px"
    problems = await page.evaluate(A11Y_CHECK)
    assert problems == [], f"{page.url}: {problems}"
    hrefs: list[str] = await page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    for href in hrefs:
        if not href.startswith(server.url) or href in seen:
            continue
        seen.add(href)
        answer = await page.request.get(href, max_redirects=0)
        assert answer.status < 400, f"{page.url} links to {href}: {answer.status}"


async def test_back_office_in_chromium(
    browser: Any, server: Server, remote_merchant: Merchant, receiver: Receiver, shots: Path
) -> None:
    merchant = remote_merchant
    reference = f"shop-{uuid.uuid4().hex[:6]}"
    r = await merchant.client.put(
        f"/sandbox/stores/{merchant.stores['ledyer']}/notifications",
        json={"url": receiver.url},
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    order = await merchant.order("ledyer", [SAMSUNG, IPHONE], merchantReference=reference)
    for n, lines in enumerate([[SHOES, TSHIRTS], [SHOES], [TSHIRTS]]):
        await merchant.order("walley", lines, merchantReference=f"shop-{1000 + n}")
    await _api_capture_replayed(server, merchant)
    context = await browser.new_context(viewport={"width": 1100, "height": 760})
    page = await context.new_page()
    refused = _csp_violations(page)
    seen: set[str] = set()

    # Nothing without signing in: the dashboard sends the browser to the sign-in form.
    await page.goto(f"{server.url}/admin/")
    assert "/admin/signin" in page.url
    await _check_page(page, server, seen)
    await page.get_by_label("Admin token").fill("not the token")
    await page.get_by_role("button", name="Sign in").click()
    assert await page.get_by_role("alert").inner_text() == "That is not the admin token."
    await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Dashboard").wait_for()
    cookies = {c["name"]: c for c in await context.cookies()}
    assert cookies["orderdesk_admin"]["httpOnly"] is True

    # Find the order by its reference.
    await page.get_by_role("link", name="Orders").click()
    await page.get_by_role("heading", name="Orders").wait_for()
    await page.screenshot(path=str(shots / "orders.png"))
    await _check_page(page, server, seen)
    await page.get_by_label("Order id or reference").fill(reference)
    await page.get_by_role("button", name="Find").click()
    rows = page.locator("tbody tr")
    assert await rows.count() == 1
    await page.get_by_role("link", name=order["orderId"]).click()
    await page.get_by_role("heading", name=f"Order {order['orderId']}").wait_for()

    # Capture one line.
    await page.get_by_label("SAMSUNG Galaxy S20").check()
    await page.get_by_role("button", name="Capture chosen lines").click()
    assert "Captured SEK 4,890.00; invoice issued." in await page.get_by_role("status").inner_text()
    timeline = page.locator("h2:text('Timeline') + table")
    assert "Part captured" in await timeline.inner_text()
    assert "Order authorised" in await timeline.inner_text()
    pdf = page.get_by_role("link", name="(PDF)")
    assert await pdf.count() == 1
    answer = await page.request.get(await pdf.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    await page.screenshot(path=str(shots / "order.png"), full_page=False)
    await _check_page(page, server, seen)

    # Refund that capture: its credit note, the refunded amount, the event.
    await page.get_by_role("button", name="Refund this capture whole").click()
    assert (
        "Refunded SEK 4,890.00; credit note issued."
        in await page.get_by_role("status").inner_text()
    )
    note = page.get_by_role("link", name="Credit note")
    assert await note.count() == 1
    answer = await page.request.get(await note.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert "SEK 4,890.00" in await page.locator(".card", has_text="Refunded").inner_text()
    assert "Part refunded" in await timeline.inner_text()  # the iPhone is not captured
    assert await page.get_by_role("button", name="Refund this capture whole").count() == 0
    await _check_page(page, server, seen)

    # Its notifications, each attempt, and sending one again.
    await receiver.wait_for(3)  # create, part capture, part refund
    for _ in range(100):  # the worker commits its record just after the answer
        await page.reload()
        if "com.ledyer.order.part_refund: delivered" in await page.content():
            break
        await asyncio.sleep(0.1)
    assert "com.ledyer.order.part_refund: delivered" in await page.content()
    await page.get_by_text("Body sent").first.click()  # <details>: no script needed
    assert order["orderId"] in await page.locator("details pre").first.inner_text()
    await _check_page(page, server, seen)
    await page.get_by_role("button", name="again").first.click()
    assert "will be sent again now" in await page.get_by_role("status").inner_text()
    await receiver.wait_for(4)

    # Capture the rest: the page offers no cancel any more. A cancel sent from a page opened
    # before (a stale form) is refused, in plain words, and in the timeline.
    stale = await context.new_page()
    refused_stale = _csp_violations(stale)
    await stale.goto(page.url)
    await page.get_by_role("button", name="Capture everything left").click()
    await page.get_by_role("status").wait_for()
    assert await page.get_by_role("button", name="Cancel what is not captured").count() == 0
    await stale.get_by_role("button", name="Cancel what is not captured").click()
    alert = await stale.get_by_role("alert").inner_text()
    assert alert.startswith("Refused.") and "does not offer this action" in alert
    await stale.close()
    for _ in range(100):  # the request journal is written in batches, every half second
        await page.reload()
        if "Refused (422)" in await timeline.inner_text():
            break
        await asyncio.sleep(0.1)
    assert "Refused (422)" in await timeline.inner_text()
    assert await page.get_by_role("link", name="(PDF)").count() == 3  # 2 invoices, 1 credit

    # A Walley refund of more than was captured: refused, in plain words.
    await page.get_by_role("link", name="Orders").click()
    await page.get_by_label("Order id or reference").fill("shop-replayed")
    await page.get_by_role("button", name="Find").click()
    await page.locator("tbody tr a").first.click()
    await page.get_by_role("heading", name="Notifications").wait_for()
    await _check_page(page, server, seen)  # Walley's refund forms
    await page.get_by_label("Amount (SEK").fill("500")
    await page.get_by_role("button", name="Refund this amount").click()
    alert = await page.get_by_role("alert").inner_text()
    assert alert.startswith("Refused.") and "more than is left to refund" in alert

    # The other pages: dashboard (with its chart) and sandbox.
    await page.get_by_role("link", name="Dashboard").click()
    assert await page.locator("svg[role=img]").count() >= 1
    assert await page.evaluate(LABELS_OVERLAP) == []
    await _check_page(page, server, seen)
    await page.get_by_role("link", name="Sandbox").click()
    await page.get_by_role("heading", name="Sandbox").wait_for()
    await _check_page(page, server, seen)
    await page.get_by_label("Name").fill("Browser shop")
    await page.get_by_role("button", name="Make merchant").click()
    assert "made" in await page.get_by_role("status").inner_text()
    assert refused == refused_stale == []
    await context.close()


async def _api_capture_replayed(server: Server, merchant: Merchant) -> None:
    """A Walley capture sent twice with one key: the timeline shows the replay."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        merchant.client = client
        order = await merchant.order("walley", [SHOES], merchantReference="shop-replayed")
        headers = {**await merchant.walley_headers(), "X-Idempotency": str(uuid.uuid4())}
        body = {"amount": 95.0}
        for _ in range(2):
            r = await client.post(
                f"/manage/orders/{order['orderId']}/capture", json=body, headers=headers
            )
            assert r.status_code == 202, r.text


async def _fits(page: Any) -> None:
    """The page does not scroll sideways and its chart labels do not overlap."""
    found = await page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"], f"{page.url}: {found}"
    assert await page.evaluate(LABELS_OVERLAP) == [], page.url
    # a table that scrolls in its own box is still a table to assistive technology
    tree = await (await page.context.new_cdp_session(page)).send("Accessibility.getFullAXTree")
    roles = [node.get("role", {}).get("value") for node in tree["nodes"]]
    assert roles.count("table") == await page.locator("table").count(), page.url


async def test_every_page_fits_a_phone(
    browser: Any, server: Server, remote_merchant: Merchant, receiver: Receiver, shots: Path
) -> None:
    """At 390 px wide (a phone) no page scrolls sideways: sign-in, dashboard with its chart,
    the order list, a Ledyer order with captures, a refund and notifications, a Walley order
    with its refund forms, the sandbox, and a refusal. With ``ORDERDESK_SCREENSHOTS=1`` it
    writes docs/screenshots/order-390.png."""
    merchant = remote_merchant
    r = await merchant.client.put(
        f"/sandbox/stores/{merchant.stores['ledyer']}/notifications",
        json={"url": receiver.url},
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    reference = f"phone-{uuid.uuid4().hex[:6]}"
    ledyer = await merchant.order("ledyer", [SAMSUNG, IPHONE], merchantReference=reference)
    walley = await merchant.order("walley", [SHOES, TSHIRTS], merchantReference=reference)
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True
    )
    page = await context.new_page()
    refused = _csp_violations(page)
    seen: set[str] = set()
    await page.goto(f"{server.url}/admin/orders/{ledyer['orderId']}")
    await _fits(page)
    await _check_page(page, server, seen)  # the sign-in form
    await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name=f"Order {ledyer['orderId']}").wait_for()

    await page.get_by_label("SAMSUNG Galaxy S20").check()
    await page.get_by_role("button", name="Capture chosen lines").click()
    await page.get_by_role("status").wait_for()
    await page.get_by_role("button", name="Refund this capture whole").click()
    await page.get_by_role("status").wait_for()
    await receiver.wait_for(3)
    for _ in range(100):  # the journal and the worker's record, written just after
        await page.reload()
        if "part_refund: delivered" in await page.content():
            break
        await asyncio.sleep(0.1)
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(shots / "order-390.png"), full_page=False)
    await page.get_by_text("Body sent").first.click()
    await _fits(page)
    await _check_page(page, server, seen)

    await page.goto(f"{server.url}/admin/orders/{walley['orderId']}")
    await page.get_by_role("button", name="Capture everything left").click()
    await page.get_by_role("status").wait_for()
    await page.get_by_label("Amount (SEK").fill("500")
    await page.get_by_role("button", name="Refund this amount").click()
    await page.get_by_role("alert").wait_for()
    await _fits(page)  # Walley's refund forms and a refusal (answered at the form's URL)

    await page.goto(f"{server.url}/admin/orders?q={reference}")
    await _fits(page)
    await _check_page(page, server, seen)
    await page.goto(f"{server.url}/admin/")
    assert await page.locator("svg[role=img]").count() >= 1
    await _fits(page)
    await _check_page(page, server, seen)
    await page.goto(f"{server.url}/admin/sandbox")
    await _fits(page)
    await _check_page(page, server, seen)
    assert refused == []
    await context.close()


async def test_delivery_inbox_on_a_phone(
    browser: Any, server: Server, remote_merchant: Merchant, receiver: Receiver, shots: Path
) -> None:
    """The inbox at 390 px: filters, a held notification's reason, the request as sent,
    every attempt, sending one again; no page scrolls sideways."""
    merchant = remote_merchant
    store = merchant.stores["ledyer"]
    r = await merchant.client.put(
        f"/sandbox/stores/{store}/notifications", json={"url": receiver.url}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    fine = await merchant.order("ledyer", [SAMSUNG], merchantReference="shop-inbox")
    await receiver.wait_for(2, lambda doc: doc["orderId"] == fine["orderId"])
    receiver.default = 500  # the shop breaks: the next order's first fails, its second waits
    failing = await merchant.order("ledyer", [IPHONE], merchantReference="shop-broken")
    await receiver.wait_for(1, lambda doc: doc["orderId"] == failing["orderId"])

    wide = await browser.new_context(viewport={"width": 1100, "height": 560})
    page = await wide.new_page()
    await page.goto(f"{server.url}/admin/signin?next=/admin/deliveries")
    await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Deliveries").wait_for()
    await page.get_by_label("Store").select_option(store)
    await page.get_by_role("button", name="Filter").click()
    assert await page.locator("tbody tr").count() == 4
    await page.screenshot(path=str(shots / "deliveries.png"))
    state = await wide.storage_state()
    await wide.close()

    phone = await browser.new_context(viewport={"width": 390, "height": 844}, storage_state=state)
    page = await phone.new_page()
    seen: set[str] = set()
    await page.goto(f"{server.url}/admin/")
    await page.get_by_role("link", name="Deliveries").click()
    await page.get_by_role("heading", name="Deliveries").wait_for()
    await _fits(page)
    await _check_page(page, server, seen)
    await page.get_by_label("Store").select_option(store)
    await page.get_by_label("State").select_option("pending")
    await page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    assert await rows.count() == 2
    assert "waits for" in await rows.first.inner_text()
    await _fits(page)

    # the held one says what it waits for, and leads to it
    await rows.first.get_by_role("link").first.click()
    await page.get_by_text("Waits for").wait_for()
    assert "an earlier notification of the same order" in await page.locator("dl").inner_text()
    await _fits(page)
    await _check_page(page, server, seen)
    await page.locator("dl").get_by_role("link", name="notification").click()
    await page.get_by_role("heading", name="Request").wait_for()
    assert "Next attempt" in await page.locator("dl").inner_text()
    assert receiver.url in await page.locator(".request").inner_text()
    assert failing["orderId"] in await page.locator("pre.body").inner_text()
    assert "user-agent" in await page.get_by_role("table").first.inner_text()
    assert "answered 500" in await page.get_by_role("table").last.inner_text()
    await _fits(page)
    await _check_page(page, server, seen)

    # the shop is fixed: send it again; both of the order's notifications go
    receiver.default = 200
    await page.get_by_role("button", name="again").click()
    assert "will be sent again now" in await page.get_by_role("status").inner_text()
    for _ in range(100):  # the order's two notifications answered 200
        with receiver.lock:
            ok = [
                x
                for x in receiver.received
                if x.status == 200 and failing["orderId"] in str(x.body)
            ]
        if len(ok) == 2:
            break
        await asyncio.sleep(0.1)
    assert len(ok) == 2
    await phone.close()


async def test_moving_a_store_clock(
    browser: Any, server: Server, remote_merchant: Merchant, receiver: Receiver, shots: Path
) -> None:
    """The clocks page moves a Ledyer store's clock two days: the page answers with the order
    that expired in between and its notification, and the store two days ahead; at 390 px it
    fits. With ``ORDERDESK_SCREENSHOTS=1`` it writes docs/screenshots/clock.png."""
    merchant = remote_merchant
    store = await merchant.store("ledyer")  # a store of its own: nothing else falls due on it
    r = await merchant.client.put(
        f"/sandbox/stores/{store}/notifications", json={"url": receiver.url}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    order = await merchant.order(store, [SAMSUNG], merchantReference="shop-clock", expiresAt=soon)
    await receiver.wait_for(2, lambda doc: doc["orderId"] == order["orderId"])

    wide = await browser.new_context(viewport={"width": 1100, "height": 640})
    page = await wide.new_page()
    await page.goto(f"{server.url}/admin/clocks")
    await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Store clocks").wait_for()
    await page.get_by_label(f"Move store {store}'s clock forward by").fill("2")
    await page.get_by_role("button", name=f"Move forward (store {store})").click()
    said = await page.get_by_role("status").inner_text()
    assert "(2 days ahead). In between: 1 order expired and 1 notification attempt" in said
    steps = page.get_by_role("table").first
    assert "The order expired" in await steps.inner_text()
    assert "com.ledyer.order.expired" in await steps.inner_text()
    await page.screenshot(path=str(shots / "clock.png"))
    seen: set[str] = set()
    await _check_page(page, server, seen)
    await page.get_by_role("link", name=order["orderId"]).first.click()
    assert "expired" in await page.locator("main p").first.inner_text()
    state = await wide.storage_state()
    await wide.close()

    phone = await browser.new_context(viewport={"width": 390, "height": 844}, storage_state=state)
    page = await phone.new_page()
    await page.goto(f"{server.url}/admin/clocks")
    await _fits(page)
    await page.get_by_label(f"Move store {store}'s clock forward by").fill("30")
    await page.get_by_label(f"Unit for store {store}").select_option("minutes")
    await page.get_by_role("button", name=f"Move forward (store {store})").click()
    assert "2 days 30 minutes ahead" in await page.get_by_role("status").inner_text()
    await _fits(page)
    await phone.close()

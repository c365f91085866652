"""The back-office in a real browser: Debian's chromium driven by Playwright against a real
``orderdesk serve`` (two workers) on a fresh database.

Signs in, finds an order by reference, captures one line, sees the timeline and the
invoice PDF link, refunds the capture and sees its credit note and the refunded amount, sees
a refused refund and a refused cancel explained; checks every page for broken links and
for what assistive technology needs (lang, one h1, labelled controls, images with text).
With ``ORDERDESK_SCREENSHOTS=1`` it writes the README's screenshots to docs/screenshots/.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, ADMIN_TOKEN, IPHONE, SAMSUNG, SHOES, TSHIRTS, Merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"

# What every page must offer assistive technology; returns the problems found.
A11Y_CHECK = """() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push('html has no lang');
  if (!document.title.trim()) problems.push('no title');
  if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const labelled = (el.labels && el.labels.length) || el.getAttribute('aria-label')
      || el.getAttribute('aria-labelledby');
    if (!labelled) problems.push('unlabelled ' + el.tagName + ' ' + (el.name || el.id));
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push('img without alt ' + img.src);
  }
  for (const svg of document.querySelectorAll('svg')) {
    if (svg.getAttribute('role') !== 'img' || !svg.getAttribute('aria-label'))
      problems.push('svg without role=img and aria-label');
  }
  for (const b of document.querySelectorAll('button')) {
    if (!b.textContent.trim() && !b.getAttribute('aria-label')) problems.push('empty button');
  }
  let last = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const level = Number(h.tagName[1]);
    if (level > last + 1) problems.push('heading skips to ' + h.tagName + ': ' + h.textContent);
    last = level;
  }
  return problems;
}"""


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("ORDERDESK_REQUIRE_BROWSER"):
            pytest.fail(f"no chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        yield launched
        await launched.close()


async def _check_page(page: Any, server: Server, seen: set[str]) -> None:
    """No accessibility problem on the page, and every link on it answers below 400."""
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
    browser: Any, server: Server, remote_merchant: Merchant, receiver: Receiver, tmp_path: Path
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
    shots = SCREENSHOTS if os.environ.get("ORDERDESK_SCREENSHOTS") else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport={"width": 1100, "height": 760})
    page = await context.new_page()
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

    # Capture the rest, then ask for a cancel: refused, in plain words, and in the timeline.
    await page.get_by_role("button", name="Capture everything left").click()
    await page.get_by_role("status").wait_for()
    await page.get_by_role("button", name="Cancel what is not captured").click()
    alert = await page.get_by_role("alert").inner_text()
    assert alert.startswith("Refused.") and "does not offer this action" in alert
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
    await _check_page(page, server, seen)
    await page.get_by_role("link", name="Sandbox").click()
    await page.get_by_role("heading", name="Sandbox").wait_for()
    await _check_page(page, server, seen)
    await page.get_by_label("Name").fill("Browser shop")
    await page.get_by_role("button", name="Make merchant").click()
    assert "made" in await page.get_by_role("status").inner_text()
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

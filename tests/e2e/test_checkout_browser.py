"""The hosted checkout in a real browser: Debian's chromium driven by Playwright, a shop's
page (served by the test on a loopback port of its own: a page Playwright's routing serves
counts as public, and Chromium then refuses to frame orderdesk on a loopback address) that
mounts orderdesk's iframe with a provider-neutral loader (``tests/support/checkout_loader.js``),
against a real ``orderdesk serve``.

The iframe shows the cart; the customer editor saves the customer and tells the loader
(``customerUpdated``, ``shippingUpdated``); the shop suspends and resumes it (``resumed``);
the shop's hook before payment stops one payment; the signing step locks the session;
approve completes it, the top window goes to the shop's confirmation page and the callback
reaches the shop. No Content-Security-Policy
violation, labelled controls. With ``ORDERDESK_SCREENSHOTS=1`` it writes
docs/screenshots/checkout.png.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from playwright.async_api import expect

from tests.support import loopback
from tests.support.browser import A11Y_CHECK
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, SAMSUNG, SHOES, TSHIRTS, Merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e

LOADER = (Path(__file__).parents[1] / "support" / "checkout_loader.js").read_text()
SHOP_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop checkout</title></head>
<body><h1>Checkout</h1><div id="checkout"></div>
<script src="/checkout-loader.js" data-origin="{origin}" data-token="{token}"
        data-container="checkout"></script>
</body></html>"""
THANKS = (
    "<!doctype html><html lang='en'><head><title>Thanks</title></head><body>Thanks</body></html>"
)


class _Shop(loopback.Quiet):
    """The shop's pages: its checkout page (the session's token in the query), the loader,
    its confirmation page."""

    origin = ""

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if path == "/checkout-loader.js":
            body, kind = LOADER, "text/javascript"
        elif path == "/thanks":
            body, kind = THANKS, "text/html"
        elif path == "/checkout":
            token = parse_qs(query)["token"][0]
            body, kind = SHOP_PAGE.format(origin=self.origin, token=token), "text/html"
        else:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("content-type", f"{kind}; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def shop(server: Server) -> Iterator[str]:
    """The shop's base URL (a loopback port of its own)."""
    handler = type("Shop", (_Shop,), {"origin": server.url})
    running = loopback.start(handler)
    yield loopback.base_url(running)
    loopback.stop(running)


async def _session(merchant: Merchant, checkout_id: str) -> dict[str, Any]:
    r = await merchant.client.get(f"/sandbox/checkouts/{checkout_id}", headers=ADMIN)
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()
    return found


async def _until(merchant: Merchant, checkout_id: str, done: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        found = await _session(merchant, checkout_id)
        if done(found):
            return found
        assert time.monotonic() < deadline, found
        await asyncio.sleep(0.05)


async def _messages(page: Any, type_: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await page.evaluate(
        "type => window.testCheckout.log.filter(m => m.type === type)", type_
    )
    return found


async def test_hosted_checkout_in_chromium(
    browser: Any, shop: str, remote_merchant: Merchant, receiver: Receiver, shots: Path
) -> None:
    merchant = remote_merchant
    shop_url = shop
    r = await merchant.client.post(
        "/sandbox/checkouts",
        json={
            "storeId": merchant.stores["walley"],
            "orderLines": [SAMSUNG, SHOES, TSHIRTS],
            "merchantReference": "cart-7",
            "customer": {"firstName": "Ada", "lastName": "Lovelace"},
            "urls": {
                "confirmation": f"{shop_url}/thanks?checkout={{checkout.id}}",
                "notification": receiver.url,
            },
        },
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    made = r.json()
    checkout_id = made["checkoutId"]

    context = await browser.new_context(viewport={"width": 900, "height": 1000})
    page = await context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )

    await page.goto(f"{shop_url}/checkout?token={made['token']}")
    frame = page.frame_locator("iframe[title=Checkout]")
    await frame.get_by_role("heading", name="Your order").wait_for()
    cart = frame.locator("#cart-lines tr")
    assert await cart.count() == 3
    assert await frame.locator("#cart-total").inner_text() == "5175.00 SEK"
    assert await frame.get_by_label("First name").input_value() == "Ada"
    [ready] = await _messages(page, "ready")
    assert ready["session"]["totalAmount"] == made["totalAmount"]
    assert ready["event"] is None  # no provider names an event for the iframe being ready
    hosted = page.frames[1]
    assert await hosted.evaluate(A11Y_CHECK) == []
    assert await hosted.evaluate("() => getComputedStyle(document.body).margin") == "0px"

    # The customer edits the address: saved, and the loader is told.
    await frame.get_by_label("E-mail").fill("ada@example.com")
    await frame.get_by_label("E-mail").press("Tab")
    billing = frame.get_by_role("group", name="Billing address")
    await billing.get_by_label("Street").fill("Storgatan 1")
    await billing.get_by_label("Postal code").fill("11122")
    await billing.get_by_label("City").fill("Stockholm")
    await billing.get_by_label("Country").fill("se")
    await billing.get_by_label("Country").press("Tab")
    saved = await _until(
        merchant,
        checkout_id,
        lambda s: s["customer"].get("billingAddress", {}).get("country") == "SE",
    )
    assert saved["customer"] == {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "email": "ada@example.com",
        "billingAddress": {
            "streetAddress": "Storgatan 1",
            "postalCode": "11122",
            "city": "Stockholm",
            "country": "SE",
        },
    }
    await page.wait_for_function(
        "() => window.testCheckout.log.some(m => m.type === 'shippingUpdated'"
        " && m.country === 'SE')"
    )
    assert (await _messages(page, "customerUpdated"))[-1]["customer"] == saved["customer"]
    await page.screenshot(path=str(shots / "checkout.png"), full_page=True)

    # The shop suspends the checkout while it changes the cart, then resumes it.
    approve = frame.get_by_role("button", name="Approve")
    await page.evaluate("() => window.testCheckout.suspend()")
    await expect(approve).to_be_disabled()
    await page.evaluate("() => window.testCheckout.resume()")
    await page.wait_for_function("() => window.testCheckout.log.some(m => m.type === 'resumed')")
    [resumed] = await _messages(page, "resumed")
    assert resumed["session"]["totalAmount"] == made["totalAmount"]
    await expect(approve).to_be_enabled()

    # The shop's hook before payment stops the payment: nothing is made.
    await page.evaluate("() => { window.testCheckout.hook = () => false; }")
    await frame.get_by_role("button", name="Approve").click()
    await frame.get_by_text("The shop stopped the payment").wait_for()
    [before] = await _messages(page, "beforePayment")
    assert before["persona"] == "approve"
    assert (await _session(merchant, checkout_id))["status"] == "open"

    # Signing locks the session; cancelling opens it again.
    await page.evaluate("() => { window.testCheckout.hook = null; }")
    await frame.get_by_role("button", name="Signing").click()
    await frame.get_by_role("button", name="Sign", exact=True).wait_for()
    assert (await _session(merchant, checkout_id))["status"] == "locked"
    await frame.get_by_role("button", name="Cancel").click()
    await frame.get_by_text("Signing cancelled.").wait_for()
    assert (await _session(merchant, checkout_id))["status"] == "open"
    seen = [m["type"] for m in await page.evaluate("() => window.testCheckout.log")]
    assert [t for t in seen if t in ("locked", "unlocked")] == ["locked", "unlocked"]

    # Approve: the order is made, the top window goes to the confirmation page, the
    # callback reaches the shop.
    await frame.get_by_role("button", name="Approve").click()
    await page.wait_for_url(f"{shop_url}/thanks?checkout={checkout_id}")
    paid = await _until(
        merchant, checkout_id, lambda s: any(c["state"] == "delivered" for c in s["callbacks"])
    )
    assert paid["status"] == "completed" and paid["persona"] == "approve" and paid["orderId"]
    assert receiver.received  # the store's provider's callback (its own shape) reached the shop
    assert refused == []


async def test_decline_in_chromium(browser: Any, shop: str, remote_merchant: Merchant) -> None:
    """Decline ends the session without an order; the customer stays on the shop's checkout
    page (every provider's checkout names no confirmation URL for a decline)."""
    merchant = remote_merchant
    r = await merchant.client.post(
        "/sandbox/checkouts",
        json={
            "storeId": merchant.stores["ledyer"],
            "orderLines": [SHOES],
            "urls": {"confirmation": f"{shop}/thanks"},
        },
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    made = r.json()
    page = await (await browser.new_context()).new_page()
    await page.goto(f"{shop}/checkout?token={made['token']}")
    frame = page.frame_locator("iframe[title=Checkout]")
    await frame.get_by_role("button", name="Decline").click()
    declined = await _until(merchant, made["checkoutId"], lambda s: s["status"] == "declined")
    assert (declined["status"], declined["orderId"], declined["persona"]) == (
        "declined",
        None,
        "decline",
    )
    assert page.url == f"{shop}/checkout?token={made['token']}"

"""Walley's loader (``loader.js``) in Debian's chromium, on the shop page that mirrors the
WooCommerce plugin's checkout JavaScript (``shop/``), with a stand-in iframe that speaks
orderdesk's protocol (``shop/fake_frame.html``): the client API is there when the page's
scripts run, each event reaches the plugin under its ``walleyCheckout…`` name and its older
``collectorCheckout…`` one, the plugin's ``onBeforePayment`` promise answers the iframe
(resolved, or rejected with WooCommerce's error), suspend and resume reach the iframe, and a
completed purchase sends the top window to the shop."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from orderdesk.providers.walley.checkout.dialect import LOADER
from orderdesk.providers.walley.checkout.tests.shop import PAGES

pytestmark = pytest.mark.e2e

TOKEN = "public-SE-7f1b3d2a2a73d348dfbd17d3965ff1458c249f84c695eac1"
LOADER_URL = "https://checkout-uat.collector.se/collector-checkout-loader.js"
FRAME_URL = f"https://checkout-uat.collector.se/orderdesk-checkout/{TOKEN}"


class Stub:
    """The shop and Walley's host, answered by the test."""

    def __init__(self) -> None:
        self.submit: dict[str, Any] = {"result": "success"}
        self.asked: list[str] = []

    async def __call__(self, route: Any) -> None:
        url: str = route.request.url
        if url == LOADER_URL:
            await route.fulfill(body=LOADER.read_bytes(), content_type="text/javascript")
        elif url == FRAME_URL:
            await route.fulfill(path=PAGES / "fake_frame.html", content_type="text/html")
        elif url == "https://shop.test/shop.js":
            await route.fulfill(path=PAGES / "shop.js", content_type="text/javascript")
        elif "wc-ajax=" in url:
            action = url.split("wc-ajax=")[1]
            self.asked.append(action)
            answer: Any = {"result": "success"}
            if action == "walley_get_order":
                answer = {"success": True, "data": {"billing_first_name": "Ada"}}
            elif action == "checkout":
                answer = self.submit
            await route.fulfill(body=orjson.dumps(answer), content_type="application/json")
        elif url == "https://shop.test/checkout/":
            page = (PAGES / "checkout.html").read_text().replace("{token}", TOKEN)
            await route.fulfill(body=page, content_type="text/html")
        elif url.startswith("https://shop.test/thanks"):
            await route.fulfill(body="<title>Thanks</title>", content_type="text/html")
        else:
            await route.abort()


async def test_the_loader_speaks_for_walley_on_the_plugins_page(browser: Any) -> None:
    stub = Stub()
    context = await browser.new_context()
    await context.route("**/*", stub)
    page = await context.new_page()
    await page.add_init_script(
        "window.seen = [];"
        "['walleyCheckoutCustomerUpdated', 'collectorCheckoutCustomerUpdated',"
        " 'walleyCheckoutLocked', 'collectorCheckoutLocked', 'walleyCheckoutResumed',"
        " 'walleyCheckoutPurchaseCompleted'].forEach(function (name) {"
        "  document.addEventListener(name, function (e) {"
        "    window.seen.push([name, e.detail, e.bubbles, e.cancelable]); }); });"
        "document.addEventListener('DOMContentLoaded', function () {"
        "  var api = window.walley && window.walley.checkout.api;"
        "  window.apiAtReady = typeof (api && api.onBeforePayment);"
        "});"
    )
    await page.goto("https://shop.test/checkout/")
    assert await page.evaluate("window.apiAtReady") == "function"
    assert await page.evaluate("window.collector.checkout === window.walley.checkout")
    frame_element = page.locator("#collector-container iframe")
    assert await frame_element.get_attribute("src") == FRAME_URL
    frame = page.frame(url=FRAME_URL)
    assert frame is not None
    await frame.wait_for_function("typeof window.tell === 'function'")

    async def tell(message: dict[str, Any]) -> None:
        await frame.evaluate("m => window.tell(m)", message)

    # The customer changes the address: the plugin updates the session between suspend and
    # resume; the iframe, reloaded, says so: walleyCheckoutResumed.
    await tell({"type": "customerUpdated", "event": "walleyCheckoutCustomerUpdated"})
    await frame.wait_for_function("window.heard.length >= 2")
    assert [m["type"] for m in await frame.evaluate("window.heard")] == ["suspend", "resume"]
    assert all(
        m["orderdesk"] == "checkout" and m["token"] == TOKEN
        for m in await frame.evaluate("window.heard")
    )
    assert stub.asked == ["update_order_review"]
    await tell({"type": "resumed", "event": "walleyCheckoutResumed", "height": 640})
    await page.wait_for_function("window.seen.length >= 3")
    assert await page.evaluate("window.seen") == [
        ["walleyCheckoutCustomerUpdated", TOKEN, False, False],
        ["collectorCheckoutCustomerUpdated", TOKEN, False, False],
        ["walleyCheckoutResumed", TOKEN, False, False],
    ]
    assert await frame_element.evaluate("f => f.style.height") == "640px"

    # Locked while paying: the plugin blocks its order review.
    await tell({"type": "locked", "event": "walleyCheckoutLocked"})
    table = page.locator(".woocommerce-checkout-review-order-table.blocked")
    await table.wait_for()
    await tell({"type": "unlocked", "event": "walleyCheckoutUnlocked"})
    await table.wait_for(state="detached")

    # Pay: the plugin's onBeforePayment gets the Walley order, then submits WooCommerce's form.
    await tell({"type": "beforePayment", "event": None, "id": "p1", "persona": "approve"})
    await frame.wait_for_function("window.heard.some(m => m.type === 'beforePaymentResult')")
    [result] = [
        m for m in await frame.evaluate("window.heard") if m["type"] == "beforePaymentResult"
    ]
    assert (result["id"], result["ok"], result["message"]) == ("p1", True, "")
    assert stub.asked[1:] == ["walley_get_order", "checkout"]

    # WooCommerce refuses the order: the promise is rejected, the iframe is told why.
    stub.submit = {
        "result": "failure",
        "messages": '<ul class="woocommerce-error"><li>Out of stock</li></ul>',
    }
    await tell({"type": "beforePayment", "event": None, "id": "p2", "persona": "approve"})
    await frame.wait_for_function(
        "window.heard.filter(m => m.type === 'beforePaymentResult').length === 2"
    )
    result = [
        m for m in await frame.evaluate("window.heard") if m["type"] == "beforePaymentResult"
    ][1]
    assert (result["id"], result["ok"], result["message"]) == ("p2", False, "Out of stock")
    assert await page.locator("form.checkout .woocommerce-error").inner_text() == "Out of stock"

    # A loader tag jQuery appends (the plugin's thank-you page): jQuery disables the tag and
    # runs the script through a tag of its own, without the attributes.
    await page.evaluate(
        """src => {
            const tagged = document.createElement("script");
            tagged.type = "false/text/javascript";
            tagged.src = src;
            tagged.setAttribute("data-token", "public-SE-thanks");
            document.body.appendChild(tagged);
            const bare = document.createElement("script");
            bare.src = src;
            document.head.appendChild(bare);
        }""",
        LOADER_URL,
    )
    await page.locator('iframe[data-token="public-SE-thanks"]').wait_for(state="attached")
    assert await page.locator("iframe").count() == 2

    # The purchase completes: the plugin hears it and the top window goes to the shop.
    async with page.expect_navigation(url="https://shop.test/thanks?c=1"):
        await tell(
            {
                "type": "completed",
                "event": "walleyCheckoutPurchaseCompleted",
                "status": "completed",
                "orderId": "o",
                "redirectUrl": "https://shop.test/thanks?c=1",
            }
        )
    await context.close()

"""A WooCommerce checkout with Kustom/Klarna Checkout in Chromium against orderdesk alone.

The shop (``kco_shop.py``: its page, the WooCommerce AJAX endpoints, the plugin's server
requests byte for byte) prints the ``html_snippet``; the page's script is ours, mirroring the
plugin's (``kco_shop/kco-shop.js`` names its file and commit): it registers its handlers
through ``window._klarnaCheckout`` on DOM ready, suspends and updates the order when the
shipping address changes, and answers ``validation_callback`` by placing the WooCommerce order.
orderdesk's loader mounts the hosted checkout; the customer fills the form and pays:

- approve: the shop's update from the validation callback, the purchase, the top window on
  the order-received page, the push, the shop's acknowledgement, a capture;
- reject: WooCommerce refuses the order (out of stock), the callback says
  ``should_proceed: false``, the customer stays with the message, no order;
- validation failure: the shop's validation URL answers ``303``; the customer is sent to its
  ``Location``, no order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from orderdesk.providers.klarna.tests.kco_requests import KCO_UPDATE
from orderdesk.providers.klarna.tests.kco_shop import WC_ORDER_ID, KcoShop
from orderdesk.providers.klarna.tests.test_klarna_checkout import Hook
from tests.support.sandbox import ADMIN, Merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e


@pytest.fixture
async def kco_shop(server: Server, remote_merchant: Merchant) -> Iterator[KcoShop]:
    await remote_merchant.store("klarna")
    shop = KcoShop(
        (server.host, server.port), remote_merchant.client_id, remote_merchant.client_secret
    ).start()
    yield shop
    shop.stop()


async def _until(check: Any, what: str) -> None:
    deadline = time.monotonic() + 15
    while not check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def _fill_customer(page: Any, frame: Any, shop: KcoShop) -> None:
    """The customer types the form field by field; after each field the page may suspend the
    checkout and update the order, so the next field waits until the checkout is back (a
    field disabled while being typed in would lose its change)."""
    billing = frame.get_by_role("group", name="Billing address")
    fields = [
        (frame.get_by_label("First name"), "Ada"),
        (frame.get_by_label("Last name"), "Lovelace"),
        (frame.get_by_label("E-mail"), "ada@example.com"),
        (billing.get_by_label("Street"), "Storgatan 1"),
        (billing.get_by_label("Postal code"), "11122"),
        (billing.get_by_label("City"), "Stockholm"),
        (billing.get_by_label("Country"), "se"),
    ]
    for field, value in fields:
        await field.fill(value)
        await field.press("Tab")
        await _settled(page, frame, shop)


async def _settled(page: Any, frame: Any, shop: KcoShop) -> None:
    """Every shipping address change the page saw has its update done, and the checkout is
    not suspended."""

    async def changes() -> int:
        count: int = await page.evaluate(
            "() => window.kcoShopEvents.filter(e => e[0] === 'shipping_address_change').length"
        )
        return count

    deadline = time.monotonic() + 15
    while sum(a == "update_order_review" for a, _ in shop.ajax) < await changes():
        assert time.monotonic() < deadline, "the shop's updates"
        await asyncio.sleep(0.05)
    await frame.locator("#checkout[aria-busy=false]").wait_for()


async def _events(page: Any) -> list[str]:
    names: list[str] = await page.evaluate("() => window.kcoShopEvents.map(e => e[0])")
    return names


async def _open(browser: Any, shop: KcoShop) -> tuple[Any, Any, Any]:
    context = await browser.new_context(viewport={"width": 900, "height": 1100})
    page = await context.new_page()
    await page.goto(f"{shop.url}/kassa/")
    frame = page.frame_locator("#klarna-checkout-iframe")
    await frame.get_by_role("heading", name="Your order").wait_for()
    return context, page, frame


async def test_approve(browser: Any, kco_shop: KcoShop, remote_merchant: Merchant) -> None:
    shop = kco_shop
    context, page, frame = await _open(browser, shop)
    order_id = shop.klarna_order_id
    assert await frame.locator("#cart-total").inner_text() == "861.25 SEK"

    await _fill_customer(page, frame, shop)
    # The shipping address is known: the page suspends the checkout, the shop updates the
    # order (quantity 3), the checkout resumes with the new cart.
    await _until(
        lambda: any(
            c.path.endswith(order_id) and c.body == shop.mine(KCO_UPDATE) for c in shop.calls
        ),
        "the shop's update",
    )
    await frame.get_by_text("1261.25 SEK").wait_for()
    names = await _events(page)
    assert {"customer", "change", "billing_address_change", "shipping_address_change"} <= set(names)
    await page.wait_for_function(
        "() => window.kcoShopEvents.some(e => e[0] === 'order_total_change'"
        " && e[1].order_total === 126125)"
    )
    last = (
        "() => window.kcoShopEvents.filter(e => e[0] === 'shipping_address_change'"
        " && e[1].city === 'Stockholm').pop()"
    )
    await page.wait_for_function(last)
    shipping = await page.evaluate(last + "[1]")
    assert shipping == {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "email": "ada@example.com",
        "street_address": "Storgatan 1",
        "postal_code": "11122",
        "city": "Stockholm",
        "country": "se",
    }

    await frame.get_by_role("button", name="Approve").click()
    await page.wait_for_url(
        f"{shop.url}/kassa/order-received/{WC_ORDER_ID}/?key=wc_order_Xq2fTtA9&kco_confirm=yes"
        f"&kco_order_id={order_id}&order_id={WC_ORDER_ID}"
    )
    actions = [action for action, _ in shop.ajax]
    assert actions[0] == "kco_customer_type_changed"
    last_update = len(actions) - 1 - actions[::-1].index("update_order_review")
    assert actions[last_update:] == [
        "update_order_review",
        "kco_wc_log_js",  # "validation_callback from Kustom triggered"
        "kco_wc_get_klarna_order",
        "checkout",
        "kco_wc_log_js",  # "Successfully placed order …"
        "kco_wc_log_js",  # "Redirect initiated by Kustom …"
    ]
    assert shop.ajax[last_update + 1][1]["message"] == ["validation_callback from Kustom triggered"]
    confirmation = [
        c for c in shop.calls if c.method == "POST" and b"merchant_reference1" in c.body
    ]
    assert [c.status for c in confirmation] == [200]
    read = [c for c in shop.calls if c.method == "GET" and c.path.endswith(order_id)]
    billing = read[-1].json()["billing_address"]
    assert (billing["given_name"], billing["postal_code"]) == ("Ada", "11122")

    await _until(lambda: len(shop.pushes) >= 1, "the push")
    await _until(
        lambda: any(c.path.endswith("/acknowledge") and c.status == 204 for c in shop.calls),
        "the acknowledgement",
    )
    om = shop.call("GET", f"/ordermanagement/v1/orders/{order_id}")
    assert om.status == 200
    order = om.json()
    assert (order["status"], order["order_amount"]) == ("AUTHORIZED", 126125)
    assert (order["merchant_reference1"], order["merchant_reference2"]) == (
        str(WC_ORDER_ID),
        str(WC_ORDER_ID),
    )
    assert order["billing_address"]["given_name"] == "Ada"
    captured = shop.call(
        "POST", f"/ordermanagement/v1/orders/{order_id}/captures", b'{"captured_amount":126125}'
    )
    assert captured.status == 201, captured.answer
    await context.close()


async def test_reject(browser: Any, kco_shop: KcoShop, remote_merchant: Merchant) -> None:
    shop = kco_shop
    shop.out_of_stock = True
    context, page, frame = await _open(browser, shop)
    await _fill_customer(page, frame, shop)
    await frame.get_by_text("1261.25 SEK").wait_for()  # the shop's update is in
    await frame.get_by_role("button", name="Approve").click()
    await frame.get_by_text("Tröja is out of stock.").wait_for()
    assert await page.locator("#notices").inner_text() == "Tröja is out of stock."
    assert "can_not_complete_order" in await _events(page)
    r = await remote_merchant.client.get(
        f"/sandbox/checkouts/{shop.klarna_order_id}", headers=ADMIN
    )
    assert (r.json()["status"], r.json()["callbacks"]) == ("open", [])
    om = shop.call("GET", f"/ordermanagement/v1/orders/{shop.klarna_order_id}")
    assert om.status == 404
    assert page.url == f"{shop.url}/kassa/"
    await context.close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    running = Hook().start()
    yield running
    assert running.server is not None
    running.server.shutdown()
    running.server.server_close()


async def test_validation_failure(
    browser: Any, kco_shop: KcoShop, remote_merchant: Merchant, hook: Hook
) -> None:
    shop = kco_shop
    shop.validation = hook.url
    hook.status, hook.location = 303, f"{shop.url}/kassa/?kco_error=stock"
    context, page, frame = await _open(browser, shop)
    await _fill_customer(page, frame, shop)
    await frame.get_by_text("1261.25 SEK").wait_for()
    await frame.get_by_role("button", name="Approve").click()
    await page.wait_for_url(f"{shop.url}/kassa/?kco_error=stock")
    assert len(hook.received) == 1
    r = await remote_merchant.client.get(
        f"/sandbox/checkouts/{shop.klarna_order_id}", headers=ADMIN
    )
    assert (r.json()["status"], r.json()["orderId"]) == ("open", shop.klarna_order_id)
    om = shop.call("GET", f"/ordermanagement/v1/orders/{shop.klarna_order_id}")
    assert om.status == 404
    await context.close()

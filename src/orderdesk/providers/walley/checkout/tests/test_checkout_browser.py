"""A WooCommerce shop's checkout with Walley, in Debian's chromium against a real
``orderdesk serve``: the page and script that mirror the plugin (``shop/``, ``shop.py``), the
plugin's hard-coded Walley hosts answered by orderdesk through Playwright's routing, the
session made with the plugin's own body, orderdesk's loader and hosted checkout.

Approve (the address edited first: the plugin updates the session between suspend and
resume), reject, and validation failure both ways (WooCommerce's checkout refuses the order
in ``onBeforePayment``; the shop's ``validationUri`` refuses it); the purchase confirmed by
the redirect and by Walley's notification, and its order captured through ``/manage``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from orderdesk.providers.walley.checkout.tests.client import fixture
from orderdesk.providers.walley.checkout.tests.shop import SHOP, WALLEY_HOSTS, Shop
from tests.support.receiver import Receiver
from tests.support.sandbox import Merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e


@dataclass
class Checkout:
    page: Any
    frame: Any
    shop: Shop
    receiver: Receiver
    csp: list[str]


async def new_shop(
    server: Server, merchant: Merchant, receiver: Receiver, validation: bool
) -> Shop:
    """The shop's Walley session, made with the plugin's body; its notificationUri (and
    validationUri) on ``receiver``."""
    auth = await merchant.walley_headers()
    api = httpx.AsyncClient(
        base_url=server.url, headers={**auth, "content-type": "application/json"}
    )
    _, _, body = fixture("kro_initialize.http")
    base = receiver.url.removesuffix("/hooks").replace("/", "\\/").encode()
    store = merchant.stores["walley"].encode()
    body = body.replace(b'"storeId":"1158"', b'"storeId":"%s"' % store)
    body = body.replace(b"http:\\/\\/shop.test\\/wc-api", base + b"\\/wc-api")
    body = body.replace(b"http:\\/\\/shop.test", b"https:\\/\\/shop.test")
    if validation:
        uri = b'"validationUri":"%s\\/validate\\/{checkout.publictoken}",' % base
        body = body.replace(b'"fees":"",', b'"fees":"",' + uri)
    r = await api.post("/checkouts", content=body)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    return Shop(api, data["privateId"], data["publicToken"])


@pytest.fixture
async def context(browser: Any) -> AsyncIterator[Any]:
    made = await browser.new_context(viewport={"width": 1000, "height": 1200})
    yield made
    await made.unroute_all(behavior="ignoreErrors")  # requests still routed as it closes
    await made.close()


async def open_checkout(
    context: Any, server: Server, merchant: Merchant, receiver: Receiver, validation: bool = False
) -> Checkout:
    shop = await new_shop(server, merchant, receiver, validation)

    async def answer(route: Any) -> None:
        request = route.request
        url: str = request.url
        if url.startswith(SHOP):
            status, kind, body = await shop.answer(request.method, url, request.post_data or "")
            await route.fulfill(status=status, content_type=kind, body=body)
        elif url.startswith(WALLEY_HOSTS):
            path = "/" + url.split("/", 3)[3]
            await route.fulfill(response=await route.fetch(url=server.url + path))
        else:
            await route.abort()

    await context.route("**/*", answer)
    page = await context.new_page()
    csp: list[str] = []
    page.on(
        "console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None
    )
    await page.goto(f"{SHOP}/checkout/")
    frame = page.frame_locator("#collector-container iframe")
    await frame.get_by_role("heading", name="Your order").wait_for()
    return Checkout(page, frame, shop, receiver, csp)


async def shop_log(page: Any) -> list[str]:
    found: list[str] = await page.locator("#shop-log li").all_inner_texts()
    return found


async def notified(receiver: Receiver, count: int) -> list[Any]:
    deadline = time.monotonic() + 15
    while len([r for r in receiver.received if r.method == "GET"]) < count:
        assert time.monotonic() < deadline, receiver.received
        await asyncio.sleep(0.05)
    return [r for r in receiver.received if r.method == "GET"]


async def test_approve_after_an_address_change_then_capture(
    context: Any, server: Server, remote_merchant: Merchant, receiver: Receiver
) -> None:
    c = await open_checkout(context, server, remote_merchant, receiver)
    frame, page, shop = c.frame, c.page, c.shop
    assert await frame.locator("#cart-lines tr").count() == 2
    assert await frame.locator("#cart-total").inner_text() == "285.00 SEK"

    # The customer's address: the plugin hears walleyCheckoutCustomerUpdated, and WooCommerce's
    # update_checkout updates the session (PUT /checkouts/{id}/) between suspend and resume.
    await frame.get_by_label("First name").fill("Ada")
    billing = frame.get_by_role("group", name="Billing address")
    await billing.get_by_label("Street").fill("Storgatan 1")
    await billing.get_by_label("Postal code").fill("11122")
    await billing.get_by_label("City").fill("Stockholm")
    await billing.get_by_label("Country").fill("SE")
    await billing.get_by_label("Country").press("Tab")
    await frame.locator("#cart-lines tr").nth(3).wait_for()  # the update's cart and shipping
    assert await frame.locator("#cart-total").inner_text() == "433.00 SEK"
    assert "walleyCheckoutCustomerUpdated" in await shop_log(page)
    assert "walleyCheckoutShippingUpdated" in await shop_log(page)
    info = await shop.checkout_information()
    assert info["status"] == "CustomerIdentified"
    assert info["customer"]["billingAddress"]["address"] == "Storgatan 1"
    assert info["customer"]["billingAddress"]["countryCode"] == "SE"

    # Pay: the plugin's onBeforePayment gets the Walley order and submits WooCommerce's form;
    # then the top window goes to the shop's redirectPageUri, and the notification comes.
    await frame.get_by_role("button", name="Approve").click()
    await page.wait_for_url(f"{SHOP}/checkout/?walley_confirm=1&public-token={shop.token}")
    assert shop.asked[-2:] == ["walley_get_order", "checkout"]
    [confirmed] = shop.confirmed
    assert (confirmed["status"], confirmed["purchase"]["result"]) == (
        "PurchaseCompleted",
        "Preliminary",
    )
    order_id = confirmed["order"]["orderId"]
    [notification] = await notified(receiver, 1)
    assert notification.path == (
        "/wc-api/Collector_Checkout_Gateway/?notification-callback=1"
        f"&private-id={shop.private_id}&public-token={shop.token}&customer-type=b2c"
    )
    captured = await shop.api.post(f"/manage/orders/{order_id}/capture", json={"amount": 433})
    assert captured.status_code == 202, captured.text
    assert c.csp == []


async def test_reject_makes_no_order_and_keeps_the_customer_in_the_checkout(
    context: Any, server: Server, remote_merchant: Merchant, receiver: Receiver
) -> None:
    c = await open_checkout(context, server, remote_merchant, receiver)
    await c.frame.get_by_role("button", name="Decline").click()
    await c.frame.get_by_text("This checkout is declined.").wait_for()
    assert c.page.url == f"{SHOP}/checkout/"
    info = await c.shop.checkout_information()
    assert (info["status"], info["order"], info["purchase"]) == ("Aborted", None, None)
    assert "walleyCheckoutPurchaseCompleted" not in await shop_log(c.page)
    assert [r for r in receiver.received if r.method == "GET"] == []


async def test_woocommerce_refuses_the_order_before_payment(
    context: Any, server: Server, remote_merchant: Merchant, receiver: Receiver
) -> None:
    c = await open_checkout(context, server, remote_merchant, receiver)
    c.shop.submit = {
        "result": "failure",
        "messages": '<ul class="woocommerce-error"><li>Shoes is out of stock.</li></ul>',
    }
    await c.frame.get_by_role("button", name="Approve").click()
    await c.frame.get_by_text("Shoes is out of stock.").wait_for()
    assert await c.page.locator("form.checkout .woocommerce-error").inner_text() == (
        "Shoes is out of stock."
    )
    assert "Before payment error | Shoes is out of stock." in await shop_log(c.page)
    info = await c.shop.checkout_information()
    assert (info["status"], info["order"]) == ("Initialized", None)
    c.shop.submit = {"result": "success"}  # the customer tries again
    await c.frame.get_by_role("button", name="Approve").click()
    await c.page.wait_for_url(f"{SHOP}/checkout/?walley_confirm=1&public-token={c.shop.token}")


async def test_the_shops_validation_uri_refuses_the_purchase(
    context: Any, server: Server, remote_merchant: Merchant, receiver: Receiver
) -> None:
    receiver.statuses = [409]
    c = await open_checkout(context, server, remote_merchant, receiver, validation=True)
    await c.frame.get_by_role("button", name="Approve").click()
    await c.frame.get_by_text("The shop refused the purchase (HTTP 409).").wait_for()
    assert "walleyCheckoutOrderValidationFailed" in await shop_log(c.page)
    [validation] = receiver.received
    assert (validation.method, validation.path) == ("POST", f"/validate/{c.shop.token}")
    info = await c.shop.checkout_information()
    assert (info["status"], info["order"]) == ("Initialized", None)

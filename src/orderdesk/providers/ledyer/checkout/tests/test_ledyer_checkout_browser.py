"""Ledyer Checkout in Chromium: a WooCommerce checkout page (``shop/checkout.html``) whose
script mirrors the plugin's (``shop/lco-mirror.js``), the plugin's server side stubbed
(``shop.py``), orderdesk's ``/bootstrap.js`` and hosted checkout behind Ledyer's checkout host,
against a real ``orderdesk serve``. Approve ends on the shop's order-received page with the
order confirmed, acknowledged, notified and then captured through order management; reject
makes no order; a refused WooCommerce validation stops the purchase in the checkout."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import httpx
import orjson
import pytest

from orderdesk.providers.ledyer.checkout.tests.shop import (
    LEDYER,
    RECEIVED,
    SHOP,
    Shop,
    to_orderdesk,
)
from orderdesk.providers.ledyer.checkout.tests.test_ledyer_sessions import create_body
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, Merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e


@pytest.fixture
async def api(remote_merchant: Merchant) -> AsyncIterator[httpx.AsyncClient]:
    headers = await remote_merchant.ledyer_headers()
    async with httpx.AsyncClient(
        base_url=str(remote_merchant.client.base_url), headers=headers, timeout=30
    ) as client:
        yield client


async def open_shop(browser: Any, server: Server, shop: Shop) -> tuple[Any, Any]:
    context = await browser.new_context()
    await context.route(f"{SHOP}/**", shop.handle)
    await context.route(f"{LEDYER}/**", partial(to_orderdesk, server.url))
    page = await context.new_page()
    await page.goto(f"{SHOP}/checkout/")
    frame = page.frame_locator("#lco-iframe iframe")
    await frame.locator("#checkout[aria-busy=false]").wait_for()
    return context, frame


async def close(context: Any) -> None:
    """Close the browser; requests still in flight (the hosted checkout reloading its session)
    are dropped."""
    await context.unroute_all(behavior="ignoreErrors")
    await context.close()


async def test_approve(
    browser: Any,
    server: Server,
    remote_merchant: Merchant,
    api: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    shop = Shop(api, create_body(remote_merchant, receiver.url))
    context, frame = await open_shop(browser, server, shop)
    page = context.pages[0]
    assert await page.evaluate("typeof window.ledyer.api.clientValidation") == "function"
    await frame.locator("input[name=firstName]").fill("Greta")
    await frame.locator("input[name=lastName]").fill("Garbo")
    await frame.locator("input[name=email]").fill("greta@example.com")
    await frame.locator("input[name='billing.streetAddress']").fill("Storgatan 1")
    await frame.locator("input[name='billing.city']").fill("Stockholm")
    await frame.locator("input[name='billing.postalCode']").press("Tab")
    await frame.locator("button[data-persona=approve]").click()
    await page.wait_for_url(RECEIVED)
    assert shop.logs[:2] == [
        "ledyerCheckoutWaitingForClientValidation from Ledyer triggered",
        "Successfully created order in WooCommerce.",
    ]
    assert "ledyerCheckoutOrderComplete from Ledyer triggered" in shop.logs
    assert shop.confirmed == {
        "order": 200,
        "reference": 200,
        "paymentStatus": {
            "note": "Authorized",
            "paymentMethod": {"provider": "ledyer", "type": "invoice"},
            "status": "paymentConfirmed",
        },
        "acknowledge": 201,
    }
    await close(context)

    order = (await shop.ledyer("GET", f"/v1/orders/{shop.order_id}")).json()
    assert (order["merchantReference"], order["status"]) == ("1042", ["uncaptured"])
    assert (order["customer"]["firstName"], order["customer"]["email"]) == (
        "Greta",
        "greta@example.com",
    )
    notified = await receiver.wait_for(2)
    assert [n["eventType"] for n in notified] == [
        "com.ledyer.order.create",
        "com.ledyer.order.ready_for_capture",
    ]
    lines = [{k: v for k, v in x.items() if k != "id"} for x in order["uncaptured"]["orderLines"]]
    capture = orjson.dumps({"orderLines": lines, "totalCaptureAmount": 96125})
    r = await shop.ledyer("POST", f"/v1/orders/{shop.order_id}/capture", capture)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == ["fullyCaptured"]


async def test_reject(
    browser: Any,
    server: Server,
    remote_merchant: Merchant,
    api: httpx.AsyncClient,
) -> None:
    shop = Shop(api, create_body(remote_merchant))
    context, frame = await open_shop(browser, server, shop)
    await frame.locator("button[data-persona=decline]").click()
    await frame.locator("#status", has_text="declined").wait_for()
    page = context.pages[0]
    assert page.url == f"{SHOP}/checkout/"
    assert "ledyerCheckoutOrderComplete from Ledyer triggered" not in shop.logs
    await close(context)
    session = (await shop.ledyer("GET", f"/v1/sessions/{shop.order_id}")).json()
    assert session["status"] == "declined"
    r = await shop.ledyer("GET", f"/v1/orders/{shop.order_id}")
    assert r.status_code == 404


async def test_validation_failure(
    browser: Any,
    server: Server,
    remote_merchant: Merchant,
    api: httpx.AsyncClient,
) -> None:
    shop = Shop(api, create_body(remote_merchant), refuse_checkout=True)
    context, frame = await open_shop(browser, server, shop)
    page = context.pages[0]
    await frame.locator("button[data-persona=approve]").click()
    await frame.locator("#status.error").wait_for()
    assert "Vänligen kontrollera" in await frame.locator("#status").inner_text()
    notice = page.locator(".woocommerce-NoticeGroup-checkout .woocommerce-error")
    assert await notice.inner_text() == "Ogiltigt telefonnummer."
    assert page.url == f"{SHOP}/checkout/"
    await close(context)
    session = (await shop.ledyer("GET", f"/v1/sessions/{shop.order_id}")).json()
    assert session["status"] == "initiated"
    r = await shop.ledyer("GET", f"/v1/orders/{shop.order_id}/paymentstatus")
    assert r.json()["status"] == "orderInitiated"


async def test_signing_a_signatory_approves_later(
    browser: Any,
    server: Server,
    remote_merchant: Merchant,
    api: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    """The signing persona: ``ledyerCheckoutOrderPending``, the plugin places its order and
    goes to the order-received page while the order is pending; the signatory's approval (the
    sandbox's pay) makes the order and sends the notification."""
    shop = Shop(api, create_body(remote_merchant, receiver.url))
    context, frame = await open_shop(browser, server, shop)
    page = context.pages[0]
    await frame.locator("button[data-persona=signing]").click()
    await page.wait_for_url(RECEIVED)
    assert "ledyerCheckoutOrderPending from Ledyer triggered" in shop.logs
    assert shop.confirmed == {
        "order": 404,
        "reference": 404,
        "paymentStatus": {
            "note": "Awaiting signature",
            "paymentMethod": {"provider": "ledyer", "type": "invoice"},
            "status": "orderPending",
        },
        "acknowledge": 404,
    }
    await close(context)
    assert receiver.bodies() == []
    r = await remote_merchant.client.post(
        f"/sandbox/checkouts/{shop.session_id}/pay", json={"persona": "signing"}, headers=ADMIN
    )
    assert (r.status_code, r.json()["status"]) == (200, "completed")
    notified = await receiver.wait_for(2)
    assert notified[0]["eventType"] == "com.ledyer.order.create"
    r = await shop.ledyer("GET", f"/v1/orders/{shop.order_id}/paymentstatus")
    assert r.json()["status"] == "paymentConfirmed"


async def test_a_lost_redirect_leaves_only_the_notification(
    browser: Any,
    server: Server,
    remote_merchant: Merchant,
    api: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    """The store's scenario loses the redirect: the order is made but the page never hears
    ``ledyerCheckoutOrderComplete``, so it stays; the notification confirms the order."""
    r = await remote_merchant.client.put(
        f"/sandbox/stores/{remote_merchant.stores['ledyer']}/checkout-scenario",
        json={"redirect": "lost"},
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    shop = Shop(api, create_body(remote_merchant, receiver.url))
    context, frame = await open_shop(browser, server, shop)
    page = context.pages[0]
    await frame.locator("button[data-persona=approve]").click()
    await frame.locator("#status", has_text="completed").wait_for()
    notified = await receiver.wait_for(2)
    assert notified[0] == {
        "eventType": "com.ledyer.order.create",
        "merchantId": remote_merchant.merchant_id,
        "orderId": shop.order_id,
        "reference": "",
        "storeId": remote_merchant.stores["ledyer"],
    }
    assert page.url == f"{SHOP}/checkout/"
    assert "ledyerCheckoutOrderComplete from Ledyer triggered" not in shop.logs
    assert shop.confirmed == {}
    await close(context)


async def test_a_cart_change_suspends_updates_and_resumes(
    browser: Any,
    server: Server,
    remote_merchant: Merchant,
    api: httpx.AsyncClient,
) -> None:
    """A quantity changed on the shop's page: ``window.ledyer.api.suspend()``, the session
    updated by the shop's server (the same ids echoed), ``resume()``: the checkout shows the
    new cart."""
    shop = Shop(api, create_body(remote_merchant))
    context, frame = await open_shop(browser, server, shop)
    page = context.pages[0]
    assert await frame.locator("#cart-total").inner_text() == "961.25 SEK"
    await page.locator("#qty").fill("3")
    await page.locator("#qty").press("Tab")
    await frame.locator("#cart-total", has_text="1411.25 SEK").wait_for()
    await close(context)
    session = (await shop.ledyer("GET", f"/v1/sessions/{shop.order_id}")).json()
    assert (
        session["order"]["totalOrderAmount"],
        session["order"]["orderLines"][0]["quantity"],
    ) == (
        141125,
        3,
    )

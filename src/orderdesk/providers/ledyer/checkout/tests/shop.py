"""A WooCommerce shop with Ledyer Checkout for WooCommerce, without WordPress: the checkout
page (``shop/checkout.html``) and the plugin's server side as its PHP calls Ledyer
(ledyer/ledyer-checkout-for-woocommerce @20b4a099100b52afafb75daf2710c40497847319), served to
Chromium through Playwright's routing at ``https://shop.example``; the loader's host
``https://checkout.sandbox.ledyer.com`` is routed to orderdesk.

- page load: ``lco_create_or_update_order`` → ``POST /v1/sessions`` (the plugin's body);
- ``?wc-ajax=lco_wc_get_ledyer_order``: ``GET /v1/sessions/{orderId}``, the customer's
  fields (``class-ledyer-ajax.php::set_customer_data``);
- ``?wc-ajax=checkout``: WooCommerce's checkout; ``process_payment_handler`` reads the
  session again and answers the order-received URL with ``lco_confirm=yes`` (or a failed
  validation: WooCommerce's error list);
- ``?wc-ajax=lco_wc_update_cart``: ``POST /v1/sessions/{orderId}``;
- ``?wc-ajax=lco_wc_log_js``: the page's log lines, kept;
- the order-received page: ``class-ledyer-confirmation.php::confirm_order`` — get order,
  reference, payment status, acknowledge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from orderdesk.providers.ledyer.checkout.tests import plugin_requests as sent

SHOP = "https://shop.example"
LEDYER = "https://checkout.sandbox.ledyer.com"
PAGE = (Path(__file__).parent / "shop" / "checkout.html").read_text()
MIRROR = Path(__file__).parent / "shop" / "lco-mirror.js"
ORDER_NUMBER = "1042"
RECEIVED = f"{SHOP}/checkout/order-received/{ORDER_NUMBER}/?key=wc_order_x&lco_confirm=yes"
WC_ERROR = '<ul class="woocommerce-error" role="alert"><li>Ogiltigt telefonnummer.</li></ul>'


@dataclass
class Shop:
    api: httpx.AsyncClient  # orderdesk, with the shop's Ledyer token
    create_body: bytes
    script: Path = MIRROR
    refuse_checkout: bool = False
    order_id: str = ""
    session_id: str = ""
    logs: list[str] = field(default_factory=list)
    confirmed: dict[str, Any] = field(default_factory=dict)

    async def ledyer(self, method: str, path: str, body: bytes | None = None) -> httpx.Response:
        return await self.api.request(method, path, content=body, headers=sent.HEADERS)

    async def open_checkout(self) -> str:
        r = await self.ledyer("POST", "/v1/sessions", self.create_body)
        assert r.status_code == 200, r.text
        self.order_id, self.session_id = r.json()["orderId"], r.json()["sessionId"]
        return PAGE.replace("{session_id}", self.session_id).replace(
            "{scripts}", '<script src="/lco.js"></script>'
        )

    async def customer_fields(self) -> dict[str, Any]:
        r = await self.ledyer("GET", f"/v1/sessions/{self.order_id}")
        assert r.status_code == 200, r.text
        customer = r.json()["customer"]
        billing = customer.get("billingAddress") or {}
        return {
            "billing_address": {
                "billing_first_name": customer["firstName"],
                "billing_last_name": customer["lastName"],
                "billing_email": customer["email"],
                "billing_phone": customer["phone"],
                "billing_address_1": billing.get("streetAddress", ""),
                "billing_postcode": billing.get("postalCode", ""),
                "billing_city": billing.get("city", ""),
                "billing_country": billing.get("country", ""),
            },
            "shipping_address": None,
        }

    async def confirm(self) -> None:
        order = await self.ledyer("GET", f"/v1/orders/{self.order_id}")
        reference = await self.ledyer(
            "POST", f"/v1/orders/{self.order_id}/reference", sent.SET_REFERENCE
        )
        status = await self.ledyer("GET", f"/v1/orders/{self.order_id}/paymentstatus")
        acknowledged = await self.ledyer("POST", f"/v1/orders/{self.order_id}/acknowledge")
        self.confirmed = {
            "order": order.status_code,
            "reference": reference.status_code,
            "paymentStatus": status.json(),
            "acknowledge": acknowledged.status_code,
        }

    async def handle(self, route: Any) -> None:
        """Playwright's route handler for every request to the shop."""
        request = route.request
        url = urlsplit(request.url)
        action = parse_qs(url.query).get("wc-ajax", [""])[0]
        if url.path == "/checkout/" and request.method == "GET":
            await route.fulfill(content_type="text/html", body=await self.open_checkout())
        elif url.path == "/lco.js":
            await route.fulfill(content_type="text/javascript", body=self.script.read_text())
        elif action == "lco_wc_log_js":
            self.logs.append(parse_qs(request.post_data or "").get("message", [""])[0])
            await route.fulfill(json={"success": True})
        elif action == "lco_wc_get_ledyer_order":
            await route.fulfill(json={"success": True, "data": await self.customer_fields()})
        elif action == "checkout":
            if self.refuse_checkout:
                await route.fulfill(
                    json={"result": "failure", "messages": WC_ERROR, "refresh": False,
                          "reload": False}
                )  # fmt: skip
                return
            r = await self.ledyer("GET", f"/v1/sessions/{self.order_id}")
            assert r.json()["orderId"] == self.order_id
            await route.fulfill(json={"result": "success", "redirect": RECEIVED})
        elif action == "lco_wc_update_cart":
            r = await self.ledyer("POST", f"/v1/sessions/{self.order_id}", sent.UPDATE_SESSION)
            await route.fulfill(status=200 if r.is_success else 500, body="")
        elif url.path.startswith("/checkout/order-received/"):
            await self.confirm()
            await route.fulfill(content_type="text/html", body="<!doctype html><title>Tack</title>")
        else:
            await route.fulfill(status=404, body="")


async def to_orderdesk(server_url: str, route: Any) -> None:
    """Requests for Ledyer's checkout host, answered by orderdesk (the loader and the hosted
    checkout it mounts)."""
    url = urlsplit(route.request.url)
    target = server_url + url.path + (f"?{url.query}" if url.query else "")
    response = await route.fetch(url=target)
    await route.fulfill(response=response)

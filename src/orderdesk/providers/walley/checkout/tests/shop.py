"""A WooCommerce shop with Walley's plugin, for the browser tests, without WordPress.

The browser sees ``https://shop.test`` (the page of ``shop/``, the stubbed WooCommerce AJAX
endpoints the plugin's JavaScript calls) and the hosts the plugin hard-codes for Walley
(``checkout-uat.collector.se`` for the loader, ``api.uat.walleydev.com``), all answered
through Playwright's routing: Walley's hosts by the orderdesk server under test. The shop's
server side calls orderdesk as the plugin's PHP does (``GET /checkouts/{privateId}``,
``PUT /checkouts/{privateId}/``), with the fixtures' bodies, krokedil/collector-checkout-for-
woocommerce at 697c5824: ``class-collector-checkout-ajax-calls.php::walley_get_order``,
``class-walley-checkout-session.php::get_customer_address``,
``class-walley-checkout-confirmation.php::confirm_order``."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from orderdesk.providers.walley.checkout.tests.client import FIXTURES

PAGES = Path(__file__).parent / "shop"
SHOP = "https://shop.test"
WALLEY_HOSTS = ("https://checkout-uat.collector.se", "https://api.uat.walleydev.com")


def customer_address(data: dict[str, Any]) -> dict[str, str]:
    """What the plugin's ``get_customer_address`` makes of a private customer."""
    customer = data.get("customer") or {}
    out: dict[str, str] = {}
    for side, key in (("billing", "billingAddress"), ("shipping", "deliveryAddress")):
        address = customer.get(key) or {}
        for name, field_ in (
            ("first_name", "firstName"),
            ("last_name", "lastName"),
            ("city", "city"),
            ("address_1", "address"),
            ("postcode", "postalCode"),
            ("country", "countryCode"),
        ):
            out[f"{side}_{name}"] = address.get(field_) or ""
    out["billing_email"] = customer.get("email") or ""
    out["billing_phone"] = customer.get("mobilePhoneNumber") or ""
    return out


@dataclass
class Shop:
    """The shop's server side: its session with Walley and what it was asked."""

    api: httpx.AsyncClient  # orderdesk, with the shop's Walley token
    private_id: str
    token: str
    submit: dict[str, Any] = field(default_factory=lambda: {"result": "success"})
    asked: list[str] = field(default_factory=list)
    confirmed: list[dict[str, Any]] = field(default_factory=list)

    async def checkout_information(self) -> dict[str, Any]:
        r = await self.api.get(f"/checkouts/{self.private_id}")
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()["data"]
        return data

    async def answer(self, method: str, url: str, body: str) -> tuple[int, str, bytes]:
        """The shop's answer to the browser: status, content type, body."""
        parsed = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qs(parsed.query)
        action = (query.get("wc-ajax") or [""])[0]
        if parsed.path == "/shop.js":
            return 200, "text/javascript", (PAGES / "shop.js").read_bytes()
        if action:
            self.asked.append(action)
            form = urllib.parse.parse_qs(body)
            return 200, "application/json", await self.ajax(action, form)
        if "walley_confirm" in query:
            self.confirmed.append(await self.checkout_information())
            return 200, "text/html", b"<!doctype html><title>Order received</title><h1>Thanks</h1>"
        page = (PAGES / "checkout.html").read_text().replace("{token}", self.token)
        return 200, "text/html", page.encode()

    async def ajax(self, action: str, form: dict[str, list[str]]) -> bytes:
        if action == "walley_get_order":
            if form.get("collector_public_token") != [self.token]:
                return orjson.dumps({"success": False, "data": "Public token does not match"})
            data = await self.checkout_information()
            return orjson.dumps({"success": True, "data": customer_address(data)})
        if action == "checkout":
            return orjson.dumps(self.submit)
        if action == "update_order_review":
            raw = (FIXTURES / "kro_update.http").read_bytes().partition(b"\r\n\r\n")[2]
            r = await self.api.put(f"/checkouts/{self.private_id}/", content=raw)
            return orjson.dumps({"result": "success", "walley": r.status_code})
        return orjson.dumps({"success": True})

"""A WooCommerce shop with the Kustom/Klarna Checkout plugin, as far as orderdesk can tell:
its checkout page, the WooCommerce AJAX endpoints the plugin's script calls, its push and
confirmation URLs — and, behind them, the plugin's server requests to the checkout and
order-management APIs, byte for byte (``kco_requests.py``). No WordPress: a thread of
``http.server``.

The page is ``kco_shop/checkout.html`` with the snippet printed where the plugin prints it,
``kco_params`` as ``wp_localize_script`` writes it, and a script: ours
(``kco_shop/kco-shop.js``, mirroring the plugin's) or, outside the repository, the plugin's
own file with jQuery (``script_tags``).
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from orderdesk.providers.klarna.tests.kco_requests import (
    KCO_CREATE,
    KCO_UA,
    KCO_UPDATE,
    PARTNER,
    kco_update_confirmation,
)
from tests.support import loopback

HERE = Path(__file__).parent / "kco_shop"
WC_ORDER_ID = 1234
OUT_OF_STOCK = '<ul class="woocommerce-error" role="alert"><li>Tröja is out of stock.</li></ul>'


@dataclass
class Call:
    """One request the shop made to orderdesk, and the answer."""

    method: str
    path: str
    body: bytes
    status: int
    answer: bytes

    def json(self) -> Any:
        return json.loads(self.answer)


@dataclass
class KcoShop:
    """The shop: ``orderdesk`` (host, port), the Klarna credential, what to answer."""

    orderdesk: tuple[str, int]
    client_id: str
    secret: str
    script_tags: str = '<script src="/kco-shop.js"></script>'
    assets: Path = HERE  # where the page's scripts are served from
    out_of_stock: bool = False  # WooCommerce refuses the order (the validation fails)
    #: The shop's validation URL (``kco_wc_merchant_urls`` filter): in every body it sends.
    validation: str = ""
    calls: list[Call] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # every path the browser asked for
    pushes: list[str] = field(default_factory=list)
    ajax: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)  # action, form
    klarna_order_id: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return loopback.base_url(self.server)

    def mine(self, body: bytes) -> bytes:
        """A fixture's body with the shop's URLs on this shop (``wp_json_encode``'s ``\\/``)
        and its validation URL, if any."""
        body = body.replace(b"https:\\/\\/shop.example", self.url.replace("/", "\\/").encode())
        if self.validation and b'"validation":' not in body:
            url = self.validation.replace("/", "\\/").encode()
            body = body.replace(b'"push":', b'"validation":"' + url + b'","push":')
        return body

    def call(self, method: str, path: str, body: bytes | None = None) -> Call:
        """One request as the plugin sends it (``wp_remote_request`` through cURL)."""
        pair = base64.b64encode(f"{self.client_id}:{self.secret}".encode()).decode()
        headers = {
            "Authorization": f"Basic {pair}",
            "Content-Type": "application/json",
            PARTNER[0]: PARTNER[1],
            "User-Agent": KCO_UA,
        }
        connection = http.client.HTTPConnection(*self.orderdesk, timeout=30)
        connection.request(method, path, body=body if body is not None else b"", headers=headers)
        answer = connection.getresponse()
        made = Call(method, path, body or b"", answer.status, answer.read())
        connection.close()
        with self.lock:
            self.calls.append(made)
        return made

    def checkout_page(self) -> bytes:
        if not self.klarna_order_id:
            created = self.call("POST", "/checkout/v3/orders", self.mine(KCO_CREATE))
            assert created.status == 201, created.answer
            self.klarna_order_id = created.json()["order_id"]
        read = self.call("GET", f"/checkout/v3/orders/{self.klarna_order_id}")
        params = {
            "get_klarna_order_url": "/?wc-ajax=kco_wc_get_klarna_order",
            "get_klarna_order_nonce": "5c1d9e0f3a",
            "log_to_file_url": "/?wc-ajax=kco_wc_log_js",
            "log_to_file_nonce": "9a8b7c6d5e",
            "submit_order": "/?wc-ajax=checkout",
            "update_order_review_url": "/?wc-ajax=update_order_review",
            "customer_type_changed_url": "/?wc-ajax=kco_customer_type_changed",
            "customer_type_changed_nonce": "1f2e3d4c5b",
            "change_payment_method_url": "/?wc-ajax=kco_wc_change_payment_method",
            "update_cart_url": "/?wc-ajax=kco_wc_update_cart",
            "checkbox_changed_url": "/?wc-ajax=kco_checkbox_changed",
            "logging": False,
            "standard_woo_checkout_fields": [],
            "is_confirmation_page": "no",
            "is_order_received_page": "no",
            "shipping_methods_in_iframe": "no",
            "pay_for_order": False,
            "countries": {"SE": "SE", "NO": "NO", "FI": "FI"},
            "woocommerce_ship_to_destination": "billing",
            "timeout_time": 20,
        }
        page = (HERE / "checkout.html").read_text()
        page = page.replace("{{ snippet }}", read.json()["html_snippet"])
        page = page.replace("{{ params }}", json.dumps(params))
        page = page.replace("{{ scripts }}", self.script_tags)
        return page.encode()

    def answer_ajax(self, action: str, form: dict[str, list[str]]) -> Any:
        order_path = f"/checkout/v3/orders/{self.klarna_order_id}"
        if action == "update_order_review":
            self.call("POST", order_path, self.mine(KCO_UPDATE))
            return {"result": "success", "fragments": {}}
        if action == "kco_wc_get_klarna_order":
            read = self.call("GET", order_path)
            if read.status != 200:
                return {"success": False, "data": None}
            order = read.json()
            return {
                "success": True,
                "data": {
                    "billing_address": order["billing_address"],
                    "shipping_address": order["shipping_address"],
                },
            }
        if action == "checkout":
            if self.out_of_stock:
                return {"result": "failure", "messages": OUT_OF_STOCK, "refresh": False}
            read = self.call("GET", order_path)
            confirmation = kco_update_confirmation(read.json(), WC_ORDER_ID)
            self.call("POST", order_path, self.mine(confirmation))
            return {"result": "success", "redirect": ""}
        return {"success": True, "data": {}}

    def start(self) -> KcoShop:
        shop = self

        class Handler(loopback.Quiet):
            def answer(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                with shop.lock:
                    shop.pages.append(self.path)
                path = urlsplit(self.path).path
                if path == "/kassa/":
                    self.answer(200, shop.checkout_page(), "text/html; charset=UTF-8")
                elif path.startswith("/kassa/order-received/"):
                    self.answer(200, b"<h1>Order received</h1>", "text/html; charset=UTF-8")
                elif (shop.assets / path.lstrip("/")).is_file() and path.endswith(".js"):
                    body = (shop.assets / path.lstrip("/")).read_bytes()
                    self.answer(200, body, "text/javascript")
                else:
                    self.answer(404, b"", "text/plain")

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                if parts.path.startswith("/wc-api/KCO_WC_Push/"):
                    klarna_id = query["kco_wc_order_id"][0]
                    with shop.lock:
                        shop.pushes.append(self.path)
                    shop.call("GET", f"/ordermanagement/v1/orders/{klarna_id}")
                    shop.call("POST", f"/ordermanagement/v1/orders/{klarna_id}/acknowledge")
                    self.answer(200, b"", "text/plain")
                    return
                action = query.get("wc-ajax", [""])[0]
                form = parse_qs(raw.decode())
                with shop.lock:
                    shop.ajax.append((action, form))
                reply = shop.answer_ajax(action, form)
                self.answer(200, json.dumps(reply).encode(), "application/json; charset=UTF-8")

        self.server = loopback.start(Handler)
        return self

    def stop(self) -> None:
        loopback.stop(self.server)

"""The checkout order's ``html_snippet``: what a shop prints on its checkout page.

As Klarna's own snippet does, it is a container ``div`` holding one inline script that
defines ``window._klarnaCheckout`` at once as a queue (so a shop's script that runs before
the loader arrives can already call it), writes the order's configuration on it and appends
the loader script; the loader then takes the queue over and mounts the hosted checkout's
iframe in the container. An inline script also survives Klarna's documented way of inserting
the snippet from JavaScript (each ``script`` re-created from its ``text``).
"""

from __future__ import annotations

import json
from typing import Any

from orderdesk.domain.checkout import CheckoutSession

#: The loader's file name, at orderdesk's root, as Klarna's snippet loads its bootstrap.
LOADER_PATH = "/checkout.bootstrap.js"
CONTAINER_ID = "klarna-checkout-container"


def script_json(value: object) -> str:
    """A JSON value safe inside an HTML ``script`` element."""
    text = json.dumps(value, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def html_snippet(base: str, session: CheckoutSession, status: str) -> str:
    """The snippet of the session's order served from ``base`` (scheme and host, no slash):
    the loader needs the public token (the iframe's) and the order's client validation
    options."""
    order: dict[str, Any] = session.data["order"]
    options: dict[str, Any] = order.get("options") or {}
    config = {
        "ORDER_URL": f"{base}/checkout/v3/orders/{session.id}",
        "ORDER_ID": session.id,
        "TOKEN": session.token,
        "ORDER_STATUS": status,
        "LOCALE": order.get("locale"),
        "PURCHASE_COUNTRY": str(order.get("purchase_country", "")).lower(),
        "PURCHASE_CURRENCY": str(order.get("purchase_currency", "")).upper(),
        "TESTDRIVE": True,
        "CHECKOUT_DOMAIN": base,
        "BOOTSTRAP_SRC": base + LOADER_PATH,
        "REQUIRE_CLIENT_VALIDATION": options.get("require_client_validation") is True,
        "REQUIRE_CLIENT_VALIDATION_CALLBACK_RESPONSE": options.get(
            "require_client_validation_callback_response"
        )
        is True,
    }
    return (
        f'<div id="{CONTAINER_ID}" style="overflow-x: hidden;">\n'
        '  <script type="text/javascript">\n'
        "  /* <![CDATA[ */\n"
        "  (function (w, k, i, d) {\n"
        "    var c, n;\n"
        "    w[k] = w[k] || function () { (w[k].q = w[k].q || []).push(arguments); };\n"
        f"    w[k].config = {script_json(config)};\n"
        "    c = d.getElementById(i);\n"
        "    w[k].config.container = c;\n"
        "    n = d.createElement('script');\n"
        "    n.async = true;\n"
        "    n.src = w[k].config.BOOTSTRAP_SRC;\n"
        "    c.appendChild(n);\n"
        f"  }})(this, '_klarnaCheckout', '{CONTAINER_ID}', document);\n"
        "  /* ]]> */\n"
        "  </script>\n"
        "  <noscript>The test checkout needs JavaScript.</noscript>\n"
        "</div>"
    )

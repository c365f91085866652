"""Klarna's part of the demo: a Swedish store and an order of a bicycle and its delivery,
and the walkthrough's commands (the order, then a capture of all of it) with HTTP Basic."""

from __future__ import annotations

from collections.abc import Mapping

from orderdesk.domain.lines import priced_line
from orderdesk.domain.order import Order
from orderdesk.providers.base import DemoOrder, DemoStore


class KlarnaDemo:
    store = DemoStore("klarna-demo-se", "SE", "SEK")
    order = DemoOrder(
        [
            priced_line("BIKE-28-BLUE", "City bike 28 inch, blue", 1, 599900, 2500),
            priced_line("SHIPPING", "Home delivery", 1, 49900, 2500),
        ],
        649800,
        129960,
        "demo-klarna-1",
        "INVOICE",
    )

    def kept(self, order: Order) -> dict[str, str]:
        return {"order": order.id}

    def walkthrough(self, kept: Mapping[str, str], base: str, client_id: str, secret: str) -> str:
        o = kept["order"]
        return f"""# Klarna: GET order, capture all of it (HTTP Basic on every request)
curl -s {base}/ordermanagement/v1/orders/{o} -u {client_id}:{secret}
curl -s -i -X POST {base}/ordermanagement/v1/orders/{o}/captures -u {client_id}:{secret} \\
  -H 'Content-Type: application/json' -H 'Klarna-Idempotency-Key: demo-klarna-capture-1' \\
  -d '{{"captured_amount": 649800, "description": "Bike and delivery"}}'
"""

"""Ledyer's part of the demo: store 970245072 and an order of two phones, and the
walkthrough's commands (a token, the order, a partial capture of one phone)."""

from __future__ import annotations

from collections.abc import Mapping

from orderdesk.domain.lines import priced_line
from orderdesk.domain.order import Order
from orderdesk.providers.base import TOKEN_FROM_JSON, DemoOrder, DemoStore


class LedyerDemo:
    store = DemoStore("970245072", "SE", "SEK")
    order = DemoOrder(
        [
            priced_line("1334227", "SAMSUNG Galaxy S20 FE 4G 128GB", 1, 489000, 2500),
            priced_line("231654", "APPLE iPhone 13 Pro 5G 256GB", 1, 999000, 2500),
        ],
        1488000,
        297600,
        "demo-ledyer-1",
        "invoice",
    )

    def kept(self, order: Order) -> dict[str, str]:
        assert order.uncaptured is not None
        # the Samsung line's id (ol_…), which the walkthrough captures
        return {"order": order.id, "line": order.uncaptured.lines[0].id}

    def walkthrough(self, kept: Mapping[str, str], base: str, client_id: str, secret: str) -> str:
        o, samsung_id = kept["order"], kept["line"]
        return f"""# Ledyer: token, GET order, partial capture of the Samsung line
LTOKEN=$(curl -s -X POST "{base}/oauth/token?grant_type=client_credentials" -u {client_id}:{secret} | {TOKEN_FROM_JSON})
curl -s {base}/v1/orders/{o} -H "Authorization: Bearer $LTOKEN"
curl -s -X POST {base}/v1/orders/{o}/partialcapture -H "Authorization: Bearer $LTOKEN" \\
  -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-ledyer-capture-1' \\
  -d '{{"orderLines": [{{"id": "{samsung_id}", "reference": "1334227", "description": "SAMSUNG Galaxy S20 FE 4G 128GB", "type": "physical", "quantity": 1, "unitPrice": 489000, "unitDiscountAmount": 0, "totalAmount": 489000, "totalVatAmount": 97800, "vat": 2500}}], "totalCaptureAmount": 489000}}'
"""

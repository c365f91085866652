"""Ledyer's part of the demo: store 970245072 and an order of two phones, and the
walkthrough's commands (a token, the order, a partial capture of one phone)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orderdesk.domain.lines import priced_line
from orderdesk.providers.base import DemoStore
from orderdesk.service import sandbox
from orderdesk.service.unit_of_work import UnitOfWork

JSON_TOKEN = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])'"


class LedyerDemo:
    store = DemoStore("970245072", "SE", "SEK")

    async def make_order(self, uow: UnitOfWork, customer: dict[str, Any]) -> dict[str, str]:
        lines = [
            priced_line("1334227", "SAMSUNG Galaxy S20 FE 4G 128GB", 1, 489000, 2500),
            priced_line("231654", "APPLE iPhone 13 Pro 5G 256GB", 1, 999000, 2500),
        ]
        order, _ = await sandbox.create_order(
            uow,
            sandbox.NewOrder(
                self.store.store_id,
                lines,
                1488000,
                297600,
                "demo-ledyer-1",
                customer,
                "invoice",
                None,
            ),
        )
        assert order.uncaptured is not None
        # the Samsung line's id (ol_…), which the walkthrough captures
        return {"order": order.id, "line": order.uncaptured.lines[0].id}

    def summary(self, order: Mapping[str, str]) -> str:
        return f"  Ledyer order (store {self.store.store_id}): {order['order']}"

    def walkthrough(self, order: Mapping[str, str], base: str, client_id: str, secret: str) -> str:
        o, samsung_id = order["order"], order["line"]
        return f"""# Ledyer: token, GET order, partial capture of the Samsung line
LTOKEN=$(curl -s -X POST "{base}/oauth/token?grant_type=client_credentials" -u {client_id}:{secret} | {JSON_TOKEN})
curl -s {base}/v1/orders/{o} -H "Authorization: Bearer $LTOKEN"
curl -s -X POST {base}/v1/orders/{o}/partialcapture -H "Authorization: Bearer $LTOKEN" \\
  -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-ledyer-capture-1' \\
  -d '{{"orderLines": [{{"id": "{samsung_id}", "reference": "1334227", "description": "SAMSUNG Galaxy S20 FE 4G 128GB", "type": "physical", "quantity": 1, "unitPrice": 489000, "unitDiscountAmount": 0, "totalAmount": 489000, "totalVatAmount": 97800, "vat": 2500}}], "totalCaptureAmount": 489000}}'
"""

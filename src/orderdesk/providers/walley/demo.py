"""Walley's part of the demo: store 1001 and an order of shoes and T-shirts, and the
walkthrough's commands (a token, the order, a part capture by items, a refund, a
reauthorization)."""

from __future__ import annotations

from collections.abc import Mapping

from orderdesk.domain.lines import priced_line
from orderdesk.domain.order import Order
from orderdesk.providers.base import TOKEN_FROM_JSON, DemoOrder, DemoStore
from orderdesk.providers.walley.rules import PaymentMethod


class WalleyDemo:
    store = DemoStore("1001", "SE", "SEK")
    order = DemoOrder(
        [
            priced_line("10001", "Shoes", 1, 9500, 2500),
            priced_line("10002", "T-Shirt", 2, 9500, 2500),
        ],
        28500,
        None,
        "demo-walley-1",
        PaymentMethod.INVOICE,
    )

    def kept(self, order: Order) -> dict[str, str]:
        return {"order": order.id}

    def walkthrough(self, kept: Mapping[str, str], base: str, client_id: str, secret: str) -> str:
        w = kept["order"]
        return f"""# Walley: token, GET order, capture the shoes (a part capture by items)
WTOKEN=$(curl -s -X POST {base}/oauth2/v2.0/token -d client_id={client_id} -d client_secret={secret} \\
  -d grant_type=client_credentials -d scope=orderdesk | {TOKEN_FROM_JSON})
curl -s {base}/manage/orders/{w} -H "Authorization: Bearer $WTOKEN"
curl -si -X POST {base}/manage/orders/{w}/capture -H "Authorization: Bearer $WTOKEN" \\
  -H 'Content-Type: application/json' -H 'X-Idempotency: demo-walley-capture-1' \\
  -d '{{"amount": 95.00, "items": [{{"id": "10001", "description": "Shoes", "unitPrice": 95, "quantity": 1}}]}}'
# … refund the shoes, then reauthorize what is not captured (one T-shirt instead of two)
curl -si -X POST {base}/manage/orders/{w}/refund -H "Authorization: Bearer $WTOKEN" \
  -H 'Content-Type: application/json' \
  -d '{{"amount": 95.00, "items": [{{"id": "10001", "description": "Shoes", "unitPrice": 95, "quantity": 1}}]}}'
curl -si -X POST {base}/manage/orders/{w}/reauthorize -H "Authorization: Bearer $WTOKEN" \
  -H 'Content-Type: application/json' \
  -d '{{"amount": 95.00, "items": [{{"id": "10002", "description": "T-Shirt", "unitPrice": 95, "quantity": 1, "vat": 25}}]}}'
"""

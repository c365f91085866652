"""Demo data: a merchant with a Walley and a Ledyer store, a credential and two orders."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from orderdesk.domain.lines import priced_line
from orderdesk.domain.order import Order
from orderdesk.service import sandbox
from orderdesk.store import merchants
from orderdesk.store.merchants import Store

DEMO_MERCHANT_NAME = "Demo merchant"
WALLEY_STORE = "1001"
LEDYER_STORE = "970245072"


@dataclass(frozen=True, slots=True)
class Demo:
    client_id: str
    client_secret: str
    walley_order: Order
    ledyer_order: Order


async def _demo_merchant(pool: asyncpg.Pool) -> str:
    async with pool.acquire() as conn:
        store = await merchants.get_store(conn, WALLEY_STORE)
    if store is not None:
        return store.merchant_id
    merchant_id = await sandbox.create_merchant(pool, DEMO_MERCHANT_NAME)
    for store_id, provider in ((WALLEY_STORE, "walley"), (LEDYER_STORE, "ledyer")):
        await sandbox.create_store(pool, Store(store_id, merchant_id, provider, "SE", "SEK", "B2C"))
    return merchant_id


async def create_demo(pool: asyncpg.Pool) -> Demo:
    """Idempotent for the merchant and stores; each call adds a credential and two orders."""
    merchant_id = await _demo_merchant(pool)
    credential = await sandbox.create_credential(pool, merchant_id, None)
    customer = {
        "firstName": "Sven",
        "lastName": "Svensson",
        "email": "sven@example.com",
        "phone": "+46700000000",
        "billingAddress": {
            "streetAddress": "Drottninggatan 1",
            "postalCode": "11151",
            "city": "Stockholm",
            "country": "SE",
        },
    }
    walley_lines = [
        priced_line("10001", "Shoes", 1, 9500, 2500),
        priced_line("10002", "T-Shirt", 2, 9500, 2500),
    ]
    walley_order, _ = await sandbox.create_order(
        pool,
        sandbox.NewOrder(
            WALLEY_STORE, walley_lines, 28500, None, "demo-walley-1", customer, "Invoice", None
        ),
    )
    ledyer_lines = [
        priced_line("1334227", "SAMSUNG Galaxy S20 FE 4G 128GB", 1, 489000, 2500),
        priced_line("231654", "APPLE iPhone 13 Pro 5G 256GB", 1, 999000, 2500),
    ]
    ledyer_order, _ = await sandbox.create_order(
        pool,
        sandbox.NewOrder(
            LEDYER_STORE, ledyer_lines, 1488000, 297600, "demo-ledyer-1", customer, "invoice", None
        ),
    )
    return Demo(credential.client_id, credential.client_secret, walley_order, ledyer_order)


def walkthrough(demo: Demo, base: str, admin_token: str) -> str:
    """What `orderdesk serve` prints: credentials and ready-to-paste curl commands."""
    w, ledyer = demo.walley_order, demo.ledyer_order
    cid, secret = demo.client_id, demo.client_secret
    json_get = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])'"
    samsung = ledyer.uncaptured.lines[0] if ledyer.uncaptured else None
    samsung_id = samsung.id if samsung else "ol_…"
    return f"""
orderdesk demo data
  admin token (sandbox API): {admin_token}
  client id:                 {cid}
  client secret:             {secret}
  Walley order (store {WALLEY_STORE}): {w.id}
  Ledyer order (store {LEDYER_STORE}): {ledyer.id}

# Walley: token, GET order, capture the shoes (a part capture by items)
WTOKEN=$(curl -s -X POST {base}/oauth2/v2.0/token -d client_id={cid} -d client_secret={secret} \\
  -d grant_type=client_credentials -d scope=orderdesk | {json_get})
curl -s {base}/manage/orders/{w.id} -H "Authorization: Bearer $WTOKEN"
curl -si -X POST {base}/manage/orders/{w.id}/capture -H "Authorization: Bearer $WTOKEN" \\
  -H 'Content-Type: application/json' -H 'X-Idempotency: demo-walley-capture-1' \\
  -d '{{"amount": 95.00, "items": [{{"id": "10001", "description": "Shoes", "unitPrice": 95, "quantity": 1}}]}}'

# Ledyer: token, GET order, partial capture of the Samsung line
LTOKEN=$(curl -s -X POST "{base}/oauth/token?grant_type=client_credentials" -u {cid}:{secret} | {json_get})
curl -s {base}/v1/orders/{ledyer.id} -H "Authorization: Bearer $LTOKEN"
curl -s -X POST {base}/v1/orders/{ledyer.id}/partialcapture -H "Authorization: Bearer $LTOKEN" \\
  -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-ledyer-capture-1' \\
  -d '{{"orderLines": [{{"id": "{samsung_id}", "reference": "1334227", "description": "SAMSUNG Galaxy S20 FE 4G 128GB", "type": "physical", "quantity": 1, "unitPrice": 489000, "unitDiscountAmount": 0, "totalAmount": 489000, "totalVatAmount": 97800, "vat": 2500}}], "totalCaptureAmount": 489000}}'
"""

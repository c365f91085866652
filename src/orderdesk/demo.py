"""Demo data: a merchant with a Walley and a Ledyer store, a credential and two orders.

``orderdesk serve`` makes it once per database (the embedded one lives in the data directory)
and prints the same walkthrough on every later start; ``orderdesk demo`` makes a fresh
credential and two fresh orders, which later starts then print.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from orderdesk.auth.credentials import create_credential
from orderdesk.domain.lines import priced_line
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
    walley_order: str
    ledyer_order: str
    ledyer_line: str  # the Samsung line's id (ol_…), which the walkthrough captures


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
    """Idempotent for the merchant and stores; each call adds a credential and two orders,
    and becomes the demo data that :func:`stored_demo` returns."""
    merchant_id = await _demo_merchant(pool)
    async with pool.acquire() as conn:
        credential = await create_credential(conn, merchant_id, None)
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
    assert ledyer_order.uncaptured is not None
    demo = Demo(
        credential.client_id,
        credential.client_secret,
        walley_order.id,
        ledyer_order.id,
        ledyer_order.uncaptured.lines[0].id,
    )
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO demo_data AS d (client_id, client_secret, walley_order, ledyer_order,"
            " ledyer_line) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (singleton) DO UPDATE SET"
            " client_id=$1, client_secret=$2, walley_order=$3, ledyer_order=$4, ledyer_line=$5,"
            " created_at=now()",
            demo.client_id,
            demo.client_secret,
            demo.walley_order,
            demo.ledyer_order,
            demo.ledyer_line,
        )
    return demo


async def stored_demo(pool: asyncpg.Pool) -> Demo | None:
    """The demo data made before in this database, if any."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT client_id, client_secret, walley_order, ledyer_order, ledyer_line"
            " FROM demo_data"
        )
    return Demo(**dict(row)) if row else None


async def demo_once(pool: asyncpg.Pool) -> tuple[Demo, bool]:
    """The stored demo data, or new demo data made now; True when made now."""
    found = await stored_demo(pool)
    if found is not None:
        return found, False
    return await create_demo(pool), True


def walkthrough(demo: Demo, base: str, admin_token: str, *, new: bool = True) -> str:
    """What `orderdesk serve` prints: credentials and ready-to-paste curl commands."""
    w, ledyer = demo.walley_order, demo.ledyer_order
    cid, secret = demo.client_id, demo.client_secret
    json_get = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])'"
    samsung_id = demo.ledyer_line
    made = (
        "orderdesk demo data"
        if new
        else "orderdesk demo data (made at the first start; `orderdesk demo` makes fresh orders)"
    )
    return f"""
{made}
  admin token (sandbox API): {admin_token}
  client id:                 {cid}
  client secret:             {secret}
  Walley order (store {WALLEY_STORE}): {w}
  Ledyer order (store {LEDYER_STORE}): {ledyer}

# Walley: token, GET order, capture the shoes (a part capture by items)
WTOKEN=$(curl -s -X POST {base}/oauth2/v2.0/token -d client_id={cid} -d client_secret={secret} \\
  -d grant_type=client_credentials -d scope=orderdesk | {json_get})
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

# Ledyer: token, GET order, partial capture of the Samsung line
LTOKEN=$(curl -s -X POST "{base}/oauth/token?grant_type=client_credentials" -u {cid}:{secret} | {json_get})
curl -s {base}/v1/orders/{ledyer} -H "Authorization: Bearer $LTOKEN"
curl -s -X POST {base}/v1/orders/{ledyer}/partialcapture -H "Authorization: Bearer $LTOKEN" \\
  -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-ledyer-capture-1' \\
  -d '{{"orderLines": [{{"id": "{samsung_id}", "reference": "1334227", "description": "SAMSUNG Galaxy S20 FE 4G 128GB", "type": "physical", "quantity": 1, "unitPrice": 489000, "unitDiscountAmount": 0, "totalAmount": 489000, "totalVatAmount": 97800, "vat": 2500}}], "totalCaptureAmount": 489000}}'
"""

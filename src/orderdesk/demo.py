"""Demo data: a merchant with one store per provider, a credential and an order in each.

``orderdesk serve`` makes it once per database (the embedded one lives in the data directory)
and prints the same walkthrough on every later start; ``orderdesk demo`` makes a fresh
credential and fresh orders, which later starts then print. Each provider says what its store,
its order and its part of the walkthrough are (``providers/<name>/demo.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from orderdesk.auth.credentials import create_credential
from orderdesk.providers.base import Provider, Registry
from orderdesk.service import sandbox
from orderdesk.service.unit_of_work import UnitOfWork
from orderdesk.store import merchants
from orderdesk.store.merchants import Store

DEMO_MERCHANT_NAME = "Demo merchant"
CUSTOMER = {
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


@dataclass(frozen=True, slots=True)
class Demo:
    client_id: str
    client_secret: str
    orders: dict[str, dict[str, str]]  # provider name → what its walkthrough needs


async def _demo_merchant(uow: UnitOfWork, providers: Registry) -> str:
    demos = [provider.demo.store for provider in providers.values()]
    async with uow.pool.acquire() as conn:
        store = await merchants.get_store(conn, demos[0].store_id)
    if store is not None:
        return store.merchant_id
    merchant_id = await sandbox.create_merchant(uow.pool, DEMO_MERCHANT_NAME)
    for name, demo in zip(providers, demos, strict=True):
        made = Store(demo.store_id, merchant_id, name, demo.country, demo.currency, "B2C")
        await sandbox.create_store(uow.pool, providers, made)
    return merchant_id


async def _demo_order(uow: UnitOfWork, provider: Provider) -> dict[str, str]:
    """A fresh demo order of ``provider``; what its walkthrough needs of it."""
    made = provider.demo.order
    order, _ = await sandbox.create_order(
        uow,
        sandbox.NewOrder(
            provider.demo.store.store_id,
            made.lines,
            made.total,
            made.total_vat,
            made.merchant_reference,
            CUSTOMER,
            made.payment_method,
            None,
        ),
    )
    return provider.demo.kept(order)


async def create_demo(uow: UnitOfWork, providers: Registry) -> Demo:
    """Idempotent for the merchant and stores; each call adds a credential and an order per
    provider, and becomes the demo data that :func:`stored_demo` returns."""
    merchant_id = await _demo_merchant(uow, providers)
    async with uow.pool.acquire() as conn:
        credential = await create_credential(conn, merchant_id, None)
    orders = {name: await _demo_order(uow, provider) for name, provider in providers.items()}
    demo = Demo(credential.client_id, credential.client_secret, orders)
    async with uow.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO demo_data AS d (client_id, client_secret, orders) VALUES ($1, $2, $3)"
            " ON CONFLICT (singleton) DO UPDATE SET client_id = $1, client_secret = $2,"
            " orders = $3, created_at = now()",
            demo.client_id,
            demo.client_secret,
            demo.orders,
        )
    return demo


async def stored_demo(uow: UnitOfWork) -> Demo | None:
    """The demo data made before in this database, if any."""
    async with uow.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT client_id, client_secret, orders FROM demo_data")
    if row is None:
        return None
    return Demo(row["client_id"], row["client_secret"], row["orders"])


async def demo_once(uow: UnitOfWork, providers: Registry) -> tuple[Demo, bool]:
    """The stored demo data, or new demo data made now; True when made now."""
    found = await stored_demo(uow)
    if found is not None and set(found.orders) == set(providers):
        return found, False
    return await create_demo(uow, providers), True


def walkthrough(
    demo: Demo, providers: Registry, base: str, admin_token: str, *, new: bool = True
) -> str:
    """What `orderdesk serve` prints: credentials and ready-to-paste curl commands."""
    cid, secret = demo.client_id, demo.client_secret
    made = (
        "orderdesk demo data"
        if new
        else "orderdesk demo data (made at the first start; `orderdesk demo` makes fresh orders)"
    )
    header = [
        "",
        made,
        f"  admin token (sandbox API): {admin_token}",
        f"  client id:                 {cid}",
        f"  client secret:             {secret}",
        *(
            f"  {provider.title} order (store {provider.demo.store.store_id}): "
            f"{demo.orders[name]['order']}"
            for name, provider in providers.items()
        ),
        "",
    ]
    sections = [
        provider.demo.walkthrough(demo.orders[name], base, cid, secret)
        for name, provider in providers.items()
    ]
    return "\n".join(header) + "\n" + "\n".join(sections)

"""Demo data: a merchant with one store per provider, a credential and an order in each.

``orderdesk serve`` makes it once per database (the embedded one lives in the data directory)
and prints the same walkthrough on every later start; ``orderdesk demo`` makes a fresh
credential and fresh orders, which later starts then print. The credential may be chosen in
the environment (``ORDERDESK_DEMO_CLIENT_ID`` and ``…_SECRET``), so that a CI job knows it
before the server starts: it is then made, or its secret set, under that id. Each provider says
what its store, its order and its part of the walkthrough are (``providers/<name>/demo.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from orderdesk.auth.credentials import create_credential
from orderdesk.auth.secrets import hash_secret
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


class DemoError(Exception):
    """The demo data cannot be made as the settings ask; the message is one line."""


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


async def _demo_credential(
    uow: UnitOfWork, merchant_id: str, chosen: tuple[str, str] | None
) -> tuple[str, str]:
    """A new random credential of the demo merchant, or the ``chosen`` one (client id, secret):
    made, or given that secret when the demo merchant has it already."""
    async with uow.pool.acquire() as conn, conn.transaction():
        if chosen is None:
            made = await create_credential(conn, merchant_id, None)
            return made.client_id, made.client_secret
        client_id, secret = chosen
        owner = await conn.fetchval(
            "SELECT merchant_id FROM credentials WHERE client_id = $1 FOR UPDATE", client_id
        )
        if owner is None:
            await create_credential(conn, merchant_id, None, client_id=client_id, secret=secret)
        elif owner == merchant_id:
            await conn.execute(
                "UPDATE credentials SET secret_hash = $2 WHERE client_id = $1",
                client_id,
                hash_secret(secret),
            )
        else:
            raise DemoError(
                f"the demo client id {client_id} (ORDERDESK_DEMO_CLIENT_ID) is a credential of "
                f"merchant {owner}, not of the demo merchant {merchant_id}"
            )
        return chosen


async def create_demo(
    uow: UnitOfWork, providers: Registry, credential: tuple[str, str] | None = None
) -> Demo:
    """Idempotent for the merchant and stores; each call adds an order per provider and a
    credential (or the ``credential`` chosen: client id, secret), and becomes the demo data
    that :func:`stored_demo` returns."""
    merchant_id = await _demo_merchant(uow, providers)
    client_id, secret = await _demo_credential(uow, merchant_id, credential)
    orders = {name: await _demo_order(uow, provider) for name, provider in providers.items()}
    demo = Demo(client_id, secret, orders)
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


async def demo_once(
    uow: UnitOfWork, providers: Registry, credential: tuple[str, str] | None = None
) -> tuple[Demo, bool]:
    """The stored demo data (made with the ``credential`` chosen, if one is), or new demo data
    made now; True when made now."""
    found = await stored_demo(uow)
    if (
        found is not None
        and set(found.orders) == set(providers)
        and credential in (None, (found.client_id, found.client_secret))
    ):
        return found, False
    return await create_demo(uow, providers, credential), True


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

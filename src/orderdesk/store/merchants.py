"""Merchants, their stores and API credentials."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True, slots=True)
class Store:
    id: str
    merchant_id: str
    provider: str
    country: str
    currency: str
    segment: str


@dataclass(frozen=True, slots=True)
class Credential:
    client_id: str
    merchant_id: str
    secret_hash: bytes
    store_ids: tuple[str, ...]
    all_stores: bool = False  # all the merchant's stores, including later ones


async def insert_merchant(conn: asyncpg.Connection, merchant_id: str, name: str) -> None:
    await conn.execute("INSERT INTO merchants (id, name) VALUES ($1, $2)", merchant_id, name)


async def merchant_exists(conn: asyncpg.Connection, merchant_id: str) -> bool:
    found = await conn.fetchval("SELECT 1 FROM merchants WHERE id=$1", merchant_id)
    return found is not None


async def insert_store(conn: asyncpg.Connection, store: Store) -> bool:
    """Add a store; False when the store id is taken."""
    status = await conn.execute(
        "INSERT INTO stores (id, merchant_id, provider, country, currency, segment)"
        " VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (id) DO NOTHING",
        store.id,
        store.merchant_id,
        store.provider,
        store.country,
        store.currency,
        store.segment,
    )
    return bool(status == "INSERT 0 1")


async def get_store(conn: asyncpg.Connection, store_id: str) -> Store | None:
    row = await conn.fetchrow(
        "SELECT id, merchant_id, provider, country, currency, segment FROM stores WHERE id=$1",
        store_id,
    )
    return Store(**dict(row)) if row else None


async def merchant_store_ids(conn: asyncpg.Connection, merchant_id: str) -> list[str]:
    rows = await conn.fetch("SELECT id FROM stores WHERE merchant_id=$1 ORDER BY id", merchant_id)
    return [row["id"] for row in rows]


async def insert_credential(conn: asyncpg.Connection, credential: Credential) -> None:
    await conn.execute(
        "INSERT INTO credentials (client_id, merchant_id, secret_hash, store_ids, all_stores)"
        " VALUES ($1,$2,$3,$4,$5)",
        credential.client_id,
        credential.merchant_id,
        credential.secret_hash,
        [] if credential.all_stores else list(credential.store_ids),
        credential.all_stores,
    )


_GET_CREDENTIAL = """
SELECT c.client_id, c.merchant_id, c.secret_hash, c.all_stores,
       CASE WHEN c.all_stores
            THEN ARRAY(SELECT s.id FROM stores s WHERE s.merchant_id = c.merchant_id ORDER BY s.id)
            ELSE c.store_ids END AS store_ids
FROM credentials c WHERE c.client_id = $1
"""


async def get_credential(conn: asyncpg.Connection, client_id: str) -> Credential | None:
    """The credential; for an all-stores one, ``store_ids`` are the merchant's stores now."""
    row = await conn.fetchrow(_GET_CREDENTIAL, client_id)
    if row is None:
        return None
    return Credential(
        row["client_id"],
        row["merchant_id"],
        bytes(row["secret_hash"]),
        tuple(row["store_ids"]),
        row["all_stores"],
    )


async def reset_store(conn: asyncpg.Connection, store_id: str) -> dict[str, int]:
    """Delete a store's orders, their idempotency keys, its faults, its checkout sessions and
    its scenario records; the store, its merchant and credentials stay. Returns how many of
    each were deleted."""

    def count(status: str) -> int:
        return int(status.split()[-1])

    async with conn.transaction():
        keys = await conn.execute(
            "DELETE FROM idempotency_keys WHERE order_id IN"
            " (SELECT id FROM orders WHERE store_id = $1)",
            store_id,
        )
        for table in ("order_chunks", "order_lines", "order_events", "ledger", "order_versions"):
            await conn.execute(
                f"DELETE FROM {table}"
                " WHERE order_id IN (SELECT id FROM orders WHERE store_id = $1)",
                store_id,
            )
        orders = await conn.execute("DELETE FROM orders WHERE store_id = $1", store_id)
        faults = await conn.execute("DELETE FROM sandbox_faults WHERE store_id = $1", store_id)
        sessions = await conn.execute("DELETE FROM checkout_sessions WHERE store_id = $1", store_id)
        await conn.execute("DELETE FROM seeded WHERE kind = 'order' AND scope = $1", store_id)
    return {
        "orders": count(orders),
        "idempotencyKeys": count(keys),
        "faults": count(faults),
        "checkoutSessions": count(sessions),
    }


@dataclass(frozen=True, slots=True)
class MerchantSummary:
    id: str
    name: str
    stores: tuple[Store, ...]
    client_ids: tuple[str, ...]


async def list_merchants(conn: asyncpg.Connection, limit: int = 200) -> list[MerchantSummary]:
    """The newest merchants with their stores and credential ids (never secrets)."""
    rows = await conn.fetch(
        "SELECT m.id, m.name,"
        " ARRAY(SELECT ARRAY[s.id, s.provider, s.country, s.currency, s.segment] FROM stores s"
        "  WHERE s.merchant_id = m.id ORDER BY s.created_at, s.id) AS stores,"
        " ARRAY(SELECT c.client_id FROM credentials c WHERE c.merchant_id = m.id"
        "  ORDER BY c.created_at, c.client_id) AS clients"
        " FROM merchants m ORDER BY m.created_at DESC, m.id LIMIT $1",
        limit,
    )
    return [
        MerchantSummary(
            row["id"],
            row["name"],
            tuple(Store(s[0], row["id"], *s[1:]) for s in row["stores"]),
            tuple(row["clients"]),
        )
        for row in rows
    ]


async def list_stores(conn: asyncpg.Connection, limit: int = 500) -> list[Store]:
    rows = await conn.fetch(
        "SELECT id, merchant_id, provider, country, currency, segment FROM stores"
        " ORDER BY id LIMIT $1",
        limit,
    )
    return [Store(**dict(row)) for row in rows]

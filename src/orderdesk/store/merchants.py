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
        "INSERT INTO credentials (client_id, merchant_id, secret_hash, store_ids)"
        " VALUES ($1,$2,$3,$4)",
        credential.client_id,
        credential.merchant_id,
        credential.secret_hash,
        list(credential.store_ids),
    )


async def get_credential(conn: asyncpg.Connection, client_id: str) -> Credential | None:
    row = await conn.fetchrow(
        "SELECT client_id, merchant_id, secret_hash, store_ids FROM credentials WHERE client_id=$1",
        client_id,
    )
    if row is None:
        return None
    return Credential(
        row["client_id"], row["merchant_id"], bytes(row["secret_hash"]), tuple(row["store_ids"])
    )

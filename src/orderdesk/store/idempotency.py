"""Stored responses of requests that carried an idempotency key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import asyncpg


@dataclass(frozen=True, slots=True)
class StoredResponse:
    fingerprint: bytes
    status_code: int
    headers: dict[str, str]
    body: bytes


async def lock_key(conn: asyncpg.Connection, client_id: str, key: str) -> bool:
    """Try to take the key's transaction-scoped lock; False while another request holds it."""
    taken: bool = await conn.fetchval(
        "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || ' ' || $2, 0))",
        client_id,
        key,
    )
    return taken


async def find(conn: asyncpg.Connection, client_id: str, key: str) -> StoredResponse | None:
    row = await conn.fetchrow(
        "SELECT fingerprint, status_code, headers, body FROM idempotency_keys"
        " WHERE client_id=$1 AND key=$2",
        client_id,
        key,
    )
    if row is None:
        return None
    return StoredResponse(
        bytes(row["fingerprint"]), row["status_code"], row["headers"], bytes(row["body"])
    )


async def save(
    conn: asyncpg.Connection,
    client_id: str,
    key: str,
    order_id: str | None,
    response: StoredResponse,
) -> None:
    await conn.execute(
        "INSERT INTO idempotency_keys"
        " (client_id, key, fingerprint, order_id, status_code, headers, body)"
        " VALUES ($1,$2,$3,$4,$5,$6,$7)",
        client_id,
        key,
        response.fingerprint,
        order_id,
        response.status_code,
        response.headers,
        response.body,
    )


# Two-int advisory lock: a key space apart from lock_key's single-bigint hashes.
_PURGE_LOCK = (0x6F72, 0x6964)


async def purge(conn: asyncpg.Connection, older_than: timedelta, limit: int) -> int | None:
    """Delete up to ``limit`` keys older than ``older_than``; returns how many.

    None when another process is purging right now. Run it in a transaction: the lock that
    keeps purgers apart is held until commit.
    """
    if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1, $2)", *_PURGE_LOCK):
        return None
    status = await conn.execute(
        "DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY("
        " SELECT ctid FROM idempotency_keys WHERE created_at < now() - $1::interval LIMIT $2))",
        older_than,
        limit,
    )
    return int(status.split()[-1])

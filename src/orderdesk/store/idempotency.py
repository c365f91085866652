"""Stored responses of requests that carried an idempotency key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import asyncpg

#: The longest idempotency key taken (every provider's header).
MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class StoredResponse:
    fingerprint: bytes
    status_code: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A reply to store under (credential, key), with the order it changed (``SAVE_SQL``'s
    parameters but the order id; ``store/orders.py`` writes it with the order)."""

    client_id: str
    key: str
    response: StoredResponse

    def values(self) -> tuple[object, ...]:
        r = self.response
        return (self.client_id, self.key, r.fingerprint, r.status_code, r.headers, r.body)


def lock(client_id: str, key: str) -> str:
    """SQL taking the key's transaction-scoped advisory lock (false while another holds it);
    ``client_id`` and ``key`` are the SQL (parameters) naming them."""
    return f"pg_try_advisory_xact_lock(hashtextextended({client_id}::text || ' ' || {key}, 0))"


# The lock and the look-up in one round trip. Both run on the statement's snapshot, taken
# before the lock: a first request that commits in between is not seen here, and its row then
# makes this request's ``save`` fail on the primary key (see service/unit_of_work.py).
CLAIM_SQL = (
    f"SELECT {lock('$1', '$2')} AS locked,"
    " k.fingerprint, k.status_code, k.headers, k.body"
    " FROM (SELECT 1) AS one"
    " LEFT JOIN idempotency_keys k ON k.client_id = $1 AND k.key = $2"
)
# Stored only by the holder of the key's lock (a transaction that took it already takes it
# again): a request that found the key free but lost it since writes nothing.
SAVE_SQL = (
    "INSERT INTO idempotency_keys"
    " (client_id, key, fingerprint, order_id, status_code, headers, body)"
    " SELECT $1::text, $2::text, $3::bytea, $4::text, $5::integer, $6::jsonb, $7::bytea"
    f" WHERE {lock('$1', '$2')}"
)
PRIMARY_KEY = "idempotency_keys_pkey"


async def claim(
    conn: asyncpg.Connection, client_id: str, key: str
) -> tuple[bool, StoredResponse | None]:
    """Take the key's lock (False while another request holds it) and read its stored answer."""
    return claimed(await conn.fetchrow(CLAIM_SQL, client_id, key))


def claimed(row: asyncpg.Record) -> tuple[bool, StoredResponse | None]:
    """Whether the key's lock was taken, and its stored answer, from a row of ``CLAIM_SQL``."""
    if row["fingerprint"] is None:
        return row["locked"], None
    stored = StoredResponse(
        bytes(row["fingerprint"]), row["status_code"], row["headers"], bytes(row["body"])
    )
    return row["locked"], stored


async def save(
    conn: asyncpg.Connection,
    client_id: str,
    key: str,
    order_id: str | None,
    response: StoredResponse,
) -> bool:
    """Store ``response`` under the key; False when another request holds the key's lock."""
    status = await conn.execute(
        SAVE_SQL,
        client_id,
        key,
        response.fingerprint,
        order_id,
        response.status_code,
        response.headers,
        response.body,
    )
    return bool(status == "INSERT 0 1")


# Two-int advisory lock: a key space apart from the keys' single-bigint hashes.
_PURGE_LOCK = (0x6F72, 0x6964)


async def purge(conn: asyncpg.Connection, older_than: timedelta, limit: int) -> int | None:
    """Delete up to ``limit`` keys older than ``older_than``; returns how many.

    None when another process is purging right now. Run it in a transaction: the lock that
    keeps purgers apart is held until commit.
    """
    if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1, $2)", *_PURGE_LOCK):
        return None
    status = await conn.execute(
        "DELETE FROM idempotency_keys k USING ("
        " SELECT client_id, key FROM idempotency_keys WHERE created_at < now() - $1::interval"
        " LIMIT $2) AS old WHERE k.client_id = old.client_id AND k.key = old.key",
        older_than,
        limit,
    )
    return int(status.split()[-1])

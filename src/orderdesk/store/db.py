"""Connection pools: JSONB is (de)serialised with orjson on the connection.

Behind PgBouncer in transaction pooling mode (``ORDERDESK_PGBOUNCER=1``) a client's
consecutive transactions may run on different server connections, so a named prepared
statement made in one may not exist in the next (or, made by another client, already exist).
asyncpg's statement cache is then turned off: every query uses the unnamed statement, which
asyncpg (>= 0.29) prepares again inside the same Sync when it cannot rely on it. PgBouncer
1.21+ with ``max_prepared_statements`` > 0 tracks named statements itself and does not need
this; Debian 12's PgBouncer is 1.18. See docs/scaling.md.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson

_JSONB_VERSION = b"\x01"  # jsonb's binary wire format: a version byte, then the JSON text


def _encode_jsonb(value: Any) -> bytes:
    return _JSONB_VERSION + orjson.dumps(value)


def _decode_jsonb(data: bytes) -> Any:
    return orjson.loads(data[1:])


async def init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb",
        encoder=_encode_jsonb,
        decoder=_decode_jsonb,
        schema="pg_catalog",
        format="binary",
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Nothing to reset on release: orderdesk keeps no session state.

    Its advisory locks are transaction-scoped and it never LISTENs, SETs or keeps cursors, so
    asyncpg's default reset query (one more round trip per request) would find nothing to
    undo. An open transaction is still rolled back by the pool before this is called.
    """


_STATEMENT_CACHE_SIZE = 100  # asyncpg's default


def statement_cache_size(pgbouncer: bool) -> int:
    """No named prepared statements behind PgBouncer's transaction pooling."""
    return 0 if pgbouncer else _STATEMENT_CACHE_SIZE


async def connect(dsn: str, *, pgbouncer: bool = False, timeout: float = 60) -> asyncpg.Connection:
    """One connection outside the pool (migrations, start-up checks)."""
    conn: asyncpg.Connection = await asyncpg.connect(
        dsn, timeout=timeout, statement_cache_size=statement_cache_size(pgbouncer)
    )
    return conn


async def create_pool(
    dsn: str, min_size: int = 2, max_size: int = 10, *, pgbouncer: bool = False
) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        reset=_keep_session,
        statement_cache_size=statement_cache_size(pgbouncer),
    )
    assert pool is not None
    return pool

"""Connection pools: JSONB is (de)serialised with orjson on the connection.

Behind PgBouncer in transaction pooling mode (``ORDERDESK_PGBOUNCER=1``) a client's
consecutive transactions may run on different server connections, so a named prepared
statement made in one may not exist in the next (or, made by another client, already exist).
asyncpg's statement cache is then turned off: every query uses the unnamed statement, which
asyncpg (>= 0.29) prepares again inside the same Sync when it cannot rely on it. PgBouncer
1.21+ with ``max_prepared_statements`` > 0 tracks named statements itself and does not need
this; Debian 12's PgBouncer is 1.18. See docs/scaling.md.

``DATABASE_URL`` may name several hosts (``postgresql://h1:p1,h2:p2/db?target_session_attrs=
read-write``, as libpq reads it): asyncpg tries them in order and keeps the first that accepts
writes, so a new connection goes to whichever node is the primary now. A connection to a node
that stopped being the primary (killed, or demoted by Patroni, which restarts it as a standby)
breaks; :func:`lost` says which errors mean that, and :func:`replace_connections` makes the
pool open every connection anew on its next use. See docs/scaling.md.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
import orjson
from asyncpg.exceptions import InternalClientError, TargetServerAttributeNotMatched

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


class _PoolFloorLine(logging.Filter):
    """asyncpg's pool logs a traceback each time it cannot reopen its minimum of connections
    ("Failed to restore the pool connection floor"); while the primary is away that is
    expected, so it is one line naming the reason instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and lost(exc):
            record.msg = f"{record.getMessage()}: {reason(exc)}"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


_POOL_FLOOR_LINE = _PoolFloorLine()


async def create_pool(
    dsn: str, min_size: int = 2, max_size: int = 10, *, pgbouncer: bool = False
) -> asyncpg.Pool:
    logging.getLogger("asyncpg.pool").addFilter(_POOL_FLOOR_LINE)
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


#: Errors of a database that went away or stopped taking writes: the primary was killed or
#: demoted, no node accepts writes yet, or a node is starting or shutting down. A request
#: that met one was not committed — or its acknowledgement was lost — and may be retried.
UNAVAILABLE: tuple[type[Exception], ...] = (
    OSError,  # refused, reset, timed out
    asyncpg.PostgresConnectionError,  # class 08: the connection broke
    asyncpg.CannotConnectNowError,  # 57P03: starting up, shutting down, in recovery
    asyncpg.AdminShutdownError,  # 57P01: terminated (a fast shutdown, a switchover)
    asyncpg.CrashShutdownError,  # 57P02: another backend crashed
    asyncpg.ReadOnlySQLTransactionError,  # 25006: the node is a standby now
    TargetServerAttributeNotMatched,  # no host accepts writes (target_session_attrs)
    InternalClientError,  # a pooled connection the server dropped between two requests
    asyncpg.InterfaceError,  # asyncpg's "connection is closed" on a connection that broke
)


def lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the primary went away or is not the primary any more."""
    if isinstance(exc, asyncpg.InterfaceError):
        return "closed" in str(exc)
    return isinstance(exc, UNAVAILABLE)


def reason(exc: BaseException) -> str:
    """One line for the logs and ``/readyz``."""
    if isinstance(exc, TargetServerAttributeNotMatched):
        return "no primary: no host accepts writes"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def replace_connections(pool: asyncpg.Pool) -> None:
    """Every connection of ``pool`` is closed and opened anew at its next use (those in use:
    when they come back), so none stays on a node that stopped being the primary."""
    await pool.expire_connections()


#: What a background loop's turn may meet from the database and outlive.
LOOP_ERRORS: tuple[type[Exception], ...] = (*UNAVAILABLE, asyncpg.PostgresError)


async def turn_failed(
    pool: asyncpg.Pool, exc: BaseException, log: logging.Logger, doing: str
) -> None:
    """A background loop's failed turn: when the primary went, one line and the pool's
    connections replaced (the next turn finds the new primary); else the traceback."""
    if lost(exc):
        await replace_connections(pool)
        log.warning("%s failed, the database is unavailable: %s", doing, reason(exc))
    else:
        log.error("%s failed", doing, exc_info=exc)

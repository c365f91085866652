"""A store's sandbox settings (``stores`` columns): the credit check, eventual consistency.

Read on every Walley write, so each process keeps them for a second; a change through the
sandbox API is seen at once by the process that made it, by others within a second.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg

CACHE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class StoreSettings:
    credit_check: str = "approve"  # or "reject"
    credit_check_seconds: float = 0
    manageable_after_seconds: float = 0
    read_lag_seconds: float = 0


DEFAULT = StoreSettings()
_cache: dict[str, tuple[StoreSettings, float]] = {}

_SELECT = (
    "SELECT credit_check, credit_check_seconds, manageable_after_seconds, read_lag_seconds"
    " FROM stores WHERE id = $1"
)


async def get(conn: asyncpg.Connection, store_id: str) -> StoreSettings:
    now = time.monotonic()
    cached = _cache.get(store_id)
    if cached is not None and cached[1] > now:
        return cached[0]
    row = await conn.fetchrow(_SELECT, store_id)
    found = StoreSettings(**dict(row)) if row else DEFAULT
    _cache[store_id] = (found, now + CACHE_SECONDS)
    return found


async def update(conn: asyncpg.Connection, store_id: str, settings: StoreSettings) -> bool:
    """Replace a store's settings; False when there is no such store."""
    status = await conn.execute(
        "UPDATE stores SET credit_check=$2, credit_check_seconds=$3,"
        " manageable_after_seconds=$4, read_lag_seconds=$5 WHERE id=$1",
        store_id,
        settings.credit_check,
        settings.credit_check_seconds,
        settings.manageable_after_seconds,
        settings.read_lag_seconds,
    )
    _cache.pop(store_id, None)
    return bool(status == "UPDATE 1")

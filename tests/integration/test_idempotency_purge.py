"""The idempotency-key purge job against a real PostgreSQL: TTL, batches, one purger at a time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from datetime import timedelta

import asyncpg
import pytest
from fastapi import FastAPI

from orderdesk.app import create_app
from orderdesk.config import Settings
from orderdesk.service import purge
from orderdesk.store import idempotency
from orderdesk.store.idempotency import StoredResponse

TTL = timedelta(hours=24)


@pytest.fixture
def pool(app: FastAPI) -> asyncpg.Pool:
    pool: asyncpg.Pool = app.state.pool
    return pool


async def add_keys(pool: asyncpg.Pool, *ages: timedelta) -> list[str]:
    """One stored key per age (created that long ago); returns the keys."""
    client_id = f"purge-{secrets.token_hex(4)}"
    keys = [f"key-{i}" for i in range(len(ages))]
    response = StoredResponse(b"fingerprint", 202, {}, b"")
    async with pool.acquire() as conn:
        for key, age in zip(keys, ages, strict=True):
            await idempotency.save(conn, client_id, key, None, response)
            await conn.execute(
                "UPDATE idempotency_keys SET created_at = now() - $3::interval"
                " WHERE client_id = $1 AND key = $2",
                client_id,
                key,
                age,
            )
    return [f"{client_id} {key}" for key in keys]


async def kept(pool: asyncpg.Pool, keys: list[str]) -> list[str]:
    rows = await pool.fetch(
        "SELECT client_id || ' ' || key AS k FROM idempotency_keys"
        " WHERE client_id || ' ' || key = ANY($1::text[])",
        keys,
    )
    return sorted(row["k"] for row in rows)


async def test_purge_deletes_only_keys_older_than_the_ttl(pool: asyncpg.Pool) -> None:
    old, young, fresh = await add_keys(pool, timedelta(hours=25), timedelta(hours=23), timedelta())
    assert await purge.purge_expired(pool, TTL) >= 1
    assert await kept(pool, [old, young, fresh]) == sorted([young, fresh])


async def test_purge_works_through_every_batch(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(purge, "BATCH", 2)
    keys = await add_keys(pool, *[timedelta(days=3)] * 5)
    assert await purge.purge_expired(pool, TTL) >= 5
    assert await kept(pool, keys) == []


async def test_one_process_purges_at_a_time(pool: asyncpg.Pool) -> None:
    [old] = await add_keys(pool, timedelta(days=2))
    async with pool.acquire() as other, other.transaction():
        assert await idempotency.purge(other, TTL, 0) == 0  # holds the purge lock, deletes none
        assert await purge.purge_expired(pool, TTL) == 0  # so this round is skipped
        assert await kept(pool, [old]) == [old]
    assert await purge.purge_expired(pool, TTL) >= 1
    assert await kept(pool, [old]) == []


async def test_concurrent_purges_are_harmless(pool: asyncpg.Pool) -> None:
    keys = await add_keys(pool, *[timedelta(days=2)] * 20)
    counts = await asyncio.gather(*(purge.purge_expired(pool, TTL) for _ in range(4)))
    assert sum(counts) >= 20
    assert await kept(pool, keys) == []


async def test_the_purge_loop_outlives_a_failed_round(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    rounds: list[int] = []
    real = purge.purge_expired

    async def flaky(pool: asyncpg.Pool, ttl: timedelta) -> int:
        rounds.append(1)
        if len(rounds) == 1:
            raise OSError("connection reset")
        return await real(pool, ttl)

    monkeypatch.setattr(purge, "purge_expired", flaky)
    [old] = await add_keys(pool, timedelta(days=2))
    task = asyncio.create_task(purge.purge_periodically(pool, TTL, 0.01))
    with caplog.at_level(logging.WARNING, "orderdesk.purge"):
        for _ in range(200):
            if not await kept(pool, [old]):
                break
            await asyncio.sleep(0.01)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert await kept(pool, [old]) == []
    # a lost connection is one line, no traceback (store/db.py::turn_failed)
    assert (
        "purging idempotency keys failed, the database is unavailable: OSError: connection reset"
        in caplog.text
    )
    assert "Traceback" not in caplog.text


async def test_the_server_purges_in_the_background(database_url: str) -> None:
    settings = Settings(database_url=database_url, idempotency_purge_seconds=0.05)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        pool: asyncpg.Pool = app.state.pool
        old, fresh = await add_keys(pool, timedelta(hours=24, minutes=1), timedelta(hours=1))
        for _ in range(100):
            if await kept(pool, [old, fresh]) == [fresh]:
                break
            await asyncio.sleep(0.05)
        assert await kept(pool, [old, fresh]) == [fresh]


def test_ttl_and_interval_are_settings() -> None:
    settings = Settings.from_env(
        {"ORDERDESK_IDEMPOTENCY_TTL_HOURS": "72", "ORDERDESK_IDEMPOTENCY_PURGE_SECONDS": "30"}
    )
    assert (settings.idempotency_ttl_hours, settings.idempotency_purge_seconds) == (72, 30)
    assert Settings.from_env({}).idempotency_ttl_hours == 24

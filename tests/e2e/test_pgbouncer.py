"""Two ``orderdesk serve`` processes through a real PgBouncer in transaction pooling mode.

PgBouncer hands each transaction whichever server connection is free, so nothing may live
in a session: orderdesk's advisory locks are transaction-scoped, and with
``ORDERDESK_PGBOUNCER=1`` asyncpg makes no named prepared statements. The pool has fewer
server connections than the two servers have client connections, so the tests below run
with transactions of different clients interleaved on the same PostgreSQL sessions; the race
and crash guarantees must hold as they do on direct connections (test_races, test_crash).
The ledger checks read PostgreSQL directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from tests.support.crash import (
    KILL_AFTER,
    applied,
    assert_each_capture_once,
    complete_then_replay,
    drive_until_the_crash,
)
from tests.support.crash import stream as capture_stream
from tests.support.database import NewDatabase
from tests.support.pgbouncer import PgBouncer
from tests.support.races import (
    PARALLEL,
    check_exactly_what_fits,
    check_one_key_applies_once,
    parallel_client,
    part_capture,
)
from tests.support.sandbox import Merchant, new_merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e

POOL = 4  # server connections; the two servers below open up to 30 client connections


@dataclass
class Pooled:
    bouncer: PgBouncer
    direct_url: str  # PostgreSQL itself, for the checks
    first: Server  # two workers
    second: Server  # one worker, as on a second machine

    @property
    def database(self) -> str:
        return urlsplit(self.direct_url).path.lstrip("/")


@pytest.fixture(scope="module")
async def pooled(
    new_database: NewDatabase, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Pooled]:
    direct = await new_database()
    folder = tmp_path_factory.mktemp("pgbouncer")
    bouncer = PgBouncer(direct, folder / "bouncer", pool_size=POOL)
    bouncer.start()
    env = {"ORDERDESK_PGBOUNCER": "1"}
    url = bouncer.url(direct)
    first = Server(url, folder / "first.log", workers=2, env=env)
    second = Server(url, folder / "second.log", workers=1, env=env)
    try:
        await first.start()
        await second.start()
        yield Pooled(bouncer, direct, first, second)
    finally:
        first.stop()
        second.stop()
        bouncer.stop()
    assert first.errors() == [], first.log.read_text()
    assert second.errors() == [], second.log.read_text()
    assert "prepared statement" not in bouncer.logs()


@pytest.fixture
async def pooled_merchant(pooled: Pooled) -> AsyncIterator[Merchant]:
    async with httpx.AsyncClient(base_url=pooled.first.url, timeout=30) as client:
        yield await new_merchant(client)


async def backends(direct_url: str, database: str) -> int:
    """PostgreSQL sessions on ``database``, this one not counted."""
    conn = await asyncpg.connect(direct_url)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
        return count
    finally:
        await conn.close()


@pytest.mark.parametrize("dialect", ["walley", "ledyer"])
async def test_parallel_part_captures_through_pgbouncer_take_exactly_what_fits(
    pooled: Pooled, pooled_merchant: Merchant, dialect: str
) -> None:
    order_id, send = await part_capture(pooled_merchant, dialect)
    async with parallel_client(pooled.first.url) as a, parallel_client(pooled.second.url) as b:
        answers = await asyncio.gather(*(send((a, b)[i % 2], f"race-{i}") for i in range(PARALLEL)))
    await check_exactly_what_fits(answers, pooled.direct_url, order_id, dialect)
    # Transaction pooling really happened: more clients than PostgreSQL sessions.
    assert pooled.bouncer.logins(pooled.database) > POOL
    assert await backends(pooled.direct_url, pooled.database) <= POOL


@pytest.mark.parametrize("dialect", ["walley", "ledyer"])
async def test_one_key_sent_to_both_servers_through_pgbouncer_applies_once(
    pooled: Pooled, pooled_merchant: Merchant, dialect: str
) -> None:
    order_id, send = await part_capture(pooled_merchant, dialect)
    async with parallel_client(pooled.first.url) as a, parallel_client(pooled.second.url) as b:
        await check_one_key_applies_once(send, (a, b), pooled.direct_url, order_id, dialect)


async def test_a_crash_behind_pgbouncer_loses_nothing_and_applies_nothing_twice(
    pooled: Pooled, tmp_path: Path
) -> None:
    """SIGKILL of the first server mid-stream: PgBouncer drops the server connections of its
    open transactions (PostgreSQL rolls them back); the requests that got no answer are
    resent to the second server and the restarted first one, alternately."""
    victim = Server(
        pooled.bouncer.url(pooled.direct_url), tmp_path / "victim.log", env=pooled.first.env
    )
    await victim.start()
    try:
        async with httpx.AsyncClient(base_url=victim.url, timeout=30) as client:
            walley_id, ledyer_id, calls = await capture_stream(await new_merchant(client))
        await drive_until_the_crash(victim, calls)
        unanswered = [call for call in calls if call.answer is None]
        assert len(calls) - len(unanswered) >= KILL_AFTER
        assert unanswered, "the crash came after the last request"
        lost = await applied(pooled.direct_url, [call.key for call in unanswered])
        print(f"{len(unanswered)} unanswered, of which {lost} committed before the crash")

        await victim.start()
        async with (
            httpx.AsyncClient(base_url=victim.url, timeout=30) as a,
            httpx.AsyncClient(base_url=pooled.second.url, timeout=30) as b,
        ):
            await complete_then_replay([a, b], calls, unanswered)
    finally:
        victim.stop()
    assert victim.errors() == []

    await assert_each_capture_once(pooled.direct_url, walley_id, ledyer_id, calls)

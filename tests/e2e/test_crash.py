"""A power cut in the middle of a stream of captures loses nothing and applies nothing twice.

The client drives captures with idempotency keys, 16 at a time, on a Walley order (by
amount, one actionReference per key) and a Ledyer order (one line per key). After 80
answers the server and its workers get SIGKILL. The server restarts on the same database,
the client resends every request that got no answer with the same key, then everything once
more, and the orders must hold each capture exactly once with a ledger that adds up.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.crash import (
    KILL_AFTER,
    applied,
    assert_each_capture_once,
    complete_then_replay,
    drive_until_the_crash,
    stream,
)
from tests.support.database import NewDatabase
from tests.support.sandbox import new_merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e


async def test_a_crash_mid_stream_loses_nothing_and_applies_nothing_twice(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    server = Server(await new_database(), tmp_path / "crash.log")
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            walley_id, ledyer_id, calls = await stream(await new_merchant(client))
        await drive_until_the_crash(server, calls)
        unanswered = [call for call in calls if call.answer is None]
        assert len(calls) - len(unanswered) >= KILL_AFTER  # answers already sent still arrive
        assert unanswered, "the crash came after the last request"
        lost = await applied(server.database_url, [call.key for call in unanswered])
        print(f"{len(unanswered)} unanswered, of which {lost} committed before the crash")

        await server.start()
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            await complete_then_replay([client], calls, unanswered)
    finally:
        server.stop()
    assert server.errors() == []

    await assert_each_capture_once(server.database_url, walley_id, ledyer_id, calls)

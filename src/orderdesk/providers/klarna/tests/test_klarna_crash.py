"""A power cut in the middle of a stream of Klarna captures (``tests/e2e/test_crash.py`` for
the other two dialects): 120 captures of 1.00 on one order, each under its own
``Klarna-Idempotency-Key`` and with the key as its ``reference``, 16 at a time; SIGKILL after
80 answers, restart on the same database, resend what got no answer, then everything once
more. Each key made exactly one capture, and its every answer names that capture's id."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from orderdesk.providers.klarna.tests.klarna_api import BASE, Klarna
from tests.support.crash import (
    CAPTURES,
    KILL_AFTER,
    Call,
    applied,
    complete_then_replay,
    drive_until_the_crash,
)
from tests.support.database import NewDatabase
from tests.support.ledger import checked_order, ledger_holds
from tests.support.sandbox import line, new_merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e


async def stream(client: httpx.AsyncClient) -> tuple[str, dict[str, str], list[Call]]:
    """A Klarna order, the ``Authorization`` header for it, and its captures' calls."""
    api = await Klarna.of(await new_merchant(client))
    order_id = (await api.merchant.order(api.store, [line("big", "Big", 1, 10_000_000)]))["orderId"]
    calls = []
    for i in range(CAPTURES):
        key = f"k-{i}"
        headers = {**api.auth, "Klarna-Idempotency-Key": key}
        body = {"captured_amount": 100, "reference": key}
        calls.append(Call(key, f"{BASE}/{order_id}/captures", headers, body, busy="CONFLICT"))
    return order_id, api.auth, calls


async def test_a_crash_mid_stream_of_klarna_captures_loses_nothing_and_doubles_nothing(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    server = Server(await new_database(), tmp_path / "crash.log")
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            order_id, auth, calls = await stream(client)
        await drive_until_the_crash(server, calls)
        unanswered = [call for call in calls if call.answer is None]
        assert len(calls) - len(unanswered) >= KILL_AFTER
        assert unanswered, "the crash came after the last request"
        lost = await applied(server.database_url, [call.key for call in unanswered])
        print(f"{len(unanswered)} unanswered, of which {lost} committed before the crash")

        await server.start()
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            await complete_then_replay([client], calls, unanswered, frozenset({201}))
            listed = await client.get(f"{BASE}/{order_id}/captures", headers=auth)
    finally:
        server.stop()
    assert server.errors() == []

    order = await checked_order(server.database_url, order_id)
    assert order.captured_amount == CAPTURES * 100
    by_reference = {chunk.action_reference: chunk for chunk in order.captured}
    assert sorted(by_reference) == sorted(call.key for call in calls)
    assert listed.status_code == 200, listed.text
    capture_ids = {c["reference"]: c["capture_id"] for c in listed.json()}
    for call in calls:
        assert call.answer is not None
        capture_id = call.answer.headers["capture-id"]
        assert capture_id == capture_ids[call.key], call.key
        assert call.answer.headers["location"] == f"{BASE}/{order_id}/captures/{capture_id}"
    ledger_holds(server.database_url)

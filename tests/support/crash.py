"""A stream of keyed captures cut by a crash: the calls (a Walley and a Ledyer order's captures,
interleaved), sending them until the server gets SIGKILL, completing and replaying them after
the restart, and the check that each capture is on its order exactly once. Shared by the
crash tests on direct connections and behind PgBouncer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx

from tests.support.envelopes import error_code
from tests.support.ledger import checked_order, ledger_holds
from tests.support.sandbox import Merchant, line
from tests.support.server import Server

CAPTURES = 120  # per dialect
IN_FLIGHT = 16
KILL_AFTER = 80  # answers the client sees before the power cut
IN_PROGRESS = "IDEMPOTENCY_REQUEST_IN_PROGRESS"


@dataclass
class Call:
    key: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    answer: httpx.Response | None = None
    busy: str = IN_PROGRESS
    """The error code of the dialect's ``409`` for the key still in flight."""

    async def send(self, client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(self.path, json=self.body, headers=self.headers)


async def stream(merchant: Merchant) -> tuple[str, str, list[Call]]:
    """A Walley and a Ledyer order, and the captures of both, interleaved."""
    walley_id = (await merchant.order("walley", [line("big", "Big", 1, 10_000_000)]))["orderId"]
    items = [line(f"sku-{i}", f"Item {i}", 1, 10_000) for i in range(CAPTURES)]
    ledyer = await merchant.order("ledyer", items)
    walley_auth, ledyer_auth = await merchant.walley_headers(), await merchant.ledyer_headers()
    calls = []
    for i, (item, line_id) in enumerate(zip(items, ledyer["lineIds"], strict=True)):
        key = f"w-{i}"
        body: dict[str, Any] = {"amount": "1.00", "actionReference": key}
        path = f"/manage/orders/{walley_id}/capture"
        calls.append(Call(key, path, {**walley_auth, "X-Idempotency": key}, body))
        key = f"l-{i}"
        body = {"orderLines": [{**item, "id": line_id}], "totalCaptureAmount": item["totalAmount"]}
        path = f"/v1/orders/{ledyer['orderId']}/partialcapture"
        calls.append(Call(key, path, {**ledyer_auth, "Idempotency-Key": key}, body))
    return walley_id, ledyer["orderId"], calls


async def drive_until_the_crash(server: Server, calls: list[Call]) -> None:
    """Send the calls IN_FLIGHT at a time; SIGKILL the server after KILL_AFTER answers."""
    pending = iter(calls)
    answers = 0
    limits = httpx.Limits(max_connections=IN_FLIGHT)
    async with httpx.AsyncClient(base_url=server.url, timeout=10, limits=limits) as client:

        async def worker() -> None:
            nonlocal answers
            for call in pending:
                try:
                    call.answer = await call.send(client)
                except httpx.TransportError:
                    continue  # no answer: the connection broke or was refused
                answers += 1
                if answers == KILL_AFTER:
                    server.kill()

        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))


async def retry(client: httpx.AsyncClient, call: Call) -> httpx.Response:
    """Resend with the same key until the answer is not "still in progress"."""
    for _ in range(100):
        r = await call.send(client)
        if r.status_code != 409 or error_code(r) != call.busy:
            return r
        await asyncio.sleep(0.1)
    raise AssertionError(f"{call.key} stayed in progress")


async def complete_then_replay(
    clients: list[httpx.AsyncClient],
    calls: list[Call],
    unanswered: list[Call],
    succeeded: frozenset[int] = frozenset({200, 202}),
) -> None:
    """Resend every unanswered call, then every call once more (the clients taking turns):
    each answer the second time is the stored one (status, body and ``Location``, which
    names what was made), and every capture was answered with a status of ``succeeded``."""
    for i, call in enumerate(unanswered):
        call.answer = await retry(clients[i % len(clients)], call)
    for i, call in enumerate(calls):
        again = await retry(clients[(i + 1) % len(clients)], call)
        assert call.answer is not None
        assert (again.status_code, again.content, again.headers.get("location")) == (
            call.answer.status_code,
            call.answer.content,
            call.answer.headers.get("location"),
        ), call.key
    assert {call.answer.status_code for call in calls if call.answer} == succeeded


async def applied(database_url: str, keys: list[str]) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM idempotency_keys WHERE key = ANY($1::text[])", keys
        )
        return count
    finally:
        await conn.close()


async def assert_each_capture_once(
    database_url: str, walley_id: str, ledyer_id: str, calls: list[Any]
) -> None:
    """Every capture of the stream is on the orders exactly once, and the ledgers add up."""
    walley = await checked_order(database_url, walley_id)
    references = sorted(chunk.action_reference or "" for chunk in walley.captured)
    assert references == sorted(call.key for call in calls if call.key.startswith("w-"))
    assert walley.captured_amount == CAPTURES * 100
    ledyer = await checked_order(database_url, ledyer_id)
    assert all(len(chunk.lines) == 1 for chunk in ledyer.captured)
    assert len(ledyer.captured) == CAPTURES
    assert len({chunk.lines[0].reference for chunk in ledyer.captured}) == CAPTURES
    assert ledyer.remaining == 0
    ledger_holds(database_url)

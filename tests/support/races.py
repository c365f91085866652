"""Racing captures on real servers, and what must hold after them: the same checks whether the
servers share a host, sit on two hosts or reach PostgreSQL through PgBouncer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import httpx

from tests.support.envelopes import error_code
from tests.support.ledger import checked_order, ledger_holds
from tests.support.sandbox import Merchant, line

BIG = line("big", "Big item", 1, 100_000)  # 1,000.00 SEK authorised
PART = line("part", "Part delivery", 1, 3_000)  # 30.00 a capture: 33 fit, the 34th does not
FITS = BIG["totalAmount"] // PART["totalAmount"]
PARALLEL = 50
OK = {"walley": 202, "ledyer": 200}

Send = Callable[[httpx.AsyncClient, str], Coroutine[Any, Any, httpx.Response]]


def parallel_client(base_url: str) -> httpx.AsyncClient:
    """No keep-alive: every request is a new connection, for whichever worker accepts it."""
    limits = httpx.Limits(max_connections=PARALLEL, max_keepalive_connections=0)
    return httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits)


async def part_capture(merchant: Merchant, dialect: str) -> tuple[str, Send]:
    """A new order of 1,000.00 and a way to capture 30.00 of it under a given key."""
    order_id = (await merchant.order(dialect, [BIG]))["orderId"]
    body: dict[str, Any]
    if dialect == "walley":
        headers = await merchant.walley_headers()
        path, key_header = f"/manage/orders/{order_id}/capture", "X-Idempotency"
        body = {"amount": "30.00"}
    else:
        headers = await merchant.ledyer_headers()
        path, key_header = f"/v1/orders/{order_id}/partialcapture", "Idempotency-Key"
        body = {"orderLines": [PART], "totalCaptureAmount": PART["totalAmount"]}

    async def send(client: httpx.AsyncClient, key: str) -> httpx.Response:
        return await client.post(path, json=body, headers={**headers, key_header: key})

    return order_id, send


async def check_exactly_what_fits(
    answers: list[httpx.Response], database_url: str, order_id: str, dialect: str
) -> None:
    """``PARALLEL`` part captures under their own keys: ``FITS`` took, the rest were refused
    for the amount, and the order and its ledger hold exactly those captures."""
    refused = [r for r in answers if r.status_code != OK[dialect]]
    assert len(answers) - len(refused) == FITS
    assert {(r.status_code, error_code(r)) for r in refused} == {
        (422, "CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT")
    }
    order = await checked_order(database_url, order_id)
    assert len(order.captured) == FITS
    assert order.captured_amount == FITS * PART["totalAmount"]
    assert order.remaining == BIG["totalAmount"] - FITS * PART["totalAmount"]
    ledger_holds(database_url)


async def check_one_key_applies_once(
    send: Send,
    clients: tuple[httpx.AsyncClient, ...],
    database_url: str,
    order_id: str,
    dialect: str,
    *,
    ok: int | None = None,
    busy: str = "IDEMPOTENCY_REQUEST_IN_PROGRESS",
) -> None:
    """One key sent 20 times at once, alternately through ``clients``: the busy ones are
    ``409`` with the code ``busy`` and retry until answered; every answer is the same (``ok``,
    by default the dialect's in ``OK``), applied once."""
    answers = await asyncio.gather(
        *(send(clients[i % len(clients)], "stampede") for i in range(20))
    )
    in_flight = [r for r in answers if r.status_code == 409]
    assert {error_code(r) for r in in_flight} <= {busy}
    for i, _ in enumerate(in_flight):  # each client retries until it gets the answer
        answers.append(await send(clients[i % len(clients)], "stampede"))
    done = [r for r in answers if r.status_code != 409]
    assert len({(r.status_code, r.headers.get("location"), r.content) for r in done}) == 1
    assert done[0].status_code == (ok or OK[dialect])
    order = await checked_order(database_url, order_id)
    assert order.captured_amount == PART["totalAmount"]
    ledger_holds(database_url)

"""Clients that keep writing through a database failover, and the count of what they were
told: keyed captures and refunds on a Walley and a Ledyer store, each request resent with
its key on a transport error or a 5xx until it gets another answer (as a shop's plugin
retries), and every 5xx checked to be the dialect's retryable 503.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support.envelopes import error_code
from tests.support.sandbox import ADMIN, Merchant, line

RETRY_PAUSE = 0.2
IN_PROGRESS = "IDEMPOTENCY_REQUEST_IN_PROGRESS"
UNAVAILABLE = "SERVICE_UNAVAILABLE"
LEDYER_LINES = 40  # a Ledyer order's lines: one capture each, then a new order
WALLEY_AUTHORIZED = 100_000_000  # 1,000,000.00: room for every capture of 1.00


@dataclass
class Write:
    """One keyed write: what identifies it on the order once stored."""

    dialect: str
    kind: str  # capture, refund
    order_id: str
    key: str
    sent_at: float = 0.0  # the first attempt
    acked_at: float = 0.0  # the success's arrival


@dataclass
class Tally:
    """What the clients were told."""

    acked: list[Write] = field(default_factory=list)
    failed_at: list[float] = field(default_factory=list)  # every 503 and transport error
    unavailable: int = 0  # 503 answers (each resent)
    transport_errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)  # every answer's status
    orders: dict[str, set[str]] = field(default_factory=lambda: {"walley": set(), "ledyer": set()})

    def first_ack_sent_after(self, moment: float) -> float | None:
        """When the first write sent after ``moment`` was acknowledged (None: none yet)."""
        times = [w.acked_at for w in self.acked if w.sent_at >= moment]
        return min(times) if times else None

    def first_failure_after(self, moment: float) -> float | None:
        times = [t for t in self.failed_at if t >= moment]
        return min(times) if times else None


async def send(
    client: httpx.AsyncClient, tally: Tally, path: str, body: Any, headers: dict[str, str]
) -> httpx.Response:
    """POST until the answer is neither a transport error, a 5xx nor "key in progress";
    every 5xx must be a 503 in the dialect's envelope with ``Retry-After``."""
    while True:
        try:
            r = await client.post(path, json=body, headers=headers)
        except httpx.TransportError:
            tally.transport_errors += 1
            tally.failed_at.append(time.monotonic())
            await asyncio.sleep(RETRY_PAUSE)
            continue
        tally.statuses[r.status_code] += 1
        if r.status_code >= 500:
            assert r.status_code == 503, r.text
            assert code_of(r) == UNAVAILABLE and r.headers["retry-after"] == "1", r.text
            tally.unavailable += 1
            tally.failed_at.append(time.monotonic())
            await asyncio.sleep(RETRY_PAUSE)
            continue
        if r.status_code == 409 and error_code(r) == IN_PROGRESS:
            await asyncio.sleep(RETRY_PAUSE)
            continue
        return r


def code_of(r: httpx.Response) -> str:
    """The error code of a provider's envelope, or of the sandbox's ``{"error": {"code"}}``."""
    error = r.json().get("error")
    if isinstance(error, dict) and isinstance(error.get("code"), str):
        code: str = error["code"]
        return code
    return error_code(r)


async def new_order(
    client: httpx.AsyncClient, tally: Tally, merchant: Merchant, dialect: str, lines: list[Any]
) -> dict[str, Any]:
    """An order made through the sandbox, resent on a failure (an order made twice is only
    an order nobody writes to)."""
    body = {
        "storeId": merchant.stores[dialect],
        "orderLines": lines,
        "totalOrderAmount": sum(x["totalAmount"] for x in lines),
        "acknowledged": True,
    }
    r = await send(client, tally, "/sandbox/orders", body, ADMIN)
    assert r.status_code == 201, r.text
    order: dict[str, Any] = r.json()
    tally.orders[dialect].add(order["orderId"])
    return order


def _acked(tally: Tally, write: Write) -> None:
    write.acked_at = time.monotonic()
    tally.acked.append(write)


async def walley_client(
    client: httpx.AsyncClient, tally: Tally, merchant: Merchant, name: str, stop: asyncio.Event
) -> None:
    """Capture 1.00, then refund 0.50 of it, each under its key (the actionReference too)."""
    auth = await merchant.walley_headers()
    order = await new_order(
        client, tally, merchant, "walley", [line("big", "Big", 1, WALLEY_AUTHORIZED)]
    )
    base = f"/manage/orders/{order['orderId']}"
    n = 0
    while not stop.is_set():
        n += 1
        for kind, amount in (("capture", "1.00"), ("refund", "0.50")):
            key = f"{name}-{kind}-{n}"
            write = Write("walley", kind, order["orderId"], key, time.monotonic())
            body = {"amount": amount, "actionReference": write.key}
            r = await send(
                client, tally, f"{base}/{kind}", body, {**auth, "X-Idempotency": write.key}
            )
            assert r.status_code == 202, r.text
            _acked(tally, write)


async def ledyer_client(
    client: httpx.AsyncClient, tally: Tally, merchant: Merchant, name: str, stop: asyncio.Event
) -> None:
    """Capture one line, then refund that capture whole (its note the key), each keyed;
    a new order when the lines run out."""
    auth = await merchant.ledyer_headers()
    n = 0
    while not stop.is_set():
        items = [line(f"{name}-{i}", f"Item {i}", 1, 10_000) for i in range(LEDYER_LINES)]
        order = await new_order(client, tally, merchant, "ledyer", items)
        base = f"/v1/orders/{order['orderId']}"
        for item, line_id in zip(items, order["lineIds"], strict=True):
            if stop.is_set():
                return
            n += 1
            key = f"{name}-capture-{n}"
            write = Write(
                "ledyer", "capture", order["orderId"], item["reference"], time.monotonic()
            )
            body = {"orderLines": [{**item, "id": line_id}], "totalCaptureAmount": 10_000}
            headers = {**auth, "Idempotency-Key": key}
            r = await send(client, tally, f"{base}/partialcapture", body, headers)
            assert r.status_code == 200, r.text
            _acked(tally, write)
            [chunk] = [
                c
                for c in r.json()["captured"]
                if [x["reference"] for x in c["orderLines"]] == [item["reference"]]
            ]
            key = f"{name}-refund-{n}"
            write = Write("ledyer", "refund", order["orderId"], key, time.monotonic())
            headers = {**auth, "Idempotency-Key": key}
            r = await send(
                client, tally, f"{base}/refund/{chunk['ledgerId']}", {"note": key}, headers
            )
            assert r.status_code == 200, r.text
            _acked(tally, write)

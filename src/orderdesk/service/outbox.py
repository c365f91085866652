"""Delivering the outbox: notifications (and checkout callbacks) to the shops' URLs, at least
once, in order per order.

A worker claims due deliveries with ``FOR UPDATE SKIP LOCKED`` — any number of processes on
any number of hosts share the work, and a delivery is never sent by two at once — posts them,
records each attempt and commits. The row stays locked while it is sent: if the process dies
between sending and committing, the lock goes with its connection and the delivery is still
due, so another worker sends it again (at least once; never lost). An order's notifications
go one after the other, and so do its checkout callbacks, each line apart from the other (the
claim takes only the first pending one of each: ``store/clocks.py::SAME_LINE``).

What counts as delivered and when a failed attempt is tried again is the store's provider's
(``Dialect.notifier``: ``delivered``, ``retry_schedule``); after the schedule's last wait the
delivery has failed (it can still be resent by hand). Times are on the store's test clock;
while it advances, the advance sends the store's deliveries, each at its due time
(``attempt_due``, ``service/clock.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from orderdesk.domain.notifications import Outgoing
from orderdesk.ops import metrics
from orderdesk.service import wakeup
from orderdesk.service.dialect import Dialects
from orderdesk.service.hook_client import HookClient, endpoint, request_head
from orderdesk.store import db, outbox
from orderdesk.store.outbox import Attempt, Claimed, DeliveryView, State

log = logging.getLogger("orderdesk.notifications")

MAX_ANSWER_BYTES = 4096
USER_AGENT = "orderdesk-notifications/0.1"
HEADERS = {"User-Agent": USER_AGENT, "Content-Type": "application/json"}


def provider_headers(dialects: Dialects, delivery: Claimed) -> Mapping[str, str]:
    """The headers the store's provider adds to a delivery's POST (a signature, …)."""
    outgoing = Outgoing(
        delivery.body, delivery.occurred_at, delivery.correlation_id, delivery.secret
    )
    return dialects[delivery.provider].notifier.headers(outgoing)


def wire_headers(dialects: Dialects, delivery: Claimed, length: int) -> list[tuple[str, str]]:
    """The headers of a delivery's request as sent: ``Host`` (and ``Authorization`` when the
    URL names a user), the worker's headers with the provider's over them (a callback: the
    ``User-Agent`` with the callback's own over it), ``Content-Length`` (not on a GET without a
    body)."""
    if delivery.headers is None:
        given = {**HEADERS, **provider_headers(dialects, delivery)}
    else:
        given = {"User-Agent": USER_AGENT, **delivery.headers}
    merged = {name.lower(): (name, value) for name, value in given.items()}
    length_header = (
        [] if delivery.method == "GET" and not length else [("Content-Length", str(length))]
    )
    return [*endpoint(delivery.url).headers, *merged.values(), *length_header]


def request_headers(dialects: Dialects, delivery: Claimed) -> list[tuple[str, str]]:
    """The headers of a delivery's POST, in the order they are sent (names in lower case)."""
    length = len(delivery.body.encode())
    return [(name.lower(), value) for name, value in wire_headers(dialects, delivery, length)]


def next_step(
    schedule: Sequence[timedelta], tries_before: int, at: datetime
) -> tuple[State, datetime | None]:
    """State and next attempt after a failed attempt that followed ``tries_before`` others."""
    if tries_before < len(schedule):
        return "pending", at + schedule[tries_before]
    return "failed", None


class Sender:
    """Posts one notification: a timeout for the whole attempt, no redirects, at most
    ``MAX_ANSWER_BYTES`` of the answer read."""

    def __init__(self, timeout: float, dialects: Dialects) -> None:
        self.dialects = dialects
        self.timeout = timeout
        self.client = HookClient()

    async def send(self, delivery: Claimed, at: datetime) -> Attempt:
        """Post ``delivery``; the attempt is recorded as made at ``at`` (the store's time)."""
        start = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            body = delivery.body.encode()
            target = endpoint(delivery.url)
            head = request_head(
                target, wire_headers(self.dialects, delivery, len(body)), delivery.method
            )
            async with asyncio.timeout(self.timeout):
                status = await self.client.post(target, head, body, MAX_ANSWER_BYTES)
        except TimeoutError:
            error = "timeout"
        except (OSError, ValueError, EOFError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        if status is not None and not self._delivered(delivery, status):
            error = f"answered {status}"
        return Attempt(at, status, (time.perf_counter() - start) * 1000, error)

    def _delivered(self, delivery: Claimed, status: int) -> bool:
        if delivery.accept is not None:
            return status in delivery.accept
        return self.dialects[delivery.provider].notifier.delivered(status)

    async def close(self) -> None:
        await self.client.close()


@dataclass(frozen=True, slots=True)
class Sent:
    """One attempt, recorded: what it was and what follows (``next_at``: the next attempt)."""

    delivery: Claimed
    attempt: Attempt
    state: State
    next_at: datetime | None


def _outcome(dialects: Dialects, delivery: Claimed, attempt: Attempt) -> Sent:
    """What follows an attempt: a failed one is tried again on the provider's schedule,
    counted from when it was made."""
    state: State
    next_at: datetime | None
    if attempt.error is None:
        state, next_at = "delivered", None
    else:
        schedule = delivery.retry_schedule
        if schedule is None:
            schedule = dialects[delivery.provider].notifier.retry_schedule
        state, next_at = next_step(schedule, delivery.tries, attempt.at)
    return Sent(delivery, attempt, state, next_at)


async def _unacknowledged(
    conn: asyncpg.Connection, claimed: Sequence[Claimed], attempts: list[Attempt]
) -> list[Attempt]:
    """The attempts, each answered one of a callback retried until its order is
    acknowledged (Klarna's push) counted as failed while the order is not (read after the
    attempt: the shop acknowledges while it handles the callback)."""
    waiting = [
        d.order_id
        for d, a in zip(claimed, attempts, strict=True)
        if d.until_acknowledged and a.error is None
    ]
    if not waiting:
        return attempts
    done = await outbox.acknowledged(conn, waiting)
    return [
        dataclasses.replace(a, error="the order is not acknowledged")
        if d.until_acknowledged and a.error is None and d.order_id not in done
        else a
        for d, a in zip(claimed, attempts, strict=True)
    ]


async def _record(conn: asyncpg.Connection, sent: list[Sent]) -> None:
    """Record the attempts of deliveries in distinct lines (``SAME_LINE``), in one statement."""
    await outbox.record(conn, [(s.delivery.id, s.attempt, s.state, s.next_at) for s in sent])
    for s in sent:
        metrics.notification_attempt(s.state)
        log.info(
            "notification %s (%s, order %s) to %s: %s",
            s.delivery.id,
            s.delivery.event_type,
            s.delivery.order_id,
            s.delivery.url,
            s.state if s.attempt.error is None else f"{s.attempt.error}; {s.state}",
        )


async def deliver_due(pool: asyncpg.Pool, sender: Sender, limit: int = 16) -> int:
    """Send up to ``limit`` due deliveries (one transaction); returns how many were tried."""
    async with pool.acquire() as conn, conn.transaction():
        claimed = await outbox.claim(conn, limit)
        if not claimed:
            return 0
        attempts = await _unacknowledged(
            conn,
            claimed,
            await asyncio.gather(
                *(sender.send(delivery, datetime.now(UTC) + delivery.clock) for delivery in claimed)
            ),
        )
        await _record(
            conn,
            [
                _outcome(sender.dialects, delivery, attempt)
                for delivery, attempt in zip(claimed, attempts, strict=True)
            ],
        )
    return len(claimed)


async def attempt_due(
    pool: asyncpg.Pool, sender: Sender, delivery_id: int, due: datetime
) -> Sent | None:
    """Send a delivery of a store whose clock advances as at its due time ``due``, and record
    it so (its next attempt counted from ``due``); None when it was tried meanwhile."""
    async with pool.acquire() as conn, conn.transaction():
        delivery = await outbox.claim_due(conn, delivery_id, due)
        if delivery is None:
            return None
        attempts = await _unacknowledged(conn, [delivery], [await sender.send(delivery, due)])
        sent = _outcome(sender.dialects, delivery, attempts[0])
        await _record(conn, [sent])
        return sent


async def resend(pool: asyncpg.Pool, delivery_id: int) -> DeliveryView | None:
    """Make a delivery due now, whatever its state, and wake this process's worker; the
    delivery as it is then, or None when there is no such delivery."""
    async with pool.acquire() as conn:
        found = await outbox.resend(conn, delivery_id)
    if found is not None:
        wakeup.poke()
    return found


async def deliver_periodically(
    pool: asyncpg.Pool, dialects: Dialects, *, poll: float, timeout: float, batch: int = 16
) -> None:
    """Deliver until cancelled: at once when this process queued something, else every
    ``poll`` seconds; a failed round (a database hiccup) is logged and retried."""
    sender = Sender(timeout, dialects)
    wake = wakeup.event()
    gauge_at = 0.0
    try:
        while True:
            wake.clear()
            tried = 0
            try:
                tried = await deliver_due(pool, sender, batch)
                if time.monotonic() >= gauge_at:
                    async with pool.acquire() as conn:
                        metrics.outbox_backlog(await outbox.backlog(conn))
                    gauge_at = time.monotonic() + 2
            except db.LOOP_ERRORS as exc:
                await db.turn_failed(pool, exc, log, "delivering notifications")
            if tried:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), poll)
    finally:
        await sender.close()

"""Moving a store's test clock forward, as Stripe's test clocks advance.

``advance`` moves the clock at once — every read and change of the store's orders is at the
new time from then on — and then runs, in time order, everything that fell due in between:
each expiry at the moment its order expired, each delivery attempt at its due time, its answer
recorded and the next attempt scheduled from that due time; until nothing is due on the
store's clock, and only then does it answer. Meanwhile the workers leave the store to it
(``stores.clock_advancing_since``). An advance cut short (the process stopped) leaves the store
advancing; the store's next advance runs what it left. Why it answers when done, where Stripe's
answers at once: ``docs/decisions.md``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from orderdesk.service.expiry import expire_order
from orderdesk.service.outbox import Sender, Sent, attempt_due
from orderdesk.service.unit_of_work import UnitOfWork
from orderdesk.store import clocks
from orderdesk.store.clocks import Due, StoreClock

log = logging.getLogger("orderdesk.clock")

#: The steps an advance lists (its counts cover them all).
MAX_STEPS = 1000
#: The farthest one advance moves a clock: ten years.
MAX_ADVANCE = timedelta(days=10 * 366)


@dataclass(frozen=True, slots=True)
class Step:
    """One thing an advance ran: an order's expiry, or a delivery attempt (``sent``)."""

    at: datetime  # on the store's clock
    order_id: str
    sent: Sent | None = None


@dataclass(slots=True)
class Advanced:
    """The store's clock once an advance is done, and what it ran in time order: the first
    :data:`MAX_STEPS` steps, and how many of each kind."""

    clock: StoreClock
    steps: list[Step] = field(default_factory=list)
    expired: int = 0
    attempts: dict[str, int] = field(
        default_factory=lambda: {"delivered": 0, "pending": 0, "failed": 0}
    )

    def add(self, step: Step) -> None:
        if step.sent is None:
            self.expired += 1
        else:
            self.attempts[step.sent.state] += 1
        if len(self.steps) < MAX_STEPS:
            self.steps.append(step)


class ClockMoved(Exception):
    """The store's clock is not where the one who asked saw it (it moved since)."""

    def __init__(self, found: StoreClock) -> None:
        super().__init__(f"store {found.store_id}: the clock moved meanwhile")
        self.found = found


class Stuck(RuntimeError):
    """What the store's clock says is due could not be run: the statement that finds it and
    the step that runs it disagree."""


async def advance(
    uow: UnitOfWork,
    store_id: str,
    by: timedelta,
    *,
    timeout: float,
    from_offset: timedelta | None = None,
) -> Advanced | None:
    """Move the store's clock ``by`` forward and run what falls due (each notification waits
    at most ``timeout`` seconds for its answer); None when there is no such store. The
    sandbox API's ``POST /sandbox/stores/{storeId}/clock/advance`` and the back-office call
    this; the back-office's form says how far ahead the clock was when it was shown
    (``from_offset``), so a form sent twice moves it once (:class:`ClockMoved`)."""
    async with uow.pool.acquire() as conn:
        started = await clocks.start_advance(conn, store_id, by, from_offset)
        if started is None and from_offset is not None:
            found = await clocks.get(conn, store_id)
            if found is not None:
                raise ClockMoved(found)
    if started is None:
        return None
    log.info("store %s: clock moved %s forward, to %s", store_id, by, started.now.isoformat())
    sender = Sender(timeout, uow.dialects)
    try:
        return await _run_due(uow, sender, Advanced(started))
    finally:
        await sender.close()


async def _run_due(uow: UnitOfWork, sender: Sender, done: Advanced) -> Advanced:
    """Run the store's due work, earliest first, until none is left; ``done`` notes it."""
    store_id = done.clock.store_id
    last: Due | None = None
    while True:
        async with uow.pool.acquire() as conn:
            due = await clocks.next_due(conn, store_id)
            finished = None if due is not None else await clocks.finish_advance(conn, store_id)
        if finished is not None:
            done.clock = finished
            return done
        if due is None:
            continue  # something came due meanwhile
        if due == last:
            raise Stuck(f"store {store_id}: {due.kind} {due.ref} at {due.at} would not run")
        step = await _run(uow, sender, due)
        if step is None:
            last = due  # another ran it meanwhile: it must not come up again
        else:
            last = None
            done.add(step)


async def _run(uow: UnitOfWork, sender: Sender, due: Due) -> Step | None:
    """Run one due thing; None when another process ran it meanwhile."""
    if due.kind == "expire":
        at = await expire_order(uow, due.ref)
        return None if at is None else Step(at, due.ref)
    sent = await attempt_due(uow.pool, sender, int(due.ref), due.at)
    return None if sent is None else Step(due.at, sent.delivery.order_id, sent)

"""Now, on a store's clock.

A store's now is the server's plus the offset of the store's test clock
(``stores.clock_offset``; the sandbox moves it forward). Every order is judged at its store's
now — rules, answers, lists, the back-office — never at the server's: an order's times
(created, expires, events) are all on its store's clock.

Work on one order sets ``clock`` to its store's offset when it loads the order (the unit of
work, the sweeps); ``utcnow`` refuses to answer before that, so that no code takes the server's
now for a store's by mistake. Work on the orders of several stores adds each order's offset
itself (``now() + stores.clock_offset`` in SQL, or the offset each loaded order carries).
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

#: The test clock of the store whose order this task is working on: None until one is loaded.
clock: ContextVar[timedelta | None] = ContextVar("store_clock", default=None)


class NoStoreClock(RuntimeError):
    """``utcnow`` was asked before any order was loaded: there is no store whose now it is."""


def utcnow() -> datetime:
    """Now, on the clock of the store whose order is being worked on (see ``clock``)."""
    offset = clock.get()
    if offset is None:
        raise NoStoreClock("now on which store's clock? Load the order first")
    return datetime.now(UTC) + offset

"""Waking this process's delivery worker when a committed change queued notifications, so
that the first attempt goes out at once instead of at the next poll.

``queued`` is called inside the transaction, ``after_commit`` once it committed; a change
that rolled back wakes nobody (and a wake-up for nothing costs one empty claim).
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

_pending: ContextVar[int] = ContextVar("pending_notifications", default=0)
_event: asyncio.Event | None = None


def event() -> asyncio.Event:
    """The event the worker of this process (and event loop) waits on."""
    global _event
    if _event is None:
        _event = asyncio.Event()
    return _event


def queued(count: int) -> None:
    if count:
        _pending.set(_pending.get() + count)


def after_commit() -> None:
    if _pending.get():
        _pending.set(0)
        if _event is not None:
            _event.set()


def poke() -> None:
    """Wake the worker now (a resend, a moved clock)."""
    if _event is not None:
        _event.set()

"""The seams the code offers a test, instead of patching its functions: the app's unit of
work (``app.state.uow``) and the unit of work's way to the order rows (``UnitOfWork.rows``).
Each helper puts a wrapper in place for the ``with`` block and takes it out after."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI

from orderdesk.service.unit_of_work import UnitOfWork
from orderdesk.store.idempotency import KeyRecord
from orderdesk.store.orders import Claimed, Loaded, OrderRows, Written


@contextmanager
def rows_in_place(app: FastAPI, rows: OrderRows) -> Iterator[OrderRows]:
    """``rows`` as the app's way to the order rows for the block."""
    uow: UnitOfWork = app.state.uow
    before, uow.rows = uow.rows, rows
    try:
        yield rows
    finally:
        uow.rows = before


class FailingSaves(OrderRows):
    """The next saves raise ``failures`` (one each), as a lost connection would."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)

    async def save(
        self, conn: asyncpg.Connection, loaded: Loaded, written: Written, reply: Any = None
    ) -> bool:
        if self.failures:
            raise self.failures.pop(0)
        return await super().save(conn, loaded, written, reply)


class BetweenReadAndWrite(OrderRows):
    """Runs ``meanwhile`` once, before the first write of the next change (after its read);
    ``applied`` notes what each write returned (False: it wrote nothing)."""

    def __init__(self, meanwhile: Callable[[], Awaitable[None]]) -> None:
        self.meanwhile: Callable[[], Awaitable[None]] | None = meanwhile
        self.applied: list[bool] = []

    async def save(
        self,
        conn: asyncpg.Connection,
        loaded: Loaded,
        written: Written,
        reply: KeyRecord | None = None,
    ) -> bool:
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            await meanwhile()
        self.applied.append(await super().save(conn, loaded, written, reply))
        return self.applied[-1]


class StaleFirstClaim(OrderRows):
    """The first claim answers as if its snapshot predated the key's first request's commit:
    no stored answer, so it went on to read the order. ``locks`` notes each claim's ``lock``."""

    def __init__(self) -> None:
        self.locks: list[bool] = []

    async def claim_and_lock(
        self, conn: asyncpg.Connection, client_id: str, key: str, order_id: str, *, lock: bool
    ) -> Claimed:
        self.locks.append(lock)
        claim = await super().claim_and_lock(conn, client_id, key, order_id, lock=lock)
        if len(self.locks) == 1:
            return Claimed(claim.locked, None, await self.get(conn, order_id))
        return claim


class ParseWatcher(UnitOfWork):
    """The app's unit of work, noting each time a change parses its request's body (and
    refusing to: the parse is where a replay must not go)."""

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow.pool, uow.dialects)
        self.rows = uow.rows
        self.parsed: list[str] = []

    async def change(self, ref: Any, key: Any, change: Any, presenter: Any, **given: Any) -> Any:
        if given.get("body") is not None:
            given["body"] = self._refuse
        return await super().change(ref, key, change, presenter, **given)

    def _refuse(self) -> object:
        self.parsed.append("parsed")
        raise AssertionError("the body was parsed")


@contextmanager
def watching_parses(app: FastAPI) -> Iterator[ParseWatcher]:
    """The app's unit of work replaced by a :class:`ParseWatcher` for the block."""
    before: UnitOfWork = app.state.uow
    app.state.uow = watcher = ParseWatcher(before)
    try:
        yield watcher
    finally:
        app.state.uow = before

"""How every order change is run and written.

Read the idempotency key and the order, replay a stored reply if the key was used before,
apply the change, save the order (its row, the lines that changed, the new events, ledger
and outbox rows) and the reply in one statement — written only over the order as it was read,
else the change runs again in a transaction holding the key's and the order's locks. Either
all of it is written or none of it; a retry with the same key never applies twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

import asyncpg

from orderdesk.auth.tokens import Principal
from orderdesk.domain import errors as e
from orderdesk.domain.clock import clock, utcnow
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.order import Order
from orderdesk.ops import metrics
from orderdesk.service import wakeup
from orderdesk.service.dialect import Dialect, Dialects
from orderdesk.service.reads import Reads
from orderdesk.service.replies import Presenter
from orderdesk.store import idempotency, orders
from orderdesk.store.idempotency import MAX_KEY_LENGTH, KeyRecord, StoredResponse
from orderdesk.store.orders import Loaded, OrderRows, Written
from orderdesk.web.answers import Reply

R = TypeVar("R")
T = TypeVar("T")
log = logging.getLogger("orderdesk.orders")

#: A change to one order: returns what the presenter shows. It may run twice (see
#: :meth:`UnitOfWork.change`), each time on a freshly read order.
Change = Callable[[Order, datetime], R]
#: Runs on the order before the change, on the change's connection (a provider's per-store
#: checks); a DomainError it raises is answered like the change's own. It reads; to write it
#: needs the transaction the second attempt runs in (it raises :class:`NeedsTransaction`).
Prepare = Callable[[asyncpg.Connection, Loaded, datetime], Awaitable[None]]


class Moved(Exception):
    """The order or the key moved between an attempt's read and its write (or the attempt
    needs a transaction): nothing was written, and the change runs again under locks."""


class NeedsTransaction(Moved):
    """Raised by a :data:`Prepare` step that must write before the change when its
    connection is not in a transaction: the change then runs in one."""


class Parsed(Generic[T]):
    """A request's command, parsed from its body when first asked for.

    The unit of work asks right after the idempotency key's look-up (without a key: before
    anything) — before anything is decided about the key or the order, so a malformed body is
    refused first, as always — except when the look-up found this very request answered: a
    replay is the same bytes, which parsed the first time, and is answered without parsing
    them again.
    """

    __slots__ = ("_parse", "_value")

    def __init__(self, parse: Callable[[], T]) -> None:
        self._parse: Callable[[], T] | None = parse
        self._value: T | None = None

    @classmethod
    def of(cls, value: T) -> Parsed[T]:
        """A command that needs no parsing (the back-office builds its own)."""
        return cls(lambda: value)

    def __call__(self) -> T:
        if self._parse is not None:
            self._value, self._parse = self._parse(), None
        return self._value  # type: ignore[return-value]


def key_after_body(
    make_key: Callable[[], IdempotencyKey | None], body: Callable[[], object]
) -> IdempotencyKey | None:
    """The request's idempotency key; when it is malformed and so is the body, the body's
    400 is the answer (the body is looked at first, as when it was parsed up front)."""
    try:
        return make_key()
    except DomainError:
        body()
        raise


@dataclass(frozen=True, slots=True)
class OrderRef:
    """Who acts on which order, in which provider's API (its name)."""

    principal: Principal
    order_id: str
    provider: str


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    key: str
    fingerprint: bytes

    @classmethod
    def from_request(
        cls, key: str | None, method: str, path: str, body: bytes
    ) -> IdempotencyKey | None:
        """None without a key; the fingerprint covers method, path and the exact body bytes."""
        if key is None:
            return None
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise DomainError(
                e.IDEMPOTENCY_KEY_INVALID,
                f"The idempotency key must be 1 to {MAX_KEY_LENGTH} characters",
                Kind.INVALID,
            )
        digest = hashlib.sha256(f"{method} {path}\n".encode() + body).digest()
        return cls(key, digest)

    def stored(self, reply: Reply) -> StoredResponse:
        """``reply`` as kept under this key."""
        return StoredResponse(self.fingerprint, reply.status, reply.headers, reply.body)


def checked(ref: OrderRef, found: Loaded | None) -> Loaded:
    """``found``, if it exists in this provider's API and the credential may act on its
    store; sets the store's clock for this task (``domain/clock.py``), read in the statement
    that loaded the order."""
    if found is None or found.order.provider != ref.provider:
        raise DomainError(e.ORDER_NOT_FOUND, f"Order {ref.order_id} was not found", Kind.NOT_FOUND)
    clock.set(found.clock)
    if not ref.principal.may_use(found.order.store_id):
        raise DomainError(
            e.FORBIDDEN, "This credential may not act on the order's store", Kind.FORBIDDEN
        )
    return found


@dataclass(frozen=True, slots=True)
class _Request(Generic[R]):
    """One change asked for: what to change, how to answer, under which key."""

    ref: OrderRef
    key: IdempotencyKey | None
    change: Change[R]
    presenter: Presenter[R]
    prepare: Prepare | None
    body: Callable[[], object] | None

    def replay(self, claim: orders.Claimed) -> Reply | None:
        """The stored reply to replay, or None once this request holds the key (parsing the
        body first unless the reply stored is this very request's)."""
        assert self.key is not None
        stored = claim.stored
        if self.body is not None and (stored is None or stored.fingerprint != self.key.fingerprint):
            self.body()
        dialect = self.ref.principal.dialect
        if stored is not None:
            if stored.fingerprint != self.key.fingerprint:
                metrics.idempotency_conflict(dialect)
                raise DomainError(
                    e.IDEMPOTENCY_KEY_REUSED,
                    "This idempotency key was used for a different request",
                )
            metrics.idempotent_replay(dialect)
            return Reply(stored.status_code, stored.headers, stored.body)
        if not claim.locked:
            raise DomainError(
                e.IDEMPOTENCY_REQUEST_IN_PROGRESS,
                "A request with this idempotency key is in progress; retry later",
                Kind.IN_PROGRESS,
            )
        return None

    def record(self, reply: Reply) -> KeyRecord | None:
        if self.key is None:
            return None
        return KeyRecord(self.ref.principal.client_id, self.key.key, self.key.stored(reply))

    def is_key_taken(self, error: asyncpg.UniqueViolationError) -> bool:
        """Whether the key's first request committed while this one ran."""
        return self.key is not None and error.constraint_name == idempotency.PRIMARY_KEY


class UnitOfWork:
    """Runs changes on orders, and the reads around them, for every installed provider.

    ``rows`` is the way to the order rows (a seam: tests wrap it); ``reads`` where reads go
    (a read replica, when one is configured; every change and its reads use ``pool``)."""

    def __init__(self, pool: asyncpg.Pool, dialects: Dialects, reads: Reads | None = None) -> None:
        self.pool = pool
        self.dialects = dialects
        self.rows = OrderRows()
        self.reads = reads or Reads(pool)

    def dialect(self, order: Order) -> Dialect:
        return self.dialects[order.provider]

    def written(self, order: Order) -> Written:
        """What a write of ``order`` stores besides the order, as its provider says."""
        dialect = self.dialect(order)
        return Written(dialect.status_word(order, order.updated_at), dialect.notifier.render)

    async def change(
        self,
        ref: OrderRef,
        key: IdempotencyKey | None,
        change: Change[R],
        presenter: Presenter[R],
        *,
        prepare: Prepare | None = None,
        body: Callable[[], object] | None = None,
    ) -> Reply:
        """Run ``change`` on the order and answer with ``presenter``.

        First without a transaction: one statement reads the key and the order, another
        writes the change and its reply — but only over the version of the order that was
        read, and only while no other request holds the key (``store/orders.py``). When
        either moved meanwhile, nothing was written and the change runs again in a
        transaction that locks the key and the order first. A replay is one statement.

        Rule and state refusals are replies too: they are stored under the key, so a retry
        sees the same refusal. Not-found, forbidden and in-progress are not stored (they may
        change). ``body``, when given, is parsed before any of that is decided, unless the
        key's stored reply to this very request is replayed (see :class:`Parsed`).
        """
        asked = _Request(ref, key, change, presenter, prepare, body)
        if key is None and body is not None:
            body()  # no key, no replay to spare: a malformed body costs no round trip
        async with self.pool.acquire() as conn:
            try:
                reply = await self._attempt(conn, asked, lock=False)
            except Moved:
                reply = await self._locked(conn, asked)
            wakeup.after_commit()
            return reply

    async def _locked(self, conn: asyncpg.Connection, asked: _Request[R]) -> Reply:
        """The change in a transaction holding the key's and the order's locks."""
        try:
            return await self._in_transaction(conn, asked)
        except asyncpg.UniqueViolationError as exc:
            if not asked.is_key_taken(exc):
                raise
            # The key's first request committed between this one's snapshot and its lock:
            # nothing of this attempt was kept; running again replays its reply.
            log.info(
                "order %s: key %r completed concurrently, replaying", asked.ref.order_id, asked.key
            )
            return await self._in_transaction(conn, asked)

    async def _in_transaction(self, conn: asyncpg.Connection, asked: _Request[R]) -> Reply:
        async with conn.transaction():
            try:
                return await self._attempt(conn, asked, lock=True)
            except Moved as exc:
                raise RuntimeError(f"order {asked.ref.order_id} moved under its lock") from exc

    async def _attempt(self, conn: asyncpg.Connection, asked: _Request[R], *, lock: bool) -> Reply:
        """Read and change the order, and write it; :class:`Moved` when nothing was written
        because the order or the key moved since they were read (never under their locks)."""
        loaded = await self._load(conn, asked, lock=lock)
        if isinstance(loaded, Reply):
            return loaded
        try:
            return await self._apply(conn, asked, loaded)
        except asyncpg.UniqueViolationError as exc:
            if lock or not asked.is_key_taken(exc):
                raise
            raise Moved from exc  # the key's first request committed meanwhile: replayed

    async def _load(
        self, conn: asyncpg.Connection, asked: _Request[R], *, lock: bool
    ) -> Loaded | Reply:
        """The order to change (locked with ``lock``), or the reply stored under the key."""
        ref = asked.ref
        if asked.key is None:
            return checked(ref, await self.rows.get(conn, ref.order_id, for_update=lock))
        claim = await self.rows.claim_and_lock(
            conn, ref.principal.client_id, asked.key.key, ref.order_id, lock=lock
        )
        replay = asked.replay(claim)
        return replay if replay is not None else checked(ref, claim.order)

    async def _apply(self, conn: asyncpg.Connection, asked: _Request[R], loaded: Loaded) -> Reply:
        """Change ``loaded`` and write it with its reply (a refusal: the reply alone)."""
        order = loaded.order
        now = utcnow()
        try:
            if asked.prepare is not None:
                await asked.prepare(conn, loaded, now)
            result = asked.change(order, now)
        except DomainError as err:
            if err.kind not in (Kind.RULE, Kind.STATE):
                raise
            return await self._refuse(conn, asked, err)
        events = order.events[loaded.events :]
        reply = asked.presenter.present(order, loaded.seq, result)
        if not await self.rows.save(conn, loaded, self.written(order), asked.record(reply)):
            raise Moved
        for event in events:
            metrics.order_event(event.type, order.currency, event.amount)
            # DEBUG: at INFO this line cost 8-11 % of the server's CPU per capture, and
            # orderdesk_order_events_total already counts the changes (docs/benchmarks.md)
            log.debug("order %s: %s %d %s", order.id, event.type, event.amount, order.currency)
        wakeup.queued(loaded.queued)
        return reply

    async def _refuse(
        self, conn: asyncpg.Connection, asked: _Request[R], error: DomainError
    ) -> Reply:
        """A rule's refusal, stored under the key (nothing else is written)."""
        reply = asked.presenter.refuse(error)
        record = asked.record(reply)
        if record is not None and not await idempotency.save(
            conn, record.client_id, record.key, asked.ref.order_id, record.response
        ):
            raise Moved
        log.info("order %s: refused %s", asked.ref.order_id, error.code)
        return reply

    async def read(self, ref: OrderRef, *, fresh: bool = False) -> Loaded:
        """The order as it is now (no lock, no transaction; on the read replica when one is
        configured and close enough behind, unless ``fresh``; one just made and not yet
        there is read on the primary)."""

        async def get(conn: asyncpg.Connection) -> Loaded | None:
            return await self.rows.get(conn, ref.order_id)

        return checked(ref, await self.reads.fetch(get, fresh=fresh))

    async def load(self, conn: asyncpg.Connection, ref: OrderRef) -> Loaded:
        """The order, if it exists in this provider's API and the credential may act on it."""
        return checked(ref, await self.rows.get(conn, ref.order_id))

    async def write(self, conn: asyncpg.Connection, loaded: Loaded) -> None:
        """Save a change made under the order's lock (in ``conn``'s transaction)."""
        if not await self.rows.save(conn, loaded, self.written(loaded.order)):
            raise RuntimeError(f"order {loaded.order.id} moved under its lock")
        wakeup.queued(loaded.queued)


@dataclass(frozen=True, slots=True)
class Act:
    """One request's change of one order: the unit of work it runs in, who acts on which
    order, and the request's idempotency key. A use case is ``await act.change(…)``."""

    uow: UnitOfWork
    ref: OrderRef
    key: IdempotencyKey | None

    async def change(
        self,
        change: Change[R],
        presenter: Presenter[R],
        *,
        prepare: Prepare | None = None,
        body: Callable[[], object] | None = None,
    ) -> Reply:
        """:meth:`UnitOfWork.change` of this order under this key."""
        return await self.uow.change(
            self.ref, self.key, change, presenter, prepare=prepare, body=body
        )

"""How every order change is run and written.

Read the idempotency key and the order, replay a stored reply if the key was used before,
apply the change, save the order (its row, the lines that changed, the new events and ledger
rows) and the reply in one statement — written only over the order as it was read, else the
change runs again in a transaction holding the key's and the order's locks. Either all of it
is written or none of it; a retry with the same key never applies twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

import asyncpg

from orderdesk.auth.tokens import Principal
from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.order import Order, Provider
from orderdesk.ops import metrics
from orderdesk.service import wakeup
from orderdesk.service.replies import Presenter
from orderdesk.store import idempotency, orders
from orderdesk.store.idempotency import KeyRecord, StoredResponse
from orderdesk.web.answers import Reply

R = TypeVar("R")
T = TypeVar("T")
log = logging.getLogger("orderdesk.orders")

MAX_KEY_LENGTH = 255

#: A change to one order: returns what the presenter shows. It may run twice (see
#: ``change_order``), each time on a freshly read order.
Change = Callable[[Order, datetime], R]
#: Runs on the order before the change, on the change's connection (a dialect's per-store
#: checks); a DomainError it raises is answered like the change's own. It reads; to write it
#: needs the transaction the second attempt runs in (``NeedsTransaction``).
Prepare = Callable[[asyncpg.Connection, orders.Loaded, datetime], Awaitable[None]]


class Parsed(Generic[T]):
    """A request's command, parsed from its body when first asked for.

    ``change_order`` asks right after the idempotency key's look-up (without a key: before
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
    """Who acts on which order, in which provider's API."""

    principal: Principal
    order_id: str
    provider: Provider


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


#: The test clock of the store whose order this task is working on (sandbox: a store's
#: clock can be moved forward). Set when the order is loaded, from the same statement.
clock: ContextVar[timedelta] = ContextVar("clock", default=timedelta(0))


def utcnow() -> datetime:
    """Now, on the clock of the store whose order is being worked on (see ``clock``)."""
    return datetime.now(UTC) + clock.get()


async def load_order(
    conn: asyncpg.Connection, ref: OrderRef, *, for_update: bool = False
) -> orders.Loaded:
    """The order, if it exists in this dialect and the credential may act on its store."""
    return _checked(ref, await orders.get(conn, ref.order_id, for_update=for_update))


def _checked(ref: OrderRef, found: orders.Loaded | None) -> orders.Loaded:
    """``found``, if it exists in this dialect and the credential may act on its store."""
    if found is None or found.order.provider != ref.provider:
        raise DomainError(e.ORDER_NOT_FOUND, f"Order {ref.order_id} was not found", Kind.NOT_FOUND)
    if not ref.principal.may_use(found.order.store_id):
        raise DomainError(
            e.FORBIDDEN, "This credential may not act on the order's store", Kind.FORBIDDEN
        )
    clock.set(found.clock)
    return found


def _claimed(
    ref: OrderRef, key: IdempotencyKey, locked: bool, stored: StoredResponse | None
) -> Reply | None:
    """The stored reply to replay, or None once this request holds the key."""
    if stored is not None:
        if stored.fingerprint != key.fingerprint:
            metrics.idempotency_conflict(ref.principal.dialect)
            raise DomainError(
                e.IDEMPOTENCY_KEY_REUSED, "This idempotency key was used for a different request"
            )
        metrics.idempotent_replay(ref.principal.dialect)
        return Reply(stored.status_code, stored.headers, stored.body)
    if not locked:
        raise DomainError(
            e.IDEMPOTENCY_REQUEST_IN_PROGRESS,
            "A request with this idempotency key is in progress; retry later",
            Kind.IN_PROGRESS,
        )
    return None


class NeedsTransaction(Exception):
    """Raised by a ``Prepare`` step that must write before the change (on ``conn``) when
    ``conn`` is not in a transaction: the change then runs in one."""


async def change_order(
    pool: asyncpg.Pool,
    ref: OrderRef,
    key: IdempotencyKey | None,
    change: Change[R],
    presenter: Presenter[R],
    prepare: Prepare | None = None,
    body: Callable[[], object] | None = None,
) -> Reply:
    """Run ``change`` on the order and answer with ``presenter``.

    First without a transaction: one statement reads the key and the order, another writes
    the change and its reply — but only over the version of the order that was read, and only
    while no other request holds the key (``store/orders.py::SAVE_SQL``). When either moved
    meanwhile, nothing was written and the change runs again in a transaction that locks the
    key and the order first, as a race between two such requests always did. A replay is one
    statement.

    Rule and state refusals are replies too: they are stored under the key, so a retry sees
    the same refusal. Not-found, forbidden and in-progress are not stored (they may change).
    ``body``, when given, is parsed before any of that is decided, unless the key's stored
    reply to this very request is replayed (see :class:`Parsed`).
    """

    async def load(conn: asyncpg.Connection, lock: bool) -> orders.Loaded | Reply:
        """The order to change (locked with ``lock``), or the reply stored under the key."""
        if key is None:
            return await load_order(conn, ref, for_update=lock)
        # the key's claim and the order's load: one statement
        claim = await orders.claim_and_lock(
            conn, ref.principal.client_id, key.key, ref.order_id, lock=lock
        )
        answered = claim.stored
        if body is not None and (answered is None or answered.fingerprint != key.fingerprint):
            body()
        replay = _claimed(ref, key, claim.locked, answered)
        return replay if replay is not None else _checked(ref, claim.order)

    async def apply(conn: asyncpg.Connection, loaded: orders.Loaded) -> Reply | None:
        """Change ``loaded`` and write it; None when nothing was written because the order or
        the key moved since it was loaded (never while holding their locks)."""
        order = loaded.order
        now = utcnow()
        try:
            if prepare is not None:
                await prepare(conn, loaded, now)
            result = change(order, now)
        except DomainError as err:
            if err.kind not in (Kind.RULE, Kind.STATE):
                raise
            reply = presenter.refuse(err)
            if key is not None and not await idempotency.save(
                conn, ref.principal.client_id, key.key, ref.order_id, stored(reply)
            ):
                return None
            log.info("order %s: refused %s", ref.order_id, err.code)
            return reply
        events = order.events[loaded.events :]
        reply = presenter.present(order, loaded.seq, result)
        # The order and the reply under its key, in one statement.
        record = None if key is None else KeyRecord(ref.principal.client_id, key.key, stored(reply))
        if not await orders.save(conn, loaded, record):
            return None
        for event in events:
            metrics.order_event(event.type, order.currency, event.amount)
            log.info("order %s: %s %d %s", ref.order_id, event.type, event.amount, order.currency)
        wakeup.queued(loaded.queued)
        return reply

    async def unlocked(conn: asyncpg.Connection) -> Reply | None:
        loaded = await load(conn, lock=False)
        if isinstance(loaded, Reply):
            return loaded
        try:
            return await apply(conn, loaded)
        except NeedsTransaction:
            return None
        except asyncpg.UniqueViolationError as exc:
            if key is None or exc.constraint_name != idempotency.PRIMARY_KEY:
                raise
            return None  # the key's first request committed meanwhile: replayed below

    async def locked(conn: asyncpg.Connection) -> Reply:
        async with conn.transaction():
            loaded = await load(conn, lock=True)
            if isinstance(loaded, Reply):
                return loaded
            reply = await apply(conn, loaded)
            if reply is None:
                raise RuntimeError(f"order {ref.order_id} changed under its lock")
            return reply

    def stored(reply: Reply) -> StoredResponse:
        assert key is not None
        return StoredResponse(key.fingerprint, reply.status, reply.headers, reply.body)

    if key is None and body is not None:
        body()  # no key, no replay to spare: a malformed body costs no round trip
    async with pool.acquire() as conn:
        reply = await unlocked(conn)
        if reply is None:
            try:
                reply = await locked(conn)
            except asyncpg.UniqueViolationError as exc:
                if key is None or exc.constraint_name != idempotency.PRIMARY_KEY:
                    raise
                # The key's first request committed between this one's snapshot and its
                # lock: nothing of this attempt was kept; running again replays its reply.
                log.info(
                    "order %s: key %r completed concurrently, replaying", ref.order_id, key.key
                )
                reply = await locked(conn)
        wakeup.after_commit()
        return reply


async def read_order(pool: asyncpg.Pool, ref: OrderRef) -> orders.Loaded:
    """The order as it is now (no lock, no transaction)."""
    async with pool.acquire() as conn:
        return await load_order(conn, ref)

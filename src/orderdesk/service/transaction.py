"""The one transaction every order mutation runs in.

Take the idempotency key's lock, replay a stored response if the key was used before, lock
the order row, apply the domain operation, save the order and the response — then commit.
Either all of it is written or none of it; a retry with the same key never applies twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import asyncpg

from orderdesk.auth.tokens import Principal
from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.order import Order
from orderdesk.ops import metrics
from orderdesk.store import idempotency, orders
from orderdesk.store.idempotency import StoredResponse

T = TypeVar("T")
log = logging.getLogger("orderdesk.orders")

MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """A dialect's answer, kept byte for byte so a retry gets exactly the same."""

    status_code: int
    headers: dict[str, str]
    body: bytes


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


def utcnow() -> datetime:
    return datetime.now(UTC)


async def load_order(
    conn: asyncpg.Connection,
    principal: Principal,
    order_id: str,
    provider: str,
    *,
    for_update: bool = False,
) -> tuple[Order, int]:
    """The order, if it exists in this dialect and the credential may act on its store."""
    found = await orders.get(conn, order_id, for_update=for_update)
    if found is None or found[0].provider != provider:
        raise DomainError(e.ORDER_NOT_FOUND, f"Order {order_id} was not found", Kind.NOT_FOUND)
    if not principal.may_use(found[0].store_id):
        raise DomainError(
            e.FORBIDDEN, "This credential may not act on the order's store", Kind.FORBIDDEN
        )
    return found


async def _claim(
    conn: asyncpg.Connection, principal: Principal, key: IdempotencyKey
) -> HttpAnswer | None:
    """The stored answer to replay, or None once this request holds the key."""
    locked, stored = await idempotency.claim(conn, principal.client_id, key.key)
    if stored is not None:
        if stored.fingerprint != key.fingerprint:
            metrics.idempotency_conflict(principal.dialect)
            raise DomainError(
                e.IDEMPOTENCY_KEY_REUSED, "This idempotency key was used for a different request"
            )
        metrics.idempotent_replay(principal.dialect)
        return HttpAnswer(stored.status_code, stored.headers, stored.body)
    if not locked:
        raise DomainError(
            e.IDEMPOTENCY_REQUEST_IN_PROGRESS,
            "A request with this idempotency key is in progress; retry later",
            Kind.IN_PROGRESS,
        )
    return None


async def mutate_order(
    pool: asyncpg.Pool,
    principal: Principal,
    order_id: str,
    provider: str,
    key: IdempotencyKey | None,
    apply: Callable[[Order, datetime], T],
    render: Callable[[Order, int, T], HttpAnswer],
    render_error: Callable[[DomainError], HttpAnswer],
) -> HttpAnswer:
    """Run ``apply`` on the locked order and answer with ``render`` (or ``render_error``).

    Rule and state errors are answers too: they are stored under the key, so a retry sees
    the same error. Not-found, forbidden and in-progress are not stored (they may change).
    """

    async def run_once(conn: asyncpg.Connection) -> HttpAnswer:
        async with conn.transaction():
            if key is not None:
                replay = await _claim(conn, principal, key)
                if replay is not None:
                    return replay
            order, seq = await load_order(conn, principal, order_id, provider, for_update=True)
            events_before = len(order.events)
            try:
                result = apply(order, utcnow())
            except DomainError as err:
                if err.kind not in (Kind.RULE, Kind.STATE):
                    raise
                log.info("order %s: refused %s", order_id, err.code)
                answer = render_error(err)
            else:
                await orders.update(conn, order)
                for event in order.events[events_before:]:
                    metrics.order_event(event.type, order.currency, event.amount)
                    log.info(
                        "order %s: %s %d %s", order_id, event.type, event.amount, order.currency
                    )
                answer = render(order, seq, result)
            if key is not None:
                await idempotency.save(
                    conn,
                    principal.client_id,
                    key.key,
                    order_id,
                    StoredResponse(
                        key.fingerprint, answer.status_code, answer.headers, answer.body
                    ),
                )
            return answer

    async with pool.acquire() as conn:
        try:
            return await run_once(conn)
        except asyncpg.UniqueViolationError as exc:
            if key is None or exc.constraint_name != idempotency.PRIMARY_KEY:
                raise
            # The key's first request committed between this one's snapshot and its lock:
            # nothing of this attempt was kept; running again replays the stored answer.
            log.info("order %s: key %r completed concurrently, replaying", order_id, key.key)
            return await run_once(conn)

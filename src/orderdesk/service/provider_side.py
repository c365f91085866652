"""What the provider does on its own side of an order, which the sandbox (API and
back-office) plays: accept or reject an order on hold, and record a customer's payment.

Each runs as a change of the order (``UnitOfWork.change``): under the request's idempotency
key, its events (``authorize``, ``reject``, ``paid``, ``readyForCapture``) and their
notifications written in the change's own statement. An order a checkout session made on
hold settles that session too (``checkout.settle``, after every accept or reject, refused
ones too: its callbacks queued once; a settle lost to a crash between the two is done by the
next accept or reject)."""

from __future__ import annotations

from dataclasses import dataclass

from orderdesk.auth.tokens import Principal
from orderdesk.domain import errors as e
from orderdesk.domain import payments
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.payments import Payment
from orderdesk.service import checkout
from orderdesk.service.replies import Presenter
from orderdesk.service.unit_of_work import IdempotencyKey, OrderRef, UnitOfWork
from orderdesk.web.answers import Reply


class Provider(Principal):
    """The provider itself (the sandbox playing it): acts on every store's orders."""

    def may_use(self, store_id: str) -> bool:
        return True


async def order_ref(uow: UnitOfWork, order_id: str, client_id: str) -> OrderRef:
    """Who acts (the provider, its idempotency keys kept under ``client_id``) on which
    order, in the order's own provider's name."""
    async with uow.pool.acquire() as conn:
        provider = await conn.fetchval("SELECT provider FROM orders WHERE id = $1", order_id)
    if provider is None:
        raise DomainError(e.ORDER_NOT_FOUND, f"Order {order_id} was not found", Kind.NOT_FOUND)
    return OrderRef(Provider(client_id, "", frozenset(), provider), order_id, provider)


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """A customer's payment: of which invoice (a chunk's ledger id; None: the oldest one
    not paid whole) and how much in minor units (None: all that is left of it)."""

    ledger_id: str | None
    amount: int | None


async def accept(
    uow: UnitOfWork, ref: OrderRef, key: IdempotencyKey | None, presenter: Presenter[None]
) -> Reply:
    reply = await uow.change(ref, key, lambda order, now: order.accept(now), presenter)
    await checkout.settle(uow, ref.order_id)
    return reply


async def reject(
    uow: UnitOfWork, ref: OrderRef, key: IdempotencyKey | None, presenter: Presenter[int]
) -> Reply:
    reply = await uow.change(ref, key, lambda order, now: order.reject(now), presenter)
    await checkout.settle(uow, ref.order_id)
    return reply


async def pay(
    uow: UnitOfWork,
    ref: OrderRef,
    key: IdempotencyKey | None,
    request: PaymentRequest,
    presenter: Presenter[Payment],
) -> Reply:
    return await uow.change(
        ref,
        key,
        lambda order, now: payments.pay(order, request.ledger_id, request.amount, now),
        presenter,
    )

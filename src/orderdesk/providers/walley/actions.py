"""What a shop can do to a Walley order: capture, refund, cancel, reauthorize, extend. Each
answers with the caller's presenter, inside the change's unit of work
(``service/unit_of_work.py``); the store's sandbox settings run first
(``consistency.WalleyStore``)."""

from __future__ import annotations

from datetime import datetime

from orderdesk.domain.order import Chunk, Order, Reauthorization
from orderdesk.providers.walley import rules
from orderdesk.providers.walley.consistency import WalleyStore, check_manageable, settle_if_due
from orderdesk.service.replies import Presenter
from orderdesk.service.unit_of_work import (
    Act,
    OrderRef,
    Parsed,
    UnitOfWork,
)
from orderdesk.store import settings as store_settings
from orderdesk.web.answers import Reply


async def capture(
    act: Act, request: Parsed[rules.CaptureRequest], presenter: Presenter[Chunk]
) -> Reply:
    """``POST /manage/orders/{id}/capture``: amounts become minor units in the order's
    currency (a decimal too many is refused), then the capture rules decide."""

    def change(order: Order, now: datetime) -> Chunk:
        return rules.capture(order, request(), now)

    prepare = WalleyStore().prepare
    return await act.change(change, presenter, prepare=prepare, body=request)


async def refund(act: Act, request: rules.RefundRequest, presenter: Presenter[Chunk]) -> Reply:
    """A full refund, by items (with fees) or by amount; the credit chunk is the result."""
    return await act.change(
        lambda order, now: rules.refund(order, request, now),
        presenter,
        prepare=WalleyStore().prepare,
    )


async def cancel(act: Act, action_reference: str | None, presenter: Presenter[int]) -> Reply:
    """Release everything not captured; the amount released is the result."""
    return await act.change(
        lambda order, now: rules.cancel(order, now, action_reference),
        presenter,
        prepare=WalleyStore().prepare,
    )


async def extend(act: Act, presenter: Presenter[datetime]) -> Reply:
    """``POST /manage/orders/{id}/extend``: what is not captured expires 14 days from now."""
    return await act.change(rules.extend, presenter, prepare=WalleyStore().prepare)


async def reauthorize(
    act: Act, request: rules.ReauthorizeRequest, presenter: Presenter[Reauthorization | None]
) -> Reply:
    """Replace what is not captured; a raise goes through the store's credit check and its
    :class:`Reauthorization` is the result (None: applied at once, no check needed)."""
    store = WalleyStore()

    return await act.change(
        lambda order, now: rules.reauthorize(order, request, store.credit_check, now),
        presenter,
        prepare=store.prepare,
    )


async def reauthorization(
    uow: UnitOfWork, ref: OrderRef, reauthorization_id: str
) -> Reauthorization:
    """A raise's state; one whose credit check is due is decided first."""
    loaded, now = await settle_if_due(uow, ref)
    async with uow.pool.acquire() as conn:
        if loaded is None:
            loaded = await uow.load(conn, ref)
        check_manageable(loaded.order, await store_settings.get(conn, loaded.order.store_id), now)
    return rules.find_reauthorization(loaded.order, reauthorization_id)

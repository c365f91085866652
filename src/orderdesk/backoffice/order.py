"""An order's page: its amounts, what can be done to it, its captures and invoices, and a
timeline of its events and of the requests that were refused or replayed."""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from orderdesk.auth.tokens import Principal
from orderdesk.backoffice import pages, words
from orderdesk.backoffice.presenter import money
from orderdesk.backoffice.timeline import timeline
from orderdesk.domain import payments
from orderdesk.domain.clock import utcnow
from orderdesk.domain.errors import DomainError
from orderdesk.domain.order import document_reference
from orderdesk.invoices.links import signed_url
from orderdesk.ops.journal import MAX_AGE_DAYS, MAX_ROWS, Journal
from orderdesk.providers.base import Provider
from orderdesk.providers.registry import PROVIDERS
from orderdesk.service.unit_of_work import OrderRef
from orderdesk.store import journal, outbox, reports

MAX_DELIVERIES = 100  # an order's notifications shown on its page (oldest first)

ROUTES = pages.routes()


class Operator(Principal):
    """The signed-in operator: acts on every store, in the order's own dialect."""

    def may_use(self, store_id: str) -> bool:
        return True


async def order_provider(request: Request, order_id: str) -> Provider:
    async with pages.pool(request).acquire() as conn:
        found = await conn.fetchval("SELECT provider FROM orders WHERE id = $1", order_id)
    if found is None:
        raise HTTPException(404, f"There is no order {order_id}")
    return PROVIDERS[found]


def order_ref(order_id: str, provider: Provider) -> OrderRef:
    operator = Operator("backoffice", "", frozenset(), provider.name)
    return OrderRef(operator, order_id, provider.name)


async def order_page(
    request: Request, order_id: str, refusal: str | DomainError | None = None, status: int = 200
) -> Response:
    """The order's page; ``refusal``: why the form just sent was refused (a use case's refusal
    is said with the order as it is now)."""
    session = await pages.session(request)
    provider = await order_provider(request, order_id)
    parent = pages.parent(request)
    pending: Journal = parent.journal
    await pending.flush()  # this process's latest requests, before they are read
    found = await pages.uow(request).read(order_ref(order_id, provider))
    order = found.order
    async with pages.pool(request).acquire() as conn:
        requests = await journal.for_order(conn, order_id)
        movements = await reports.movements(conn, order_id)
        deliveries = await outbox.order_deliveries(conn, order_id, MAX_DELIVERIES)
    now = utcnow()
    base = parent.settings.public_url or str(request.base_url).rstrip("/")
    invoices = {
        chunk.ledger_id: {
            "number": document_reference(found.seq, chunk.document_number),
            "url": signed_url(parent.link_key, base, order.id, chunk.ledger_id),
        }
        for chunk in [*order.captured, *order.refunded]
        if chunk.document_number
    }
    offer = provider.backoffice.refund_offer(order)
    paid_on = payments.paid_on(order)
    payable = [
        {
            "ledger_id": chunk.ledger_id,
            "name": f"invoice {invoices[chunk.ledger_id]['number']}"
            if chunk.ledger_id in invoices
            else "the advance invoice",
            "paid": money(paid_on[chunk.ledger_id], order.currency),
            "due": money(payments.due_on(order, chunk), order.currency),
        }
        for chunk in payments.invoices(order)
        if paid_on[chunk.ledger_id] < payments.due_on(order, chunk)
    ]
    statuses = provider.statuses_of(order, now)
    return pages.render(
        request,
        "order.html",
        session,
        await pages.sessions(request),
        status,
        order=order,
        title=provider.title,
        statuses=statuses,
        offers=provider.backoffice.offers(order, now),
        invoices=invoices,
        timeline=timeline(order.events, requests),
        requests=requests,
        movements=movements,
        refundable=offer.lines,
        refund_by_amount=offer.by_amount,
        refund_chunks=offer.chunks,
        payable=payable,
        deliveries=deliveries,
        max_deliveries=MAX_DELIVERIES,
        refusal=words.explain(refusal, order) if isinstance(refusal, DomainError) else refusal,
        refusal_code=refusal.code if isinstance(refusal, DomainError) else None,
        form_key=str(uuid.uuid4()),
        journal_rows=MAX_ROWS,
        journal_days=MAX_AGE_DAYS,
    )


@ROUTES.get("/orders/{orderId}")
async def order_route(request: Request) -> Response:
    return await order_page(request, request.path_params["orderId"])

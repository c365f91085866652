"""An order's page: its amounts, what can be done to it, its captures and invoices, and a
timeline of its events and of the requests that were refused or replayed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from orderdesk.auth.tokens import Principal
from orderdesk.backoffice import pages, words
from orderdesk.domain.order import Order, document_reference
from orderdesk.invoices.links import signed_url
from orderdesk.ops.journal import MAX_AGE_DAYS, MAX_ROWS, Journal
from orderdesk.providers.base import Provider
from orderdesk.providers.registry import PROVIDERS
from orderdesk.service.unit_of_work import OrderRef, utcnow
from orderdesk.store import journal, outbox, reports

MAX_DELIVERIES = 100  # an order's notifications shown on its page (oldest first)

ROUTES = pages.routes()


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One row of an order's timeline: an event, or a request refused or replayed."""

    at: datetime
    who: str | None
    what: str
    amount: int | None
    detail: str
    kind: str  # event | refused | replay


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
    request: Request, order_id: str, refusal: str | None = None, status: int = 200
) -> Response:
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
    statuses = provider.statuses_of(order, now)
    who = _who_did(order, requests)
    timeline = [
        TimelineItem(
            event.created_at,
            who.get(event.id),
            words.EVENT_WORDS.get(event.type, event.type),
            event.amount,
            f"ledger {event.ledger_id}",
            "event",
        )
        for event in order.events
    ] + [
        TimelineItem(
            entry.at,
            _who(entry.source),
            f"Replayed: {entry.method} {entry.path}"
            if entry.replayed
            else f"Refused ({entry.status}): {entry.method} {entry.path}",
            None,
            f"idempotency key {entry.idempotency_key}" if entry.idempotency_key else "",
            "replay" if entry.replayed else "refused",
        )
        for entry in requests
        if entry.replayed or entry.status >= 400
    ]
    timeline.sort(key=lambda item: item.at)
    return pages.render(
        request,
        "order.html",
        session,
        await pages.sessions(request),
        status,
        order=order,
        title=provider.title,
        statuses=statuses,
        invoices=invoices,
        timeline=timeline,
        requests=requests,
        movements=movements,
        refundable=offer.lines,
        refund_by_amount=offer.by_amount,
        refund_chunks=offer.chunks,
        deliveries=deliveries,
        max_deliveries=MAX_DELIVERIES,
        refusal=refusal,
        form_key=str(uuid.uuid4()),
        journal_rows=MAX_ROWS,
        journal_days=MAX_AGE_DAYS,
    )


def _who_did(order: Order, requests: list[journal.Entry]) -> dict[str, str]:
    """Who made each event: the sandbox made the order; a change is the first successful,
    first-time request answered after the change began (changes of one order are serialised
    by its row lock, and the journal notes a request when its answer is sent)."""
    done = [
        r
        for r in requests
        if r.method == "POST"
        and r.status < 400
        and not r.replayed
        and not r.path.endswith("/resend")  # sends a notification again; changes nothing
    ]
    found: dict[str, str] = {}
    last: tuple[datetime, str] | None = None
    for event in order.events:
        if event.type == "create":
            found[event.id] = "sandbox"
            continue
        if last is not None and last[0] == event.created_at:  # one change, several events
            found[event.id] = last[1]
            continue
        while done and done[0].at < event.created_at:
            done.pop(0)
        if done:
            found[event.id] = _who(done.pop(0).source)
            last = (event.created_at, found[event.id])
    return found


def _who(source: str) -> str:
    if source in PROVIDERS:
        return f"{PROVIDERS[source].title} API"
    return "back-office" if source == "backoffice" else source


@ROUTES.get("/orders/{orderId}")
async def order_route(request: Request) -> Response:
    return await order_page(request, request.path_params["orderId"])

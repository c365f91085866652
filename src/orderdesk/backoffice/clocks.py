"""The stores' clocks: each store's now and how far its test clock is ahead of the server's,
and a form that moves one forward. Moving it runs what falls due in between, in time order,
before the page answers (``service/clock.py``, as the sandbox API's advance), and the page
then lists what ran."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from orderdesk.backoffice import pages
from orderdesk.providers.registry import PROVIDERS
from orderdesk.service import clock
from orderdesk.service.clock import Advanced, ClockMoved, Step
from orderdesk.store import clocks, merchants
from orderdesk.store.clocks import StoreClock
from orderdesk.store.merchants import Store

ROUTES = pages.routes()

#: What a clock can be moved forward by, per unit the form offers.
UNITS = {"minutes": timedelta(minutes=1), "hours": timedelta(hours=1), "days": timedelta(days=1)}
_MICROSECOND = timedelta(microseconds=1)


async def clocks_page(
    request: Request, ran: Advanced | None = None, refusal: str | None = None, status: int = 200
) -> Response:
    session = await pages.session(request)
    async with pages.pool(request).acquire() as conn:
        found = await clocks.every_store(conn)
        stores = {store.id: store for store in await merchants.list_stores(conn, len(found))}
    return pages.render(
        request,
        "clocks.html",
        session,
        await pages.sessions(request),
        status,
        clocks=[_clock_row(one, stores[one.store_id]) for one in found if one.store_id in stores],
        units=list(UNITS),
        moved=None if ran is None else _moved(ran),
        steps=[] if ran is None else [_step_row(step) for step in ran.steps],
        refusal=refusal,
        max_steps=clock.MAX_STEPS,
    )


def _clock_row(found: StoreClock, store: Store) -> dict[str, Any]:
    ahead = found.offset
    return {
        "store": store,
        "title": PROVIDERS[store.provider].title if store.provider in PROVIDERS else store.provider,
        "now": pages.moment(found.now),
        "ahead": f"{pages.span(ahead)} ahead" if ahead > timedelta(0) else "the server's time",
        "advancing": None if found.advancing_since is None else pages.moment(found.advancing_since),
        "shown": ahead // _MICROSECOND,
    }


def _moved(done: Advanced) -> str:
    """What an advance did, in a sentence or two."""
    tried = done.attempts
    sent = sum(tried.values())
    ran = [
        pages.count(done.expired, "order") + " expired" if done.expired else "",
        pages.count(sent, "notification attempt")
        + f" ({tried['delivered']} delivered, {tried['pending']} to be tried again,"
        f" {tried['failed']} given up)"
        if sent
        else "",
    ]
    said = " and ".join(part for part in ran if part) or "nothing fell due"
    return (
        f"Store {done.clock.store_id}'s clock is now {pages.moment(done.clock.now)}"
        f" ({pages.span(done.clock.offset)} ahead). In between: {said}."
    )


def _step_row(step: Step) -> dict[str, Any]:
    sent = step.sent
    row: dict[str, Any] = {"at": pages.moment(step.at), "order_id": step.order_id, "delivery": None}
    if sent is None:
        row["what"], row["outcome"] = "The order expired", ""
        return row
    row["delivery"] = sent.delivery.id
    row["what"] = f"Notification {sent.delivery.id} ({sent.delivery.event_type})"
    answered = f"answered {sent.attempt.status}" if sent.attempt.status is not None else "no answer"
    if sent.state == "delivered":
        row["outcome"] = f"delivered ({answered})"
    elif sent.next_at is not None:
        row["outcome"] = (
            f"{sent.attempt.error or answered}; next attempt {pages.moment(sent.next_at)}"
        )
    else:
        row["outcome"] = f"{sent.attempt.error or answered}; given up"
    return row


@ROUTES.get("/clocks")
async def clocks_route(request: Request) -> Response:
    return await clocks_page(request)


@ROUTES.post("/clocks")
async def advance_route(request: Request) -> Response:
    session = await pages.session(request)
    form = await pages.form(request, session)
    store_id = pages.text(form, "store", 40)
    amount = pages.text(form, "amount", 12)
    unit = UNITS.get(pages.text(form, "unit"))
    if unit is None or not amount.isdigit() or not 1 <= int(amount) <= clock.MAX_ADVANCE // unit:
        message = (
            "Move a clock forward by a whole number of minutes, hours or days: at least one "
            "minute and at most ten years. A clock never goes back."
        )
        return await clocks_page(request, refusal=message, status=422)
    shown = pages.text(form, "from", 30)
    if not shown.lstrip("-").isdigit():
        damaged = "The form is damaged; reload the page."
        return await clocks_page(request, refusal=damaged, status=400)
    try:
        done = await clock.advance(
            pages.uow(request),
            store_id,
            int(amount) * unit,
            timeout=pages.parent(request).settings.notification_timeout_seconds,
            from_offset=int(shown) * _MICROSECOND,
        )
    except ClockMoved as moved:
        message = (
            f"Store {store_id}'s clock moved after this page was shown: it is now "
            f"{pages.moment(moved.found.now)}. Nothing was moved; move it again below if "
            "you still want to."
        )
        return await clocks_page(request, refusal=message, status=409)
    if done is None:
        raise HTTPException(404, f"There is no store {store_id}")
    return await clocks_page(request, ran=done)

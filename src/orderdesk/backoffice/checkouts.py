"""Checkout sessions: the newest, of every store or of one, with their status on each store's
clock; each opens to its cart, customer, scenario, events, the order it made (a link to the
order page) and its callbacks (links to the delivery inbox)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from orderdesk.backoffice import pages
from orderdesk.store import checkouts, merchants, outbox

PAGE_SIZE = 100
#: Where the hosted checkout shows a session (``checkout/routes.py``).
HOSTED = "/orderdesk-checkout/"

ROUTES = pages.routes()


@ROUTES.get("/checkouts")
async def checkouts_page(request: Request) -> Response:
    session = await pages.session(request)
    store_id = request.query_params.get("store", "").strip()[:40]
    async with pages.pool(request).acquire() as conn:
        stores = await merchants.list_stores(conn)
        known = not store_id or await merchants.get_store(conn, store_id) is not None
        found = await checkouts.store_sessions(conn, store_id or None, PAGE_SIZE) if known else []
    server_now = datetime.now(UTC)
    rows = [(x.session, x.session.status_at(server_now + x.clock)) for x in found]
    return pages.render(
        request,
        "checkouts.html",
        session,
        await pages.sessions(request),
        200 if known else 404,
        rows=rows,
        stores=stores,
        store_id=store_id,
        refusal=None if known else f"There is no store {store_id}.",
    )


@ROUTES.get("/checkouts/{checkoutId}")
async def checkout_page(request: Request) -> Response:
    session = await pages.session(request)
    checkout_id = request.path_params["checkoutId"]
    async with pages.pool(request).acquire() as conn:
        loaded = await checkouts.get(conn, checkout_id)
        callbacks = [] if loaded is None else await outbox.checkout_deliveries(conn, checkout_id)
    if loaded is None:
        raise HTTPException(404, f"There is no checkout session {checkout_id}")
    now = datetime.now(UTC) + loaded.clock
    return pages.render(
        request,
        "checkout.html",
        session,
        await pages.sessions(request),
        c=loaded.session,
        state=loaded.session.status_at(now),
        callbacks=callbacks,
        hosted=HOSTED + loaded.session.token,
        moment=pages.moment,
    )

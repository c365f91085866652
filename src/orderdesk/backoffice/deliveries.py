"""The delivery inbox: every store's notifications, newest first, filtered by store, state and
notification type; each one opens to its request (URL, headers, the exact body), every attempt
and the next attempt or what it waits for, and can be sent again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from orderdesk.backoffice import pages
from orderdesk.backoffice.pages import PREFIX
from orderdesk.providers.registry import PROVIDERS
from orderdesk.service import outbox as outbox_service
from orderdesk.store import merchants, outbox
from orderdesk.store.merchants import Store
from orderdesk.store.outbox import DeliveryFilter, DeliveryView, State, UnknownDelivery

PAGE_SIZE = 50
STATES: tuple[State, ...] = get_args(State)
#: Every notification type, with the title of the provider that sends it (the filter's
#: choices when no store is chosen).
TYPES = [(kind, p.title) for p in PROVIDERS.values() for kind in p.notifier.types]

ROUTES = pages.routes()


class Refused(Exception):
    """A filter the inbox cannot apply: shown above the filters, with nothing listed."""


def _delivery_id(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) < 2**63 else None


def _types(store: Store | None) -> list[tuple[str, str]]:
    """The notification types to choose from: the store's provider's, or every provider's."""
    if store is None:
        return TYPES
    provider = PROVIDERS[store.provider]
    return [(kind, provider.title) for kind in provider.notifier.types]


def _filter(q: dict[str, str], store: Store | None) -> DeliveryFilter:
    """The inbox's filter from the query (``store``: the chosen one, when it exists); Refused
    for a value it does not know."""
    store_id, state, kind = q.get("store", ""), q.get("state", ""), q.get("type", "")
    if store_id and store is None:
        raise Refused(f"There is no store {store_id}.")
    if state and state not in STATES:
        raise Refused(f"{state!r} is not a state: {', '.join(STATES)}.")
    if kind and kind not in [t for t, _ in _types(store)]:
        whose = f"store {store_id}'s" if store_id else "any store's"
        raise Refused(f"{kind!r} is not one of {whose} notification types.")
    before = q.get("before", "")
    after = _delivery_id(before)
    if before and after is None:
        raise Refused(f"{before!r} is not a notification id.")
    return DeliveryFilter(
        store_id=store_id or None,
        state=next((s for s in STATES if s == state), None),
        event_type=kind or None,
        newest_first=True,
        after=after or 0,
    )


@ROUTES.get("/deliveries")
async def inbox_page(request: Request) -> Response:
    session = await pages.session(request)
    q = {k: v.strip()[:200] for k, v in request.query_params.items()}
    found: list[DeliveryView] = []
    refusal = None
    async with pages.pool(request).acquire() as conn:
        stores = await merchants.list_stores(conn)  # the first 500, for the choice
        chosen = await merchants.get_store(conn, q["store"]) if q.get("store") else None
        settings = None if chosen is None else await outbox.store_settings(conn, chosen.id)
        try:
            found = await outbox.find_deliveries(conn, _filter(q, chosen), PAGE_SIZE + 1)
        except Refused as refused:
            refusal = str(refused)
        except UnknownDelivery:
            refusal = f"Notification {q['before']} is not one of store {q['store']}'s."
    kept = {k: v for k, v in q.items() if k in ("store", "state", "type") and v}
    next_url = None
    if len(found) > PAGE_SIZE:
        found = found[:PAGE_SIZE]
        next_url = f"{PREFIX}/deliveries?" + urlencode({**kept, "before": found[-1]["deliveryId"]})
    return pages.render(
        request,
        "deliveries.html",
        session,
        await pages.sessions(request),
        200 if refusal is None else 422,
        deliveries=found,
        stores=stores if chosen is None or chosen in stores else [chosen, *stores],
        states=STATES,
        types=_types(chosen),
        q=q,
        refusal=refusal,
        next_url=next_url,
        first_url=f"{PREFIX}/deliveries?" + urlencode(kept) if q.get("before") else None,
        settings=settings,
    )


async def _delivery(request: Request) -> DeliveryView:
    text = request.path_params["deliveryId"]
    delivery_id = _delivery_id(text)
    async with pages.pool(request).acquire() as conn:
        found = None if delivery_id is None else await outbox.get_delivery(conn, delivery_id)
    if found is None:
        raise HTTPException(404, f"There is no notification {text}")
    return found


@ROUTES.get("/deliveries/{deliveryId}")
async def delivery_page(request: Request) -> Response:
    session = await pages.session(request)
    delivery = await _delivery(request)
    async with pages.pool(request).acquire() as conn:
        settings = await outbox.store_settings(conn, delivery["storeId"])
        sending = await outbox.sending(conn, int(delivery["deliveryId"]))
    if sending is None:  # its order was deleted meanwhile
        raise HTTPException(404, f"There is no notification {delivery['deliveryId']}")
    next_at = delivery["nextAttemptAt"]
    due = (
        next_at is not None
        and settings is not None
        and datetime.fromisoformat(next_at) <= datetime.now(UTC) + settings.clock
    )
    return pages.render(
        request,
        "delivery.html",
        session,
        await pages.sessions(request),
        d=delivery,
        headers=outbox_service.request_headers(PROVIDERS, sending),
        due=due,
    )


@ROUTES.post("/deliveries/{deliveryId}/resend")
async def resend_action(request: Request) -> Response:
    """Send the notification again now (as the order page's button and the sandbox API's
    resend do)."""
    session = await pages.session(request)
    await pages.form(request, session)
    delivery = await _delivery(request)
    await outbox_service.resend(pages.pool(request), int(delivery["deliveryId"]))
    message = (
        f"Notification {delivery['deliveryId']} ({delivery['eventType']}) will be sent again now."
    )
    return pages.see_other(f"{PREFIX}/deliveries/{delivery['deliveryId']}", message, request)

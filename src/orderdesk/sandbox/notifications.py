"""Sandbox API for notifications and settlement reports (admin token).

- ``PUT/GET /sandbox/stores/{storeId}/notifications``: the store's notification URL, the
  notification types it wants and its webhook secret (a provider that signs its deliveries
  signs them with it);
- ``POST /sandbox/stores/{storeId}/webhook-secret``: a new webhook secret;
- ``GET /sandbox/stores/{storeId}/deliveries``, ``GET /sandbox/deliveries/{deliveryId}``,
  ``POST /sandbox/deliveries/{deliveryId}/resend``: what was sent, every attempt, what is next;
- ``GET /sandbox/stores/{storeId}/settlements.csv``: the settlement report of a period.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.money import exponent, major_string
from orderdesk.domain.settlement import settlement_id
from orderdesk.providers.registry import PROVIDERS
from orderdesk.sandbox.errors import RESPONSES, envelope
from orderdesk.sandbox.routes import NAME, _check_admin
from orderdesk.service import outbox as outbox_service
from orderdesk.service.checkout import OWN
from orderdesk.store import outbox, settlements
from orderdesk.store.outbox import (
    DeliveryFilter,
    DeliveryPage,
    DeliveryView,
    State,
    StoreSettings,
    UnknownDelivery,
)
from orderdesk.web.answers import json_answer, to_response
from orderdesk.web.bodies import parse
from orderdesk.web.headers import content_disposition
from orderdesk.web.openapi import json_body
from orderdesk.web.requests import known_query_only, moment_query, require_json, time_param
from orderdesk.web.routes import RouteTable

ROUTES = RouteTable(
    NAME,
    tags=["Sandbox: notifications, settlements"],
    dependencies=[Depends(require_json)],
    responses=RESPONSES,
)

StoreId = Annotated[str, Path(alias="storeId")]
DeliveryId = Annotated[int, Path(alias="deliveryId", ge=1, le=2**63 - 1)]
MAX_URL = 2000
AN_RFC3339_TIME = "2026-01-05T10:00:00Z"  # the example a refused time is told
UNKNOWN_EVENT = "UNKNOWN_EVENT"  # a notification type the store's provider does not send
INVALID_RANGE = "INVALID_RANGE"  # from after to


class NotificationsBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    url: str | None = Field(
        description="http(s) URL the store's notifications are posted to; null: none",
        max_length=MAX_URL,
    )
    events: list[str] | None = Field(
        None,
        description="The notification types wanted (the store's availableEvents, e.g. "
        + ", ".join(p.notifier.types[0] for p in PROVIDERS.values() if p.notifier.types)
        + "); null or absent: all of the store's provider",
    )


def _settings_view(found: StoreSettings) -> dict[str, Any]:
    view = found.view(datetime.now(UTC) + found.clock)
    view["availableEvents"] = list(PROVIDERS[found.provider].notifier.types)
    return view


def _no_store(store_id: str) -> Response:
    return to_response(envelope(404, "STORE_NOT_FOUND", f"Store {store_id} was not found"))


@ROUTES.put(
    "/sandbox/stores/{storeId}/notifications",
    summary="Set the store's notification URL and the events it wants",
    openapi_extra=json_body(NotificationsBody),
)
async def set_notifications(request: Request, store_id: StoreId) -> Response:
    _check_admin(request)
    body = parse(NotificationsBody, await request.body())
    if body.url is not None:
        parts = urlsplit(body.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return to_response(
                envelope(422, "INVALID_URL", "The URL must be http(s)://host/…", field="url")
            )
    pool = request.app.state.pool
    async with pool.acquire() as conn:
        current = await outbox.store_settings(conn, store_id)
        if current is None:
            return _no_store(store_id)
        known = PROVIDERS[current.provider].notifier.types
        unknown = sorted(set(body.events or ()) - set(known))
        if unknown:
            return to_response(
                envelope(
                    422,
                    UNKNOWN_EVENT,
                    f"{unknown[0]!r} is not one of: {', '.join(known)}",
                    field="events",
                )
            )
        events = None if body.events is None else sorted(set(body.events))
        found = await outbox.set_notifications(conn, store_id, body.url, events)
    assert found is not None
    return to_response(json_answer(_settings_view(found)))


async def _store_view(
    request: Request, store_id: str, view: Callable[[StoreSettings], dict[str, Any]]
) -> Response:
    """The store's settings as ``view`` shows them, or its 404."""
    _check_admin(request)
    async with request.app.state.pool.acquire() as conn:
        found = await outbox.store_settings(conn, store_id)
    return _no_store(store_id) if found is None else to_response(json_answer(view(found)))


@ROUTES.get("/sandbox/stores/{storeId}/notifications", summary="The store's notification settings")
async def get_notifications(request: Request, store_id: StoreId) -> Response:
    return await _store_view(request, store_id, _settings_view)


@ROUTES.post(
    "/sandbox/stores/{storeId}/webhook-secret",
    summary="Rotate the store's webhook secret",
    description="A new secret (64 hex digits) replaces the old one at once: a provider that"
    " signs its deliveries signs every attempt from now on with it, retries of earlier"
    " deliveries too. Answers the store's notification settings.",
)
async def rotate_webhook_secret(request: Request, store_id: StoreId) -> Response:
    _check_admin(request)
    async with request.app.state.pool.acquire() as conn:
        found = await outbox.rotate_webhook_secret(conn, store_id, secrets.token_hex(32))
    return _no_store(store_id) if found is None else to_response(json_answer(_settings_view(found)))


def _event_type(found: StoreSettings, event_type: str | None) -> str | None:
    """``event_type`` when it is one of the store's provider's notification or checkout
    callback types."""
    provider = PROVIDERS[found.provider]
    known = (*provider.notifier.types, *(provider.checkout or OWN).callback_types)
    if event_type is not None and event_type not in known:
        raise DomainError(
            UNKNOWN_EVENT,
            f"eventType {event_type!r} is not one of: {', '.join(known)}",
            Kind.RULE,
            "eventType",
        )
    return event_type


@ROUTES.get(
    "/sandbox/stores/{storeId}/deliveries",
    summary="The store's notifications, filtered: body, every attempt (time, status, latency, "
    "error), state, and the next attempt or what the delivery waits for",
    dependencies=[Depends(known_query_only)],
    responses={200: {"description": "A page of deliveries", "model": DeliveryPage}},
)
async def list_deliveries(
    request: Request,
    store_id: StoreId,
    order_id: Annotated[str | None, Query(alias="orderId", description="One order's")] = None,
    state: Annotated[State | None, Query(description="Only deliveries in this state")] = None,
    event_type: Annotated[
        str | None,
        Query(
            alias="eventType",
            description="Only this notification type (availableEvents) or checkout callback"
            " type (e.g. checkout.push)",
        ),
    ] = None,
    created_from: Annotated[
        str | None, moment_query("from", "Created at or after (RFC 3339, the store's clock)")
    ] = None,
    created_to: Annotated[
        str | None, moment_query("to", "Created before (RFC 3339, the store's clock)")
    ] = None,
    sort: Annotated[
        Literal["oldest", "newest"],
        Query(
            description="In the order of creation on the store's clock (createdAt, then "
            "deliveryId): oldest first (default) or newest first"
        ),
    ] = "oldest",
    last_id: Annotated[
        int,
        Query(
            alias="lastId",
            ge=0,
            le=2**63 - 1,
            description="The lastId of the page before (in the same sort); 0: the first page",
        ),
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    _check_admin(request)
    where = DeliveryFilter(
        store_id=store_id,
        order_id=order_id,
        state=state,
        created_from=time_param(created_from, "from", AN_RFC3339_TIME),
        created_to=time_param(created_to, "to", AN_RFC3339_TIME),
        newest_first=sort == "newest",
        after=last_id,
    )
    if where.created_from and where.created_to and where.created_from > where.created_to:
        # each is well-formed, the pair breaks a rule: 422, as a type the store does not send
        return to_response(envelope(422, INVALID_RANGE, "from must not be after to", "from"))
    async with request.app.state.pool.acquire() as conn:
        found = await outbox.store_settings(conn, store_id)
        if found is None:
            return _no_store(store_id)
        where = replace(where, event_type=_event_type(found, event_type))
        try:
            deliveries = await outbox.find_deliveries(conn, where, limit)
        except UnknownDelivery:
            message = f"lastId {last_id} is not one of the store's deliveries"
            return to_response(envelope(404, "DELIVERY_NOT_FOUND", message, "lastId"))
    page: DeliveryPage = {
        "lastId": deliveries[-1]["deliveryId"] if deliveries else None,
        "deliveries": deliveries,
    }
    return to_response(json_answer(page))


def _delivery_answer(delivery_id: int, found: DeliveryView | None) -> Response:
    if found is None:
        return to_response(envelope(404, "DELIVERY_NOT_FOUND", f"No delivery {delivery_id}"))
    return to_response(json_answer(found))


ONE_DELIVERY: dict[int | str, dict[str, Any]] = {
    200: {"description": "The delivery", "model": DeliveryView}
}


@ROUTES.get(
    "/sandbox/deliveries/{deliveryId}",
    summary="One notification and its attempts",
    responses=ONE_DELIVERY,
)
async def get_delivery(request: Request, delivery_id: DeliveryId) -> Response:
    _check_admin(request)
    async with request.app.state.pool.acquire() as conn:
        found = await outbox.get_delivery(conn, delivery_id)
    return _delivery_answer(delivery_id, found)


@ROUTES.post(
    "/sandbox/deliveries/{deliveryId}/resend",
    summary="Send a notification again now (delivered, pending or failed)",
    responses=ONE_DELIVERY,
)
async def resend(request: Request, delivery_id: DeliveryId) -> Response:
    _check_admin(request)
    found = await outbox_service.resend(request.app.state.pool, delivery_id)
    return _delivery_answer(delivery_id, found)


CSV_COLUMNS = (
    "settlement_id",
    "payout_date",
    "store_id",
    "order_id",
    "merchant_reference",
    "type",
    "ledger_id",
    "action_reference",
    "amount_minor",
    "amount",
    "currency",
    "created_at",
)


@ROUTES.get(
    "/sandbox/stores/{storeId}/settlements.csv",
    summary="Settlement report (CSV) of the store's ended days from `from` to `to`",
    responses={200: {"content": {"text/csv": {}}, "description": "One row per transaction"}},
)
async def settlement_csv(
    request: Request,
    store_id: StoreId,
    first: Annotated[date, Query(alias="from", description="First day (UTC), inclusive")],
    last: Annotated[date, Query(alias="to", description="Last day (UTC), inclusive")],
) -> Response:
    _check_admin(request)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    async with request.app.state.pool.acquire() as conn:
        if await outbox.store_settings(conn, store_id) is None:
            return _no_store(store_id)
        after = 0
        while True:
            page = await settlements.transactions(conn, store_id, first, last, after, 5000)
            for tx in page:
                day = tx.created_at.astimezone(UTC).date()
                writer.writerow(
                    (
                        settlement_id(store_id, day),
                        (day + timedelta(days=1)).isoformat(),
                        store_id,
                        tx.order_id,
                        tx.reference,
                        tx.kind,
                        tx.ledger_id,
                        tx.action_reference or "",
                        tx.amount,
                        major_string(tx.amount, exponent(tx.currency)),
                        tx.currency,
                        tx.created_at.astimezone(UTC).isoformat(),
                    )
                )
            if len(page) < 5000:
                break
            after = page[-1].seq
    name = f"settlements-{store_id}-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(
        out.getvalue().encode(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": content_disposition("attachment", name)},
    )

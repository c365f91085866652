"""Walley Checkout order management: ``/manage/orders/…``.

Each route authenticates, parses the body, calls its use case and returns the reply.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import StringConstraints

from orderdesk.auth.bearer import authenticate
from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError, Kind, invalid
from orderdesk.domain.ids import is_uuid
from orderdesk.providers.walley import NAME, actions, consistency, search, views, wire
from orderdesk.providers.walley.errors import RESPONSES
from orderdesk.providers.walley.responses import (
    CORRELATION,
    LOCATION,
    WalleyOrderAnswer,
    WalleyReauthorizationAnswer,
    WalleySearchAnswer,
)
from orderdesk.service.unit_of_work import (
    Act,
    IdempotencyKey,
    OrderRef,
    Parsed,
    key_after_body,
)
from orderdesk.web.answers import json_answer, to_response
from orderdesk.web.openapi import json_body
from orderdesk.web.requests import idempotency_header, require_json
from orderdesk.web.routes import RouteTable

ROUTES = RouteTable(
    NAME,
    tags=["Walley"],
    dependencies=[Depends(require_json)],
    responses=RESPONSES,
    response_class=Response,  # writes answer 202 without a body
)

OrderId = Annotated[str, Path(alias="orderId", description="The Walley order id (a UUID)")]


def _order_ref(request: Request, order_id: str) -> OrderRef:
    """The caller and the order; an id that is not a UUID names no Walley order (404)."""
    principal = authenticate(request, NAME)
    if not is_uuid(order_id):
        raise DomainError(e.ORDER_NOT_FOUND, f"Order {order_id} was not found", Kind.NOT_FOUND)
    return OrderRef(principal, order_id, NAME)


def _key(request: Request, body: bytes) -> IdempotencyKey | None:
    header = idempotency_header(request, "x-idempotency")
    return IdempotencyKey.from_request(header, "POST", request.url.path, body)


def _accepted_response(what: str) -> dict[int | str, dict[str, Any]]:
    return {
        202: {
            "description": f"{what}; `Location` names the order; no body",
            "headers": {**LOCATION, **CORRELATION},
        }
    }


FILTERS = ("status", "storeId", "placedAt")
_TEXT = r'"[^"\\\x00-\x1f]*"'
_DAY = r'"([0-9]{4}-[0-9]{2}-[0-9]{2})?"'
FILTER_PATTERN = (
    rf"^(status|storeId):\[ *({_TEXT}( *, *{_TEXT})*)? *\]$"
    rf"|^placedAt:\[ *{_DAY} *, *{_DAY} *\]$"
)


def _filters(raw: list[str]) -> dict[str, list[list[str]]]:
    """``filter=status:["Activated","NotActivated"]`` (repeatable) as {name: [values, …]}."""
    found: dict[str, list[list[str]]] = {}
    for text in raw:
        name, sep, values = text.partition(":")
        try:
            parsed = json.loads(values) if sep else None
        except ValueError:
            parsed = None
        if name not in FILTERS or not isinstance(parsed, list):
            raise invalid(
                f'filter: {text!r} is not one of {", ".join(FILTERS)}:["value", …]', "filter"
            )
        if not all(isinstance(value, str) for value in parsed):
            raise invalid(f"filter: the values of {name} are strings", "filter")
        if name == "placedAt" and len(parsed) != 2:
            raise invalid('filter: placedAt takes ["from", "to"]', "filter")
        found.setdefault(name, []).append(parsed)
    return found


def _all_of(occurrences: list[list[str]] | None) -> list[str] | None:
    """The values every occurrence of a filter allows (filters are "all of"); None: no filter."""
    if occurrences is None:
        return None
    allowed = set(occurrences[0]).intersection(*occurrences[1:])
    return sorted(allowed)


def _day(text: str, what: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise DomainError(
            e.SEARCH_INVALID_DATE,
            f"filter: placedAt {what} {text!r} is not a day of the calendar",
            field="filter",
        ) from None


@ROUTES.get(
    "/manage/orders",
    summary="Search orders (newest first, 10 a page)",
    responses={200: {"description": "One page of orders", "model": WalleySearchAnswer}},
)
async def search_route(
    request: Request,
    query: Annotated[
        str | None,
        Query(description="An order number (merchant reference), order reference or order id"),
    ] = None,
    filter: Annotated[
        list[Annotated[str, StringConstraints(pattern=FILTER_PATTERN)]] | None,
        Query(
            description='Repeatable: status:["Activated","NotActivated"], storeId:["1158"], '
            'placedAt:["2021-03-01","2021-03-04"] (from, to inclusive; either may be "")'
        ),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=100_000, description="Orders to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=100, description="Orders per page")] = 10,
) -> Response:
    principal = authenticate(request, NAME)
    filters = _filters(filter or [])
    starts = [day for pair in filters.get("placedAt", []) if (day := _day(pair[0], "from"))]
    ends = [day for pair in filters.get("placedAt", []) if (day := _day(pair[1], "to"))]
    start, end = max(starts, default=None), min(ends, default=None)
    store_ids = _all_of(filters.get("storeId"))
    server_now = datetime.now(UTC)
    found = await search.search_orders(
        request.app.state.uow.reads,
        principal,
        search.OrderQuery(
            store_ids=sorted(principal.store_ids) if store_ids is None else store_ids,
            provider=NAME,
            server_now=server_now,
            phrase=query.strip() if query and query.strip() else None,
            statuses=_all_of(filters.get("status")),
            placed_from=start,
            placed_before=end + timedelta(days=1) if end else None,
            limit=limit,
            offset=offset,
        ),
    )
    answer: WalleySearchAnswer = {
        "data": [views.search_item(x.order, server_now + x.clock) for x in found]
    }
    return to_response(json_answer(answer))


@ROUTES.get(
    "/manage/orders/{orderId}",
    summary="Get order",
    responses={200: {"description": 'The order, as `{"data": {...}}`', "model": WalleyOrderAnswer}},
)
async def get_order_route(
    request: Request,
    order_id: OrderId,
    correlation_id: Annotated[
        str | None,
        Query(
            alias="correlationId",
            description="A write's correlationId: the order as it is, that write included",
        ),
    ] = None,
) -> Response:
    ref = _order_ref(request, order_id)
    order, seq, now = await consistency.read_order(request.app.state.uow, ref, correlation_id)
    return to_response(json_answer(views.order_view(order, seq, now)))


@ROUTES.post(
    "/manage/orders/{orderId}/capture",
    summary="Capture order (full, part by items, part by amount, replacing items)",
    status_code=202,
    responses=_accepted_response("Captured"),
    openapi_extra=json_body(wire.CaptureSchema),
)
async def capture_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    command = Parsed(lambda: wire.capture_body(body))  # not at all for a replay
    key = key_after_body(lambda: _key(request, body), command)
    reply = await actions.capture(Act(request.app.state.uow, ref, key), command, views.ACCEPTED)
    return to_response(reply)


@ROUTES.post(
    "/manage/orders/{orderId}/cancel",
    summary="Cancel order (release everything not captured)",
    status_code=202,
    responses=_accepted_response("Cancelled"),
    openapi_extra=json_body(wire.CancelSchema, required=False),
)
async def cancel_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    action_reference = wire.cancel_body(body)
    reply = await actions.cancel(
        Act(request.app.state.uow, ref, _key(request, body)), action_reference, views.ACCEPTED
    )
    return to_response(reply)


@ROUTES.post(
    "/manage/orders/{orderId}/extend",
    summary="Extend the expiry of what is not captured (by 14 days)",
    status_code=202,
    responses=_accepted_response("Extended"),
)
async def extend_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    reply = await actions.extend(
        Act(request.app.state.uow, ref, _key(request, body)), views.ACCEPTED
    )
    return to_response(reply)


@ROUTES.post(
    "/manage/orders/{orderId}/refund",
    summary="Refund order (full, part by items with fees, by amount)",
    status_code=202,
    responses=_accepted_response("Refunded"),
    openapi_extra=json_body(wire.RefundSchema),
)
async def refund_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    command = wire.refund_body(body)
    reply = await actions.refund(
        Act(request.app.state.uow, ref, _key(request, body)), command, views.ACCEPTED
    )
    return to_response(reply)


@ROUTES.post(
    "/manage/orders/{orderId}/reauthorize",
    summary="Reauthorize order (replace what is not captured; a raise needs a credit check)",
    status_code=202,
    responses={
        **_accepted_response("Reauthorized at the same or a lower amount"),
        201: {
            "description": "A raise: `Location` is the status resource to poll; no body",
            "headers": {
                "Location": {
                    "description": "/manage/orders/{orderId}/reauthorize/{reauthorizeId}",
                    "schema": {"type": "string"},
                },
                **CORRELATION,
            },
        },
    },
    openapi_extra=json_body(wire.ReauthorizeSchema),
)
async def reauthorize_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    command = wire.reauthorize_body(body)
    reply = await actions.reauthorize(
        Act(request.app.state.uow, ref, _key(request, body)), command, views.REAUTHORIZED
    )
    return to_response(reply)


@ROUTES.get(
    "/manage/orders/{orderId}/reauthorize/{reauthorizeId}",
    summary="Status of a raised reauthorization",
    responses={
        200: {
            "description": "Pending, Completed (approved) or Failed (rejected)",
            "model": WalleyReauthorizationAnswer,
        }
    },
)
async def reauthorize_status_route(
    request: Request,
    order_id: OrderId,
    reauthorize_id: Annotated[str, Path(alias="reauthorizeId")],
) -> Response:
    ref = _order_ref(request, order_id)
    found = await actions.reauthorization(request.app.state.uow, ref, reauthorize_id)
    return to_response(json_answer(views.reauthorization_view(found)))

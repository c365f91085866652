"""Klarna order management: ``/ordermanagement/v1/orders/…``. Reads answer ``200`` with the
object, a capture or refund made ``201`` with its id and ``Location``, every other change
``204`` with no body.

Each route is installed twice: as documented, and under ``//ordermanagement/…`` (hidden from
the document), which Klarna's WooCommerce plugin sent up to its version 1.6.10.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import Response

from orderdesk.domain.clock import utcnow
from orderdesk.domain.errors import invalid
from orderdesk.providers.klarna import NAME, actions, rules, views, wire
from orderdesk.providers.klarna.auth import principal
from orderdesk.providers.klarna.errors import RESPONSES
from orderdesk.providers.klarna.responses import (
    KlarnaCapture,
    KlarnaDueDateOptions,
    KlarnaOrder,
    KlarnaRefund,
)
from orderdesk.service.unit_of_work import Act, IdempotencyKey, OrderRef, Parsed
from orderdesk.store.orders import Loaded
from orderdesk.web.answers import Reply, to_response
from orderdesk.web.bodies import parse
from orderdesk.web.openapi import json_body
from orderdesk.web.requests import idempotency_header, require_json
from orderdesk.web.routes import RouteTable

ROUTES = RouteTable(
    NAME,
    tags=["Klarna"],
    dependencies=[Depends(require_json)],
    responses=RESPONSES,
)
BASE = "/ordermanagement/v1/orders/{orderId}"
KEY_HEADER = "klarna-idempotency-key"

OrderId = Annotated[str, Path(alias="orderId", description="Klarna's order id")]
CaptureId = Annotated[str, Path(alias="captureId", description="A capture's capture_id")]
RefundId = Annotated[str, Path(alias="refundId", description="A refund's refund_id")]
NO_CONTENT: dict[int | str, dict[str, Any]] = {204: {"description": "Done (no body)"}}


def created_headers(id_header: str) -> dict[str, Any]:
    """A ``201``'s headers: the new object's id and its path."""
    text = {"type": "string"}
    return {
        id_header: {"description": "The new object's id (lower-case hex)", "schema": text},
        "Location": {
            "description": "Its path, /ordermanagement/v1/orders/{orderId}/…/{id}",
            "schema": text,
        },
    }


Endpoint = Callable[..., Awaitable[Response]]


def route(method: str, suffix: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
    """Install ``endpoint`` at ``BASE + suffix``, and hidden at the doubled slash."""

    def install(endpoint: Endpoint) -> Endpoint:
        ROUTES.route(method, BASE + suffix, **options)(endpoint)
        hidden = {**options, "include_in_schema": False}
        ROUTES.route(method, "/" + BASE + suffix, **hidden)(endpoint)
        return endpoint

    return install


async def _ref(request: Request, order_id: str) -> OrderRef:
    return OrderRef(await principal(request), order_id, NAME)


def _key(request: Request) -> IdempotencyKey | None:
    """Klarna replays the first answer for a key whatever the new body ("input values are
    disregarded"), so the key's fingerprint is the method and path only."""
    header = idempotency_header(request, KEY_HEADER)
    return IdempotencyKey.from_request(header, request.method, request.url.path, b"")


async def _act(request: Request, order_id: str) -> Act:
    return Act(request.app.state.uow, await _ref(request, order_id), _key(request))


async def _read(request: Request, order_id: str) -> Loaded:
    loaded: Loaded = await request.app.state.uow.read(await _ref(request, order_id))
    return loaded


async def _no_body(request: Request) -> None:
    if not wire.is_empty(await request.body()):
        raise invalid("This operation takes no body")


def _done(reply: Reply) -> Response:
    return to_response(reply)


@route("GET", "", summary="Get order", responses={200: {"model": KlarnaOrder}})
async def get_order_route(request: Request, order_id: OrderId) -> Response:
    found = await _read(request, order_id)
    return _done(views.order_answer(found.order, utcnow()))


@route(
    "PATCH",
    "/authorization",
    summary="Set new order amount and order lines",
    status_code=204,
    responses=NO_CONTENT,
    openapi_extra=json_body(wire.AuthorizationBody),
)
async def authorization_route(request: Request, order_id: OrderId) -> Response:
    body = await request.body()

    def command() -> rules.UpdateAuthorization:
        parsed = parse(wire.AuthorizationBody, body)
        lines = None if parsed.order_lines is None else [x.command() for x in parsed.order_lines]
        return rules.UpdateAuthorization(parsed.order_amount, lines, parsed.description)

    act = await _act(request, order_id)
    return _done(await actions.update_authorization(act, Parsed(command), views.NoContent()))


@route(
    "POST",
    "/captures",
    summary="Create capture",
    status_code=201,
    response_class=Response,  # no body: the document lists no content type for the 201
    responses={
        201: {"description": "Captured (no body)", "headers": created_headers("Capture-Id")}
    },
    openapi_extra=json_body(wire.CaptureBody),
)
async def capture_route(request: Request, order_id: OrderId) -> Response:
    body = await request.body()

    def command() -> rules.CaptureRequest:
        parsed = parse(wire.CaptureBody, body)
        return rules.CaptureRequest(
            parsed.captured_amount,
            None if parsed.order_lines is None else [x.command() for x in parsed.order_lines],
            parsed.description,
            parsed.reference,
            _shipping(parsed.shipping_info or []),
            parsed.shipping_delay,
        )

    presenter = views.Created("captures", "Capture-Id")
    act = await _act(request, order_id)
    return _done(await actions.capture(act, Parsed(command), presenter))


def _shipping(entries: list[wire.KlarnaShippingEntry]) -> list[dict[str, Any]]:
    """Entries with something in them (clients send ``{"tracking_number": ""}`` for none)."""
    kept = [entry.model_dump(exclude_none=True) for entry in entries]
    return [entry for entry in kept if any(entry.values())]


@route(
    "GET",
    "/captures",
    summary="List all captures",
    responses={200: {"model": list[KlarnaCapture]}},
)
async def captures_route(request: Request, order_id: OrderId) -> Response:
    order = (await _read(request, order_id)).order
    refunded = rules.refunded_by_capture(order)
    body = [views.capture_view(order, c, refunded[c.ledger_id]) for c in order.captured]
    return _done(views.answer(body))


@route(
    "GET",
    "/captures/{captureId}",
    summary="Get capture",
    responses={200: {"model": KlarnaCapture}},
)
async def capture_get_route(request: Request, order_id: OrderId, capture_id: CaptureId) -> Response:
    order = (await _read(request, order_id)).order
    chunk = rules.find_capture(order, capture_id)
    refunded = rules.refunded_by_capture(order)[chunk.ledger_id]
    return _done(views.answer(views.capture_view(order, chunk, refunded)))


@route(
    "POST",
    "/captures/{captureId}/shipping-info",
    summary="Add shipping info to a capture",
    status_code=204,
    responses=NO_CONTENT,
    openapi_extra=json_body(wire.ShippingInfoBody),
)
async def capture_shipping_route(
    request: Request, order_id: OrderId, capture_id: CaptureId
) -> Response:
    entries = _shipping(parse(wire.ShippingInfoBody, await request.body()).shipping_info)
    act = await _act(request, order_id)
    return _done(
        await actions.add_capture_shipping_info(act, capture_id, entries, views.NoContent())
    )


@route(
    "POST",
    "/captures/{captureId}/trigger-send-out",
    summary="Trigger a new send out of customer communication",
    status_code=204,
    responses=NO_CONTENT,
)
async def send_out_route(request: Request, order_id: OrderId, capture_id: CaptureId) -> Response:
    await _no_body(request)
    act = await _act(request, order_id)
    return _done(await actions.trigger_send_out(act, capture_id, views.NoContent()))


@route(
    "GET",
    "/captures/{captureId}/extend-due-date-options",
    summary="Get the options for extending the due date of a capture",
    responses={200: {"model": KlarnaDueDateOptions}},
)
async def due_date_options_route(
    request: Request, order_id: OrderId, capture_id: CaptureId
) -> Response:
    order = (await _read(request, order_id)).order
    chunk = rules.find_capture(order, capture_id)
    return _done(views.answer(views.due_date_options(order, chunk)))


@route(
    "PATCH",
    "/captures/{captureId}/extend-due-date",
    summary="Extend the due date of a capture",
    status_code=204,
    responses=NO_CONTENT,
    openapi_extra=json_body(wire.ExtendDueDateBody),
)
async def extend_due_date_route(
    request: Request, order_id: OrderId, capture_id: CaptureId
) -> Response:
    days = parse(wire.ExtendDueDateBody, await request.body()).number_of_days
    act = await _act(request, order_id)
    return _done(await actions.extend_due_date(act, capture_id, days, views.NoContent()))


@route(
    "PATCH",
    "/customer-details",
    summary="Update customer addresses",
    status_code=204,
    responses=NO_CONTENT,
    openapi_extra=json_body(wire.CustomerDetailsBody),
)
async def customer_details_route(request: Request, order_id: OrderId) -> Response:
    parsed = parse(wire.CustomerDetailsBody, await request.body())
    billing, shipping = (
        None if sent is None else sent.model_dump(exclude_none=True)
        for sent in (parsed.billing_address, parsed.shipping_address)
    )
    act = await _act(request, order_id)
    return _done(await actions.update_customer(act, billing, shipping, views.NoContent()))


@route(
    "PATCH",
    "/merchant-references",
    summary="Update merchant references",
    status_code=204,
    responses=NO_CONTENT,
    openapi_extra=json_body(wire.MerchantReferencesBody),
)
async def references_route(request: Request, order_id: OrderId) -> Response:
    parsed = parse(wire.MerchantReferencesBody, await request.body())
    act = await _act(request, order_id)
    return _done(
        await actions.update_references(
            act, parsed.merchant_reference1, parsed.merchant_reference2, views.NoContent()
        )
    )


@route(
    "POST",
    "/refunds",
    summary="Refund an amount of a captured order",
    status_code=201,
    response_class=Response,  # no body: the document lists no content type for the 201
    responses={201: {"description": "Refunded (no body)", "headers": created_headers("Refund-Id")}},
    openapi_extra=json_body(wire.RefundBody),
)
async def refund_route(request: Request, order_id: OrderId) -> Response:
    body = await request.body()

    def command() -> rules.RefundRequest:
        parsed = parse(wire.RefundBody, body)
        lines = None if parsed.order_lines is None else [x.command() for x in parsed.order_lines]
        return rules.RefundRequest(
            parsed.refunded_amount, lines, parsed.description, parsed.reference
        )

    presenter = views.Created("refunds", "Refund-Id")
    act = await _act(request, order_id)
    return _done(await actions.refund(act, Parsed(command), presenter))


@route("GET", "/refunds/{refundId}", summary="Get refund", responses={200: {"model": KlarnaRefund}})
async def refund_get_route(request: Request, order_id: OrderId, refund_id: RefundId) -> Response:
    order = (await _read(request, order_id)).order
    return _done(views.answer(views.refund_view(rules.find_refund(order, refund_id))))


@route(
    "POST",
    "/shipping-info",
    summary="Add shipping info to the order",
    status_code=204,
    responses=NO_CONTENT,
    openapi_extra=json_body(wire.ShippingInfoBody),
)
async def shipping_route(request: Request, order_id: OrderId) -> Response:
    entries = _shipping(parse(wire.ShippingInfoBody, await request.body()).shipping_info)
    act = await _act(request, order_id)
    return _done(await actions.add_shipping_info(act, entries, views.NoContent()))


BodylessAction = Callable[[Act, views.NoContent], Awaitable[Reply]]


def bodyless(suffix: str, summary: str, action: BodylessAction, name: str) -> None:
    """A ``POST`` that takes no body and answers ``204``: ``action`` on the order."""

    async def endpoint(request: Request, order_id: OrderId) -> Response:
        await _no_body(request)
        return _done(await action(await _act(request, order_id), views.NoContent()))

    endpoint.__name__ = endpoint.__qualname__ = name  # the operation's id
    route("POST", suffix, summary=summary, status_code=204, responses=NO_CONTENT)(endpoint)


bodyless("/acknowledge", "Acknowledge order", actions.acknowledge, "acknowledge_route")
bodyless("/cancel", "Cancel order", actions.cancel, "cancel_route")
bodyless(
    "/extend-authorization-time",
    "Extend authorization time",
    actions.extend_authorization,
    "extend_route",
)
bodyless(
    "/release-remaining-authorization",
    "Release remaining authorization",
    actions.release_remaining,
    "release_route",
)

"""Ledyer order management: ``/v1/orders/…``; every answer is the whole order object.

Each route authenticates, parses the body, calls its use case and returns the reply.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.responses import Response
from starlette.convertors import Convertor, register_url_convertor

from orderdesk.auth.bearer import authenticate
from orderdesk.auth.tokens import Principal
from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError, invalid
from orderdesk.providers.ledyer import NAME, actions, search, views, wire
from orderdesk.providers.ledyer.checkout import sessions
from orderdesk.providers.ledyer.errors import RESPONSES
from orderdesk.providers.ledyer.responses import LedyerOrder, LedyerOrderList, LedyerPaymentStatus
from orderdesk.providers.ledyer.rules import EditOrder
from orderdesk.service.unit_of_work import (
    Act,
    IdempotencyKey,
    OrderRef,
    Parsed,
    key_after_body,
)
from orderdesk.web.answers import json_answer, to_response
from orderdesk.web.bodies import parse
from orderdesk.web.openapi import creates, json_body
from orderdesk.web.requests import (
    base_url,
    idempotency_header,
    moment_query,
    require_json,
    time_param,
)
from orderdesk.web.routes import RouteTable

ROUTES = RouteTable(
    NAME,
    tags=["Ledyer"],
    dependencies=[Depends(require_json)],
    responses=RESPONSES,
)


class LedgerIdConvertor(Convertor[str]):
    """``in_…`` only, so ``DELETE /v1/orders/{id}/{ledgerId}`` never takes the place of another
    endpoint's name (``DELETE …/paymentmethod`` is a 405, not an unknown sub-order)."""

    regex = "in_[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("ledger", LedgerIdConvertor())

OrderId = Annotated[str, Path(alias="orderId", description="The Ledyer order id (or_…)")]
LedgerId = Annotated[
    str, Path(alias="ledgerId", description="A sub-order's ledger id (in_…), from its chunk")
]
ORDER_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The whole order object", "model": LedyerOrder}
}
#: A capture's answer: the order can be acted on again, its first captured sub-order refunded.
CAPTURED = {
    200: creates(
        ORDER_RESPONSE[200],
        orderId="$request.path.orderId",
        ledgerId="$response.body#/captured/0/ledgerId",
    )
}
SubOrderId = Annotated[
    str,
    Path(alias="ledgerId", pattern=r"^in_[^/]+$", description="The sub-order's ledger id (in_…)"),
]
MAX_PAGE = 1000
AN_RFC3339_TIME = "2023-02-10T00:00:00Z"  # the example a refused time is told


def _order_ref(request: Request, order_id: str) -> OrderRef:
    return OrderRef(authenticate(request, NAME), order_id, NAME)


def _key(request: Request, body: bytes, method: str = "POST") -> IdempotencyKey | None:
    header = idempotency_header(request, "idempotency-key")
    return IdempotencyKey.from_request(header, method, request.url.path, body)


def _presenter(request: Request, status: int = 200) -> views.OrderObject:
    return views.OrderObject(request.app.state.link_key, base_url(request), status)


def _cursor(value: str) -> tuple[datetime, int]:
    try:
        created, _, seq = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).partition(b"|")
        return datetime.fromisoformat(created.decode()), int(seq)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError(
            e.INVALID_CURSOR, "cursor is not a nextCursor this server gave", field="cursor"
        ) from None


def _next_cursor(after: tuple[datetime, int]) -> str:
    raw = f"{after[0].isoformat()}|{after[1]}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _either(plain: Sequence[str] | None, bracketed: Sequence[str] | None) -> list[str]:
    """An array filter sent as ``name=`` (repeated), as ``name[]=``, or both: Ledyer's list
    documents each as an "array of strings" named without brackets (decisions.md)."""
    return list(dict.fromkeys([*(plain or []), *(bracketed or [])]))


@ROUTES.get(
    "/v1/orders",
    summary="List orders (newest first, filtered, paged by cursor)",
    responses={200: {"description": "A page of orders", "model": LedyerOrderList}},
)
async def list_orders_route(
    request: Request,
    created_from: Annotated[str | None, moment_query("createdFrom")] = None,
    created_to: Annotated[str | None, moment_query("createdTo")] = None,
    expires_from: Annotated[str | None, moment_query("expiresFrom")] = None,
    expires_to: Annotated[str | None, moment_query("expiresTo")] = None,
    ids: Annotated[list[str] | None, Query(alias="id", max_length=100)] = None,
    ids_: Annotated[list[str] | None, Query(alias="id[]", max_length=100)] = None,
    merchant_references: Annotated[
        list[str] | None, Query(alias="merchantReference", max_length=100)
    ] = None,
    merchant_references_: Annotated[
        list[str] | None, Query(alias="merchantReference[]", max_length=100)
    ] = None,
    order_references: Annotated[
        list[str] | None, Query(alias="orderReference", max_length=100)
    ] = None,
    order_references_: Annotated[
        list[str] | None, Query(alias="orderReference[]", max_length=100)
    ] = None,
    payment_methods: Annotated[
        list[wire.PaymentMethodCategory] | None,
        Query(alias="paymentMethodCategory", max_length=10),
    ] = None,
    payment_methods_: Annotated[
        list[wire.PaymentMethodCategory] | None,
        Query(alias="paymentMethodCategory[]", max_length=10),
    ] = None,
    statuses: Annotated[
        list[wire.LedyerStatusFilter] | None, Query(alias="status", max_length=10)
    ] = None,
    statuses_: Annotated[
        list[wire.LedyerStatusFilter] | None, Query(alias="status[]", max_length=10)
    ] = None,
    q: Annotated[
        str | None, Query(description="orderId, orderReference or merchantReference, whole")
    ] = None,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    cursor: Annotated[str | None, Query(description="nextCursor of the page before")] = None,
    from_id: Annotated[
        str | None, Query(alias="fromId", description="Deprecated: lastId of the page before")
    ] = None,
) -> Response:
    principal = authenticate(request, NAME)
    query = search.OrderQuery(
        provider=NAME,
        store_ids=sorted(principal.store_ids),
        server_now=datetime.now(UTC),
        size=size,
        created_from=time_param(created_from, "createdFrom", AN_RFC3339_TIME),
        created_to=time_param(created_to, "createdTo", AN_RFC3339_TIME),
        expires_from=time_param(expires_from, "expiresFrom", AN_RFC3339_TIME),
        expires_to=time_param(expires_to, "expiresTo", AN_RFC3339_TIME),
        ids=_either(ids, ids_),
        merchant_references=_either(merchant_references, merchant_references_),
        order_references=_either(order_references, order_references_),
        payment_methods=_either(payment_methods, payment_methods_),
        statuses=_either(statuses, statuses_),
        q=q,
        after=None if cursor is None else _cursor(cursor),
        after_id=from_id,
    )
    page = await search.list_orders(request.app.state.pool, query)
    presenter = _presenter(request)
    body: LedyerOrderList = {
        "orders": [
            presenter.view(found.order, found.seq, query.server_now + found.clock)
            for found in page.orders
        ],
        "nextCursor": None if page.next_after is None else _next_cursor(page.next_after),
        "lastId": page.orders[-1].order.id if page.orders else None,
    }
    return to_response(json_answer(body))


def _payment_status(found: Any) -> Response:
    return to_response(json_answer(views.payment_status_view(found.order)))


async def _session_status(
    request: Request, principal: Principal, order_id: str | None, session_id: str | None
) -> tuple[Response | None, str | None]:
    """A checkout session's payment status while its order is not made (the answer), or the
    id of the order it made; (None, None) when no checkout session is named."""
    name = order_id if session_id is None else session_id
    assert name is not None
    try:
        session, now = await sessions.find(request.app.state.pool, principal, name)
    except DomainError as err:
        if err.code == e.ORDER_NOT_FOUND:
            return None, None
        raise
    if order_id not in (None, session.order_id):
        raise search.no_order(f"Order {order_id} was not made in session {session_id}")
    pending = sessions.pending_status(session, now)
    if pending is not None:
        return to_response(json_answer(pending)), None
    return None, session.order_id


@ROUTES.get(
    "/v1/orders/{orderId}/paymentstatus",
    summary="Payment status",
    responses={200: {"description": "The payment status", "model": LedyerPaymentStatus}},
)
async def payment_status_route(request: Request, order_id: OrderId) -> Response:
    """The order's, or, before its checkout session has made it, the session's
    (``orderInitiated`` / ``orderPending``: docs/decisions.md)."""
    principal = authenticate(request, NAME)
    try:
        found = await request.app.state.uow.read(OrderRef(principal, order_id, NAME))
    except DomainError as err:
        if err.code != e.ORDER_NOT_FOUND:
            raise
        pending, _ = await _session_status(request, principal, order_id, None)
        if pending is None:
            raise
        return pending
    return _payment_status(found)


@ROUTES.get(
    "/v1/paymentstatus",
    summary="Payment status (the documented path)",
    responses={200: {"description": "The payment status", "model": LedyerPaymentStatus}},
)
async def payment_status_query_route(
    request: Request,
    order_id: Annotated[str | None, Query(alias="orderId", description="or_…")] = None,
    session_id: Annotated[
        str | None, Query(alias="sessionId", description="se_…: the order's checkout session")
    ] = None,
) -> Response:
    """By the order's id or its checkout session's id (both: they must name the same order;
    neither names none): a checkout session not yet paid answers for itself. The caller is
    authenticated first, as on every route."""
    principal = authenticate(request, NAME)
    if order_id is None and session_id is None:
        raise search.no_order("Name the order: orderId or sessionId")
    if "\x00" in (order_id or ""):  # no id holds one (PostgreSQL's text cannot)
        raise search.no_order("No order has that id")
    pending, made = await _session_status(request, principal, order_id, session_id)
    if pending is not None:
        return pending
    if made is not None:
        order_id = made
    elif session_id is not None:
        of_session = await search.order_of_session(request.app.state.pool, session_id)
        if order_id not in (None, of_session):
            raise search.no_order(f"Order {order_id} was not made in session {session_id}")
        order_id = of_session
    assert order_id is not None
    found = await request.app.state.uow.read(OrderRef(principal, order_id, NAME))
    return _payment_status(found)


@ROUTES.get("/v1/orders/{orderId}", summary="Get order", responses=ORDER_RESPONSE)
async def get_order_route(request: Request, order_id: OrderId) -> Response:
    found = await request.app.state.uow.read(_order_ref(request, order_id))
    return to_response(_presenter(request).present(found.order, found.seq, None))


async def _capture(request: Request, order_id: str, *, partial: bool) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()

    def capture_command() -> actions.CaptureCommand:
        parsed = parse(wire.CaptureBody, body)
        return [line.command() for line in parsed.orderLines], parsed.totalCaptureAmount

    command = Parsed(capture_command)  # not at all for a replay
    key = key_after_body(lambda: _key(request, body), command)
    reply = await actions.capture(
        Act(request.app.state.uow, ref, key), command, _presenter(request), partial=partial
    )
    return to_response(reply)


@ROUTES.post(
    "/v1/orders/{orderId}/partialcapture",
    summary="Capture order (partial)",
    responses=CAPTURED,
    openapi_extra=json_body(wire.CaptureBody),
)
async def partial_capture_route(request: Request, order_id: OrderId) -> Response:
    return await _capture(request, order_id, partial=True)


@ROUTES.post(
    "/v1/orders/{orderId}/capture",
    summary="Capture order (all remaining lines)",
    responses=CAPTURED,
    openapi_extra=json_body(wire.CaptureBody),
)
async def capture_route(request: Request, order_id: OrderId) -> Response:
    return await _capture(request, order_id, partial=False)


@ROUTES.post(
    "/v1/orders/{orderId}",
    summary="Edit order (replace the uncaptured lines)",
    responses=ORDER_RESPONSE,
    openapi_extra=json_body(wire.EditBody),
)
async def edit_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    parsed = parse(wire.EditBody, body)
    command = EditOrder(
        lines=[line.command() for line in parsed.orderLines],
        total=parsed.totalOrderAmount,
        total_excl_vat=parsed.totalOrderAmountExclVat,
        total_vat=parsed.totalOrderVatAmount,
    )
    reply = await actions.edit_order(
        Act(request.app.state.uow, ref, _key(request, body)), command, _presenter(request)
    )
    return to_response(reply)


@ROUTES.delete(
    "/v1/orders/{orderId}",
    summary="Cancel order (remove every uncaptured line)",
    responses=ORDER_RESPONSE,
)
async def cancel_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    key = _key(request, b"", method="DELETE")
    reply = await actions.cancel(Act(request.app.state.uow, ref, key), _presenter(request))
    return to_response(reply)


@ROUTES.post(
    "/v1/orders/{orderId}/customer",
    summary="Edit customer",
    responses=ORDER_RESPONSE,
    openapi_extra=json_body(wire.EditCustomerBody),
)
async def edit_customer_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    changes = parse(wire.EditCustomerBody, body).changes()
    reply = await actions.edit_customer(
        Act(request.app.state.uow, ref, _key(request, body)), changes, _presenter(request)
    )
    return to_response(reply)


@ROUTES.post(
    "/v1/orders/{orderId}/extendexpiry",
    summary="Extend the order's expiry (by 14 days)",
    responses=ORDER_RESPONSE,
)
async def extend_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    reply = await actions.extend(
        Act(request.app.state.uow, ref, _key(request, body)), _presenter(request)
    )
    return to_response(reply)


@ROUTES.post(
    "/v1/orders/{orderId}/refund/{ledgerId}",
    summary="Refund a captured sub-order whole (one credit note)",
    responses=ORDER_RESPONSE,
    openapi_extra=json_body(wire.RefundBody, required=False),
)
async def refund_route(request: Request, order_id: OrderId, ledger_id: LedgerId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    note = "" if wire.is_empty(body) else parse(wire.RefundBody, body).note
    reply = await actions.refund(
        Act(request.app.state.uow, ref, _key(request, body)), ledger_id, note, _presenter(request)
    )
    return to_response(reply)


@ROUTES.post(
    "/v1/orders/{orderId}/partialrefund/{ledgerId}",
    summary="Refund part of a captured sub-order (one credit note)",
    responses=ORDER_RESPONSE,
    openapi_extra=json_body(wire.PartialRefundBody),
)
async def partial_refund_route(
    request: Request, order_id: OrderId, ledger_id: LedgerId
) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    parsed = parse(wire.PartialRefundBody, body)
    reply = await actions.partial_refund(
        Act(request.app.state.uow, ref, _key(request, body)),
        ledger_id,
        [line.command() for line in parsed.orderLines],
        parsed.totalRefundAmount,
        parsed.note,
        _presenter(request),
    )
    return to_response(reply)


@ROUTES.delete(
    "/v1/orders/{orderId}/{ledgerId:ledger}",
    summary="Cancel a sub-order (the uncaptured one)",
    responses=ORDER_RESPONSE,
)
async def cancel_sub_order_route(
    request: Request, order_id: OrderId, ledger_id: SubOrderId
) -> Response:
    ref = _order_ref(request, order_id)
    key = _key(request, b"", method="DELETE")
    reply = await actions.cancel_sub_order(
        Act(request.app.state.uow, ref, key), ledger_id, _presenter(request)
    )
    return to_response(reply)


@ROUTES.post(
    "/v1/orders/{orderId}/reference",
    summary="Set the merchant reference",
    responses=ORDER_RESPONSE,
    openapi_extra=json_body(wire.ReferenceBody),
)
async def reference_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    parsed = parse(wire.ReferenceBody, body)
    reply = await actions.set_reference(
        Act(request.app.state.uow, ref, _key(request, body)), parsed.reference, _presenter(request)
    )
    return to_response(reply)


@ROUTES.post(
    "/v1/orders/{orderId}/acknowledge",
    summary="Acknowledge the order (repeatable; answers 201)",
    status_code=201,
    responses={201: {"description": "The whole order object", "model": LedyerOrder}},
)
async def acknowledge_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    if not wire.is_empty(body):
        raise invalid("acknowledge takes no body (nothing, [] or {})")
    reply = await actions.acknowledge(
        Act(request.app.state.uow, ref, _key(request, body)), _presenter(request, 201)
    )
    return to_response(reply)


@ROUTES.post(
    "/v1/orders/{orderId}/paymentmethod",
    summary="Edit the payment method (service invoice to advance invoice)",
    responses=ORDER_RESPONSE,
    openapi_extra=json_body(wire.PaymentMethodBody),
)
async def payment_method_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    method = parse(wire.PaymentMethodBody, body).paymentMethod
    reply = await actions.edit_payment_method(
        Act(request.app.state.uow, ref, _key(request, body)),
        method.provider,
        method.type,
        _presenter(request),
    )
    return to_response(reply)

"""Walley Checkout order management: ``/manage/orders/…`` and the token endpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from orderdesk.dialects.common import (
    authenticate,
    idempotency_header,
    json_answer,
    to_response,
)
from orderdesk.dialects.walley import views, wire
from orderdesk.dialects.walley.errors import error_answer
from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.ids import is_uuid
from orderdesk.domain.money import exponent
from orderdesk.domain.order import WALLEY, Chunk, Order
from orderdesk.service.orders import get_order
from orderdesk.service.transaction import HttpAnswer, IdempotencyKey, mutate_order, utcnow

router = APIRouter(tags=["Walley"])

OrderId = Annotated[str, Path(alias="orderId", description="The Walley order id (a UUID)")]


def _check_id(order_id: str) -> None:
    if not is_uuid(order_id):
        raise DomainError(e.ORDER_NOT_FOUND, f"Order {order_id} was not found", Kind.NOT_FOUND)


@router.get(
    "/manage/orders/{orderId}",
    summary="Get order",
    responses={200: {"description": 'The order, as `{"data": {...}}`'}},
)
async def get_order_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, WALLEY)
    _check_id(order_id)
    order, seq = await get_order(request.app.state.pool, principal, order_id, WALLEY)
    return to_response(json_answer(views.order_view(order, seq, utcnow())))


@router.post(
    "/manage/orders/{orderId}/capture",
    summary="Capture order (full, part by items, part by amount, replacing items)",
    status_code=202,
    responses={202: {"description": "Captured; `Location` names the order; no body"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": wire.CaptureSchema.model_json_schema()}},
        }
    },
)
async def capture_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, WALLEY)
    _check_id(order_id)
    body = await request.body()
    key = IdempotencyKey.from_request(
        idempotency_header(request, "x-idempotency"), "POST", request.url.path, body
    )
    command = wire.capture_request(wire.parse_body(body))

    def apply(order: Order, now: datetime) -> Chunk:
        return order.capture_walley(command.in_minor_units(exponent(order.currency)), now)

    def render(order: Order, seq: int, chunk: Chunk) -> HttpAnswer:
        return HttpAnswer(202, {"location": f"/manage/orders/{order.id}"}, b"")

    answer = await mutate_order(
        request.app.state.pool, principal, order_id, WALLEY, key, apply, render, error_answer
    )
    return to_response(answer)


@router.post(
    "/manage/orders/{orderId}/cancel",
    summary="Cancel order (release everything not captured)",
    status_code=202,
    responses={202: {"description": "Cancelled; `Location` names the order; no body"}},
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": wire.CancelSchema.model_json_schema()}},
        }
    },
)
async def cancel_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, WALLEY)
    _check_id(order_id)
    body = await request.body()
    key = IdempotencyKey.from_request(
        idempotency_header(request, "x-idempotency"), "POST", request.url.path, body
    )
    if body.strip():
        wire.cancel_request(wire.parse_body(body))

    def apply(order: Order, now: datetime) -> int:
        return order.cancel_walley(now)

    def render(order: Order, seq: int, amount: int) -> HttpAnswer:
        return HttpAnswer(202, {"location": f"/manage/orders/{order.id}"}, b"")

    answer = await mutate_order(
        request.app.state.pool, principal, order_id, WALLEY, key, apply, render, error_answer
    )
    return to_response(answer)


@router.post(
    "/manage/orders/{orderId}/extend",
    summary="Extend the expiry of what is not captured (by 14 days)",
    status_code=202,
    responses={202: {"description": "Extended; `Location` names the order; no body"}},
)
async def extend_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, WALLEY)
    _check_id(order_id)
    body = await request.body()
    key = IdempotencyKey.from_request(
        idempotency_header(request, "x-idempotency"), "POST", request.url.path, body
    )

    def apply(order: Order, now: datetime) -> datetime:
        return order.extend_walley(now)

    def render(order: Order, seq: int, expires: datetime) -> HttpAnswer:
        return HttpAnswer(202, {"location": f"/manage/orders/{order.id}"}, b"")

    answer = await mutate_order(
        request.app.state.pool, principal, order_id, WALLEY, key, apply, render, error_answer
    )
    return to_response(answer)

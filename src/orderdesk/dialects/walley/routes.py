"""Walley Checkout order management: ``/manage/orders/…`` and the token endpoint."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel

from orderdesk.auth.tokens import Principal
from orderdesk.dialects.common import (
    authenticate,
    idempotency_header,
    json_answer,
    to_response,
)
from orderdesk.dialects.walley import views, wire
from orderdesk.dialects.walley.errors import error_answer
from orderdesk.dialects.walley.responses import LOCATION, WalleyOrderAnswer
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
    responses={200: {"description": 'The order, as `{"data": {...}}`', "model": WalleyOrderAnswer}},
)
async def get_order_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, WALLEY)
    _check_id(order_id)
    order, seq = await get_order(request.app.state.pool, principal, order_id, WALLEY)
    return to_response(json_answer(views.order_view(order, seq, utcnow())))


async def _accepted(
    request: Request,
    principal: Principal,
    order_id: str,
    apply: Callable[[Order, datetime], object],
    body: bytes,
) -> Response:
    """Run a write in the order's transaction; Walley answers 202 + Location, no body."""
    key = IdempotencyKey.from_request(
        idempotency_header(request, "x-idempotency"), "POST", request.url.path, body
    )

    def render(order: Order, seq: int, result: object) -> HttpAnswer:
        return HttpAnswer(202, {"location": f"/manage/orders/{order.id}"}, b"")

    answer = await mutate_order(
        request.app.state.pool, principal, order_id, WALLEY, key, apply, render, error_answer
    )
    return to_response(answer)


def _body_schema(model: type[BaseModel], required: bool) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def _accepted_response(what: str) -> dict[int | str, dict[str, Any]]:
    return {
        202: {"description": f"{what}; `Location` names the order; no body", "headers": LOCATION}
    }


@router.post(
    "/manage/orders/{orderId}/capture",
    summary="Capture order (full, part by items, part by amount, replacing items)",
    status_code=202,
    responses=_accepted_response("Captured"),
    openapi_extra=_body_schema(wire.CaptureSchema, required=True),
)
async def capture_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, WALLEY)
    _check_id(order_id)
    body = await request.body()
    command = wire.capture_request(wire.parse_body(body))

    def apply(order: Order, now: datetime) -> Chunk:
        return order.capture_walley(command.in_minor_units(exponent(order.currency)), now)

    return await _accepted(request, principal, order_id, apply, body)


@router.post(
    "/manage/orders/{orderId}/cancel",
    summary="Cancel order (release everything not captured)",
    status_code=202,
    responses=_accepted_response("Cancelled"),
    openapi_extra=_body_schema(wire.CancelSchema, required=False),
)
async def cancel_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, WALLEY)
    _check_id(order_id)
    body = await request.body()
    if body.strip():
        wire.cancel_request(wire.parse_body(body))

    def apply(order: Order, now: datetime) -> int:
        return order.cancel_walley(now)

    return await _accepted(request, principal, order_id, apply, body)


@router.post(
    "/manage/orders/{orderId}/extend",
    summary="Extend the expiry of what is not captured (by 14 days)",
    status_code=202,
    responses=_accepted_response("Extended"),
)
async def extend_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, WALLEY)
    _check_id(order_id)
    body = await request.body()

    def apply(order: Order, now: datetime) -> datetime:
        return order.extend_walley(now)

    return await _accepted(request, principal, order_id, apply, body)

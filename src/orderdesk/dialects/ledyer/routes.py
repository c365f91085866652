"""Ledyer order management: ``/v1/orders/…``; every answer is the whole order object."""

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
    base_url,
    idempotency_header,
    json_answer,
    to_response,
)
from orderdesk.dialects.ledyer import views, wire
from orderdesk.dialects.ledyer.errors import error_answer
from orderdesk.dialects.ledyer.responses import LedyerOrder
from orderdesk.domain.order import LEDYER, CaptureMeta, Order
from orderdesk.invoices.links import signed_url
from orderdesk.service.orders import get_order
from orderdesk.service.transaction import HttpAnswer, IdempotencyKey, mutate_order, utcnow

router = APIRouter(tags=["Ledyer"])

OrderId = Annotated[str, Path(alias="orderId", description="The Ledyer order id (or_…)")]
ORDER_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The whole order object", "model": LedyerOrder}
}


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def _order_answer(request: Request) -> Callable[[Order, int, object], HttpAnswer]:
    key: bytes = request.app.state.link_key
    base = base_url(request)

    def render(order: Order, seq: int, _result: object) -> HttpAnswer:
        def document_url(ledger_id: str) -> str:
            return signed_url(key, base, order.id, ledger_id)

        return json_answer(views.order_view(order, seq, utcnow(), document_url))

    return render


async def _mutate(
    request: Request,
    principal: Principal,
    order_id: str,
    apply: Callable[[Order, datetime], object],
    body: bytes,
    method: str = "POST",
) -> Response:
    key = IdempotencyKey.from_request(
        idempotency_header(request, "idempotency-key"), method, request.url.path, body
    )
    answer = await mutate_order(
        request.app.state.pool,
        principal,
        order_id,
        LEDYER,
        key,
        apply,
        _order_answer(request),
        error_answer,
    )
    return to_response(answer)


@router.get("/v1/orders/{orderId}", summary="Get order", responses=ORDER_RESPONSE)
async def get_order_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, LEDYER)
    order, seq = await get_order(request.app.state.pool, principal, order_id, LEDYER)
    return to_response(_order_answer(request)(order, seq, None))


@router.post(
    "/v1/orders/{orderId}/partialcapture",
    summary="Capture order (partial)",
    responses=ORDER_RESPONSE,
    openapi_extra=_body_schema(wire.CaptureBody),
)
async def partial_capture_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, LEDYER)
    body = await request.body()
    parsed = wire.parse(wire.CaptureBody, body)
    lines = [line.command() for line in parsed.orderLines]

    def apply(order: Order, now: datetime) -> object:
        return order.capture_lines(lines, parsed.totalCaptureAmount, CaptureMeta(), now)

    return await _mutate(request, principal, order_id, apply, body)


@router.post(
    "/v1/orders/{orderId}/capture",
    summary="Capture order (all remaining lines)",
    responses=ORDER_RESPONSE,
    openapi_extra=_body_schema(wire.CaptureBody),
)
async def capture_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, LEDYER)
    body = await request.body()
    parsed = wire.parse(wire.CaptureBody, body)
    lines = [line.command() for line in parsed.orderLines]

    def apply(order: Order, now: datetime) -> object:
        return order.capture_all(lines, parsed.totalCaptureAmount, CaptureMeta(), now)

    return await _mutate(request, principal, order_id, apply, body)


@router.post(
    "/v1/orders/{orderId}",
    summary="Edit order (replace the uncaptured lines)",
    responses=ORDER_RESPONSE,
    openapi_extra=_body_schema(wire.EditBody),
)
async def edit_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, LEDYER)
    body = await request.body()
    parsed = wire.parse(wire.EditBody, body)
    lines = [line.command() for line in parsed.orderLines]

    def apply(order: Order, now: datetime) -> object:
        wire.edit_totals(parsed)
        order.edit(lines, parsed.totalOrderAmount, parsed.totalOrderVatAmount, now)
        return None

    return await _mutate(request, principal, order_id, apply, body)


@router.delete(
    "/v1/orders/{orderId}",
    summary="Cancel order (remove every uncaptured line)",
    responses=ORDER_RESPONSE,
)
async def cancel_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, LEDYER)

    def apply(order: Order, now: datetime) -> object:
        return order.cancel_ledyer(now)

    return await _mutate(request, principal, order_id, apply, b"", method="DELETE")


@router.post(
    "/v1/orders/{orderId}/customer",
    summary="Edit customer",
    responses=ORDER_RESPONSE,
    openapi_extra=_body_schema(wire.EditCustomerBody),
)
async def edit_customer_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, LEDYER)
    body = await request.body()
    changes = wire.parse(wire.EditCustomerBody, body).changes()

    def apply(order: Order, now: datetime) -> object:
        order.edit_customer(changes, now)
        return None

    return await _mutate(request, principal, order_id, apply, body)


@router.post(
    "/v1/orders/{orderId}/extendexpiry",
    summary="Extend the order's expiry (by 14 days)",
    responses=ORDER_RESPONSE,
)
async def extend_route(request: Request, order_id: OrderId) -> Response:
    principal = authenticate(request, LEDYER)
    body = await request.body()

    def apply(order: Order, now: datetime) -> object:
        return order.extend_ledyer(now)

    return await _mutate(request, principal, order_id, apply, body)

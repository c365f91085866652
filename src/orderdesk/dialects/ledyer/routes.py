"""Ledyer order management: ``/v1/orders/…``; every answer is the whole order object.

Each route authenticates, parses the body, calls its use case and returns the reply.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel

from orderdesk.dialects.common import authenticate, base_url, idempotency_header
from orderdesk.dialects.ledyer import views, wire
from orderdesk.dialects.ledyer.responses import LedyerOrder
from orderdesk.domain.ledyer import EditOrder
from orderdesk.domain.order import Provider
from orderdesk.service import cancel, capture, edit
from orderdesk.service.unit_of_work import IdempotencyKey, OrderRef, read_order
from orderdesk.web import to_response

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


def _order_ref(request: Request, order_id: str) -> OrderRef:
    return OrderRef(authenticate(request, Provider.LEDYER), order_id, Provider.LEDYER)


def _key(request: Request, body: bytes, method: str = "POST") -> IdempotencyKey | None:
    header = idempotency_header(request, "idempotency-key")
    return IdempotencyKey.from_request(header, method, request.url.path, body)


def _presenter(request: Request) -> views.OrderObject:
    return views.OrderObject(request.app.state.link_key, base_url(request))


@router.get("/v1/orders/{orderId}", summary="Get order", responses=ORDER_RESPONSE)
async def get_order_route(request: Request, order_id: OrderId) -> Response:
    found = await read_order(request.app.state.pool, _order_ref(request, order_id))
    return to_response(_presenter(request).present(found.order, found.seq, None))


async def _capture(request: Request, order_id: str, *, partial: bool) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    parsed = wire.parse(wire.CaptureBody, body)
    lines = [line.command() for line in parsed.orderLines]
    reply = await capture.capture_ledyer(
        request.app.state.pool,
        ref,
        lines,
        parsed.totalCaptureAmount,
        _key(request, body),
        _presenter(request),
        partial=partial,
    )
    return to_response(reply)


@router.post(
    "/v1/orders/{orderId}/partialcapture",
    summary="Capture order (partial)",
    responses=ORDER_RESPONSE,
    openapi_extra=_body_schema(wire.CaptureBody),
)
async def partial_capture_route(request: Request, order_id: OrderId) -> Response:
    return await _capture(request, order_id, partial=True)


@router.post(
    "/v1/orders/{orderId}/capture",
    summary="Capture order (all remaining lines)",
    responses=ORDER_RESPONSE,
    openapi_extra=_body_schema(wire.CaptureBody),
)
async def capture_route(request: Request, order_id: OrderId) -> Response:
    return await _capture(request, order_id, partial=False)


@router.post(
    "/v1/orders/{orderId}",
    summary="Edit order (replace the uncaptured lines)",
    responses=ORDER_RESPONSE,
    openapi_extra=_body_schema(wire.EditBody),
)
async def edit_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    parsed = wire.parse(wire.EditBody, body)
    command = EditOrder(
        lines=[line.command() for line in parsed.orderLines],
        total=parsed.totalOrderAmount,
        total_excl_vat=parsed.totalOrderAmountExclVat,
        total_vat=parsed.totalOrderVatAmount,
    )
    reply = await edit.edit_order(
        request.app.state.pool, ref, command, _key(request, body), _presenter(request)
    )
    return to_response(reply)


@router.delete(
    "/v1/orders/{orderId}",
    summary="Cancel order (remove every uncaptured line)",
    responses=ORDER_RESPONSE,
)
async def cancel_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    key = _key(request, b"", method="DELETE")
    reply = await cancel.cancel_ledyer(request.app.state.pool, ref, key, _presenter(request))
    return to_response(reply)


@router.post(
    "/v1/orders/{orderId}/customer",
    summary="Edit customer",
    responses=ORDER_RESPONSE,
    openapi_extra=_body_schema(wire.EditCustomerBody),
)
async def edit_customer_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    changes = wire.parse(wire.EditCustomerBody, body).changes()
    reply = await edit.edit_customer(
        request.app.state.pool, ref, changes, _key(request, body), _presenter(request)
    )
    return to_response(reply)


@router.post(
    "/v1/orders/{orderId}/extendexpiry",
    summary="Extend the order's expiry (by 14 days)",
    responses=ORDER_RESPONSE,
)
async def extend_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    reply = await edit.extend_expiry(
        request.app.state.pool, ref, _key(request, body), _presenter(request)
    )
    return to_response(reply)

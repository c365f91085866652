"""Walley Checkout order management: ``/manage/orders/…``.

Each route authenticates, parses the body, calls its use case and returns the reply.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel

from orderdesk.dialects.common import authenticate, idempotency_header
from orderdesk.dialects.walley import views, wire
from orderdesk.dialects.walley.responses import LOCATION, WalleyOrderAnswer
from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.ids import is_uuid
from orderdesk.domain.order import Provider
from orderdesk.service import cancel, capture, edit
from orderdesk.service.unit_of_work import IdempotencyKey, OrderRef, read_order, utcnow
from orderdesk.web import json_answer, to_response

router = APIRouter(tags=["Walley"])

OrderId = Annotated[str, Path(alias="orderId", description="The Walley order id (a UUID)")]


def _order_ref(request: Request, order_id: str) -> OrderRef:
    """The caller and the order; an id that is not a UUID names no Walley order (404)."""
    principal = authenticate(request, Provider.WALLEY)
    if not is_uuid(order_id):
        raise DomainError(e.ORDER_NOT_FOUND, f"Order {order_id} was not found", Kind.NOT_FOUND)
    return OrderRef(principal, order_id, Provider.WALLEY)


def _key(request: Request, body: bytes) -> IdempotencyKey | None:
    header = idempotency_header(request, "x-idempotency")
    return IdempotencyKey.from_request(header, "POST", request.url.path, body)


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


@router.get(
    "/manage/orders/{orderId}",
    summary="Get order",
    responses={200: {"description": 'The order, as `{"data": {...}}`', "model": WalleyOrderAnswer}},
)
async def get_order_route(request: Request, order_id: OrderId) -> Response:
    found = await read_order(request.app.state.pool, _order_ref(request, order_id))
    return to_response(json_answer(views.order_view(found.order, found.seq, utcnow())))


@router.post(
    "/manage/orders/{orderId}/capture",
    summary="Capture order (full, part by items, part by amount, replacing items)",
    status_code=202,
    responses=_accepted_response("Captured"),
    openapi_extra=_body_schema(wire.CaptureSchema, required=True),
)
async def capture_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    command = wire.capture_body(body)
    reply = await capture.capture_walley(
        request.app.state.pool, ref, command, _key(request, body), views.ACCEPTED
    )
    return to_response(reply)


@router.post(
    "/manage/orders/{orderId}/cancel",
    summary="Cancel order (release everything not captured)",
    status_code=202,
    responses=_accepted_response("Cancelled"),
    openapi_extra=_body_schema(wire.CancelSchema, required=False),
)
async def cancel_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    action_reference = wire.cancel_body(body)
    reply = await cancel.cancel_walley(
        request.app.state.pool, ref, action_reference, _key(request, body), views.ACCEPTED
    )
    return to_response(reply)


@router.post(
    "/manage/orders/{orderId}/extend",
    summary="Extend the expiry of what is not captured (by 14 days)",
    status_code=202,
    responses=_accepted_response("Extended"),
)
async def extend_route(request: Request, order_id: OrderId) -> Response:
    ref = _order_ref(request, order_id)
    body = await request.body()
    reply = await edit.extend_expiry(
        request.app.state.pool, ref, _key(request, body), views.ACCEPTED
    )
    return to_response(reply)

"""Sandbox API for what the provider does on its side of an order (admin token): accept or
reject an order on hold, record a customer's payment. Each takes an ``Idempotency-Key``: a
retry with the same key and body gets the first answer again and changes nothing more."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Header, Path, Request
from fastapi.responses import Response
from typing_extensions import TypedDict

from orderdesk.domain.errors import DomainError
from orderdesk.domain.order import Order
from orderdesk.domain.payments import PaidStatus, Payment, status_of
from orderdesk.sandbox import wire
from orderdesk.sandbox.errors import RESPONSES, error_answer
from orderdesk.sandbox.routes import NAME, _check_admin, order_summary
from orderdesk.service import provider_side
from orderdesk.service.provider_side import PaymentRequest
from orderdesk.service.unit_of_work import IdempotencyKey
from orderdesk.web.answers import Reply, json_answer, to_response
from orderdesk.web.bodies import parse
from orderdesk.web.openapi import json_body
from orderdesk.web.requests import require_json
from orderdesk.web.routes import RouteTable

ROUTES = RouteTable(
    NAME,
    tags=["Sandbox: the provider's side"],
    dependencies=[Depends(require_json)],
    responses=RESPONSES,
)
#: The idempotency keys of the sandbox's changes are kept under this client.
CLIENT_ID = "sandbox"
R = TypeVar("R")

OrderId = Annotated[str, Path(alias="orderId")]
Key = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="A retry with the same key changes nothing"),
]


class PaymentAnswer(TypedDict):
    paymentId: str
    ledgerId: str
    amount: int
    paidAmount: int
    dueAmount: int
    paymentStatus: str
    order: dict[str, Any]


class _Summary(Generic[R]):
    """The order's sandbox summary; refusals in the sandbox envelope."""

    def __init__(self, status: int = 200) -> None:
        self.status = status

    def present(self, order: Order, seq: int, result: R) -> Reply:
        return json_answer(order_summary(order), self.status)

    def refuse(self, error: DomainError) -> Reply:
        return error_answer(error)


class _Paid(_Summary[Payment]):
    def present(self, order: Order, seq: int, result: Payment) -> Reply:
        status: PaidStatus = status_of(result.paid, result.due)
        body: PaymentAnswer = {
            "paymentId": result.id,
            "ledgerId": result.ledger_id,
            "amount": result.amount,
            "paidAmount": result.paid,
            "dueAmount": result.due,
            "paymentStatus": status,
            "order": order_summary(order),
        }
        return json_answer(body, 201)


async def _key(request: Request, key: str | None) -> IdempotencyKey | None:
    return IdempotencyKey.from_request(key, "POST", request.url.path, await request.body())


@ROUTES.post("/sandbox/orders/{orderId}/accept", summary="Accept an order on hold")
async def accept_route(request: Request, order_id: OrderId, key: Key = None) -> Response:
    _check_admin(request)
    uow = request.app.state.uow
    ref = await provider_side.order_ref(uow, order_id, CLIENT_ID)
    reply = await provider_side.accept(uow, ref, await _key(request, key), _Summary[None]())
    return to_response(reply)


@ROUTES.post("/sandbox/orders/{orderId}/reject", summary="Reject an order on hold")
async def reject_route(request: Request, order_id: OrderId, key: Key = None) -> Response:
    _check_admin(request)
    uow = request.app.state.uow
    ref = await provider_side.order_ref(uow, order_id, CLIENT_ID)
    reply = await provider_side.reject(uow, ref, await _key(request, key), _Summary[int]())
    return to_response(reply)


@ROUTES.post(
    "/sandbox/orders/{orderId}/payments",
    status_code=201,
    summary="Record a customer's payment of an invoice, whole or part",
    openapi_extra=json_body(wire.PaymentBody),
    responses={201: {"description": "The payment as recorded", "model": PaymentAnswer}},
)
async def payment_route(request: Request, order_id: OrderId, key: Key = None) -> Response:
    _check_admin(request)
    raw = await request.body()
    empty = wire.PaymentBody(ledgerId=None, amount=None)
    body = parse(wire.PaymentBody, raw) if raw.strip() else empty
    uow = request.app.state.uow
    ref = await provider_side.order_ref(uow, order_id, CLIENT_ID)
    request_ = PaymentRequest(body.ledgerId, body.amount)
    reply = await provider_side.pay(uow, ref, await _key(request, key), request_, _Paid())
    return to_response(reply)

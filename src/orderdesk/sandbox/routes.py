"""The sandbox API (``/sandbox/…``): merchants, stores, credentials and authorised orders.

Guarded by the admin token (``Authorization: Bearer <admin token>``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import Depends, Path, Request
from fastapi.responses import Response

from orderdesk.auth import credentials
from orderdesk.auth.attempts import ADMIN, FailedAttempts, caller
from orderdesk.auth.secrets import same_secret
from orderdesk.domain import payments
from orderdesk.domain.order import Order
from orderdesk.ops import faults
from orderdesk.providers.registry import PROVIDERS
from orderdesk.sandbox import wire
from orderdesk.sandbox.errors import RESPONSES, envelope
from orderdesk.service import sandbox
from orderdesk.store import merchants
from orderdesk.store.settings import StoreSettings
from orderdesk.web.answers import json_answer, to_response
from orderdesk.web.bodies import parse
from orderdesk.web.openapi import creates, json_body
from orderdesk.web.requests import require_json
from orderdesk.web.routes import RouteTable

NAME = "sandbox"
ROUTES = RouteTable(
    NAME, tags=["Sandbox"], dependencies=[Depends(require_json)], responses=RESPONSES
)


class AdminRequired(Exception):
    """The sandbox admin token is missing or wrong, or (``retry_after`` seconds) this address
    sent a wrong one too often to have another checked yet."""

    def __init__(self, retry_after: int | None = None) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _check_admin(request: Request) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        raise AdminRequired
    attempts: FailedAttempts = request.app.state.attempts
    who = caller(request, ADMIN)
    wait = attempts.retry_after(who)
    if wait is not None:
        raise AdminRequired(wait)
    expected: str = request.app.state.admin_token
    if not same_secret(token.strip(), expected):
        attempts.failed(who)
        raise AdminRequired


def order_summary(order: Order) -> dict[str, Any]:
    path = PROVIDERS[order.provider].order_path(order.id)
    return {
        "orderId": order.id,
        "sessionId": order.session_id,
        "provider": order.provider,
        "merchantId": order.merchant_id,
        "storeId": order.store_id,
        "currency": order.currency,
        "orderAmount": order.order_amount,
        "capturedAmount": order.captured_amount,
        "uncapturedAmount": order.remaining,
        "lineIds": [line.id for line in order.uncaptured.lines] if order.uncaptured else [],
        "expiresAt": order.expires_at.isoformat(),
        "closed": order.closed,
        "onHold": order.on_hold,
        "invoices": [
            {
                "ledgerId": chunk.ledger_id,
                "dueAmount": payments.due_on(order, chunk),
                "paidAmount": payments.paid_on(order)[chunk.ledger_id],
            }
            for chunk in payments.invoices(order)
        ],
        "path": path,
    }


@ROUTES.post(
    "/sandbox/merchants",
    status_code=201,
    openapi_extra=json_body(wire.MerchantBody),
    responses={
        201: creates({"description": "The merchant"}, merchantId="$response.body#/merchantId")
    },
)
async def create_merchant(request: Request) -> Response:
    _check_admin(request)
    body = parse(wire.MerchantBody, await request.body())
    merchant_id = await sandbox.create_merchant(request.app.state.pool, body.name)
    return to_response(json_answer({"merchantId": merchant_id, "name": body.name}, 201))


@ROUTES.post(
    "/sandbox/merchants/{merchantId}/stores",
    status_code=201,
    openapi_extra=json_body(wire.StoreBody),
    responses={201: creates({"description": "The store"}, storeId="$response.body#/storeId")},
)
async def create_store(
    request: Request, merchant_id: Annotated[str, Path(alias="merchantId")]
) -> Response:
    _check_admin(request)
    store = parse(wire.StoreBody, await request.body()).store(merchant_id)
    await sandbox.create_store(request.app.state.pool, PROVIDERS, store)
    return to_response(
        json_answer(
            {
                "storeId": store.id,
                "merchantId": store.merchant_id,
                "provider": store.provider,
                "country": store.country,
                "currency": store.currency,
                "segment": store.segment,
            },
            201,
        )
    )


@ROUTES.post(
    "/sandbox/merchants/{merchantId}/credentials",
    status_code=201,
    summary="Make an API credential (no body: one for all the merchant's stores)",
    openapi_extra=json_body(wire.CredentialBody, required=False),
)
async def create_credential(
    request: Request, merchant_id: Annotated[str, Path(alias="merchantId")]
) -> Response:
    _check_admin(request)
    raw = await request.body()
    body = parse(wire.CredentialBody, raw) if raw.strip() else wire.CredentialBody(storeIds=None)
    async with request.app.state.pool.acquire() as conn:
        made = await credentials.create_credential(conn, merchant_id, body.storeIds)
    answer = {
        "clientId": made.client_id,
        "clientSecret": made.client_secret,
        "merchantId": made.merchant_id,
        "storeIds": list(made.store_ids),
        "allStores": made.all_stores,
    }
    return to_response(json_answer(answer, 201))


@ROUTES.put(
    "/sandbox/stores/{storeId}/settings",
    summary="Set a store's credit check and eventual consistency",
    openapi_extra=json_body(wire.StoreSettingsBody),
)
async def store_settings(
    request: Request, store_id: Annotated[str, Path(alias="storeId")]
) -> Response:
    _check_admin(request)
    body = parse(wire.StoreSettingsBody, await request.body())
    settings = StoreSettings(
        credit_check=body.creditCheck,
        credit_check_seconds=body.creditCheckSeconds,
        manageable_after_seconds=body.manageableAfterSeconds,
        read_lag_seconds=body.readLagSeconds,
    )
    await sandbox.update_store_settings(request.app.state.pool, store_id, settings)
    return to_response(json_answer({"storeId": store_id, **body.model_dump()}))


@ROUTES.post(
    "/sandbox/orders",
    status_code=201,
    description="An authorised order in the store. A store whose provider has an order body "
    "of its own takes that one too, in place of `orderLines` and the totals (README: the "
    "provider's section).",
    openapi_extra=json_body(wire.OrderBody),
    responses={
        201: creates({"description": "The authorised order"}, orderId="$response.body#/orderId")
    },
)
async def create_order(request: Request) -> Response:
    _check_admin(request)
    body = await _order_body(request, await request.body())
    order, _ = await sandbox.create_order(
        request.app.state.uow,
        sandbox.NewOrder(
            store_id=body.storeId,
            lines=[line.command() for line in body.orderLines],
            total=body.totalOrderAmount,
            total_vat=body.totalOrderVatAmount,
            merchant_reference=body.merchantReference,
            customer=body.customer.model_dump(exclude_none=True),
            payment_method=body.paymentMethod,
            expires_at=body.expiresAt,
            acknowledged=body.acknowledged,
            on_hold=body.onHold,
        ),
    )
    return to_response(json_answer(order_summary(order), 201))


async def _order_body(request: Request, raw: bytes) -> wire.OrderBody:
    """The common body; or, without ``orderLines``, the store's provider's own order shape
    made common (``Provider.order_shape``)."""
    shape = await _own_shape(request, raw)
    return parse(wire.OrderBody, raw if shape is None else orjson.dumps(shape(raw)))


async def _own_shape(request: Request, raw: bytes) -> Callable[[bytes], dict[str, Any]] | None:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or "orderLines" in data:
        return None
    store_id = data.get("storeId")
    if not isinstance(store_id, str):
        return None
    async with request.app.state.pool.acquire() as conn:
        store = await merchants.get_store(conn, store_id)
    return None if store is None else PROVIDERS[store.provider].order_shape


@ROUTES.post("/sandbox/orders/{orderId}/close", summary="Close an order (as the provider would)")
async def close_order(
    request: Request, order_id: Annotated[str, Path(alias="orderId")]
) -> Response:
    _check_admin(request)
    order = await sandbox.close_order(request.app.state.uow, order_id)
    return to_response(json_answer(order_summary(order)))


@ROUTES.post(
    "/sandbox/stores/{storeId}/reset",
    summary="Delete a store's orders, their idempotency keys, its faults and checkout sessions",
)
async def reset_store(
    request: Request, store_id: Annotated[str, Path(alias="storeId")]
) -> Response:
    _check_admin(request)
    async with request.app.state.pool.acquire() as conn:
        if await merchants.get_store(conn, store_id) is None:
            return to_response(envelope(404, "STORE_NOT_FOUND", f"Store {store_id} was not found"))
        deleted = await merchants.reset_store(conn, store_id)
    return to_response(json_answer({"storeId": store_id, "deleted": deleted}))


def _split_route(request: Request, route: str | None) -> tuple[str | None, str | None]:
    """(method, path template) of a fault's route; ValueError when no such route exists."""
    if route is None:
        return None, None
    before, _, template = route.strip().rpartition(" ")
    method = before.strip().upper() or None
    for known in faults.routes(request.app):
        if getattr(known, "path", None) == template and (
            method is None or method in getattr(known, "methods", ())
        ):
            return method, template
    raise ValueError(route)


@ROUTES.post("/sandbox/faults", status_code=201, openapi_extra=json_body(wire.FaultBody))
async def add_fault(request: Request) -> Response:
    """Make the next ``count`` matching requests fail (see ``FaultBody``)."""
    _check_admin(request)
    body = parse(wire.FaultBody, await request.body())
    try:
        method, template = _split_route(request, body.route)
    except ValueError:
        return to_response(
            envelope(422, "UNKNOWN_ROUTE", f"No route {body.route!r}", field="route")
        )
    delay = body.delayMs
    if delay is None:
        delay = {"timeout": 30_000, "delay": 1_000}.get(body.action, 0)
    fault = faults.Fault(
        id=0,
        store_id=body.storeId,
        method=method,
        route=template,
        order_id=body.orderId,
        action=body.action,
        status=body.status if body.action == "error" else None,
        delay_ms=delay,
        phase=body.phase,
        remaining=body.count,
        applied=0,
    )
    async with request.app.state.pool.acquire() as conn:
        made = await faults.add(conn, fault)
    request.app.state.fault_flag.active = True
    return to_response(json_answer(made.view(), 201))


@ROUTES.get("/sandbox/faults", summary="The faults still waiting for requests")
async def list_faults(request: Request) -> Response:
    _check_admin(request)
    async with request.app.state.pool.acquire() as conn:
        waiting = await faults.active(conn)
    return to_response(json_answer({"faults": [fault.view() for fault in waiting]}))


@ROUTES.delete("/sandbox/faults", summary="Delete every fault")
async def clear_faults(request: Request) -> Response:
    _check_admin(request)
    async with request.app.state.pool.acquire() as conn:
        deleted = await faults.clear(conn)
    return to_response(json_answer({"deleted": deleted}))


def admin_required_answer(refused: AdminRequired) -> Response:
    if refused.retry_after is None:
        return to_response(
            envelope(401, "UNAUTHORIZED", "Send Authorization: Bearer <admin token>")
        )
    message = f"Too many wrong admin tokens from this address; retry in {refused.retry_after} s"
    response = to_response(envelope(429, "TOO_MANY_REQUESTS", message))
    response.headers["retry-after"] = str(refused.retry_after)
    return response

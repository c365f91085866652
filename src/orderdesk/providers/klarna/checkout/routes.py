"""Klarna Checkout v3: ``POST /checkout/v3/orders`` (``201`` + ``Location`` + the order),
``GET /checkout/v3/orders/{order_id}`` and ``POST /checkout/v3/orders/{order_id}`` (an update:
``200`` + the order), HTTP Basic as for order management.

A checkout order is a checkout session (``service/checkout.py``) whose id is the order id
Klarna promises at once: the purchase's order in order management has the same id. Refusals:
``400 BAD_VALUE`` (malformed, amounts that do not add up, a currency not the store's),
``403 READ_ONLY_ORDER`` (updating an order that is complete — or, orderdesk's own, locked
for the signing step, declined or abandoned), ``404`` with an empty body (no such order, or
one expired: what the WooCommerce plugin reads as "expired, make a new one").
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import Response

from orderdesk.auth.tokens import Principal
from orderdesk.domain import checkout as c
from orderdesk.domain.checkout import CheckoutSession
from orderdesk.domain.errors import DomainError, invalid
from orderdesk.providers.klarna import NAME
from orderdesk.providers.klarna.auth import principal
from orderdesk.providers.klarna.checkout import views, wire
from orderdesk.providers.klarna.errors import RESPONSES, envelope
from orderdesk.providers.klarna.wire import KlarnaAddressBody, _common_address
from orderdesk.service import checkout
from orderdesk.service.checkout import NewCheckout
from orderdesk.store import merchants
from orderdesk.web.answers import to_response
from orderdesk.web.openapi import json_body
from orderdesk.web.requests import require_json
from orderdesk.web.routes import RouteTable

ROUTES = RouteTable(
    NAME,
    tags=["Klarna Checkout"],
    dependencies=[Depends(require_json)],
    responses=RESPONSES,
)
READ_ONLY_ORDER = "READ_ONLY_ORDER"
#: The shop's prefilled addresses: the customer's, not the order's properties.
ADDRESSES = ("billing_address", "shipping_address")
#: "Checkout orders are only valid for 48 hours after merchant update or client interaction"
#: (docs.klarna.com, Errors).
LIFETIME = timedelta(hours=48)
OrderId = Annotated[str, Path(alias="order_id", description="The checkout order's id")]
ORDER: dict[int | str, dict[str, Any]] = {
    200: {"description": "The checkout order", "content": {"application/json": {}}},
    404: {"description": "No such order, or it expired (no body)"},
}


def _refused(err: DomainError) -> Response:
    """A session's refusal in Klarna's words."""
    if err.code in (c.CHECKOUT_NOT_FOUND, c.CHECKOUT_EXPIRED):
        return Response(status_code=404)
    if err.code in (c.CHECKOUT_COMPLETED, c.CHECKOUT_LOCKED, c.CHECKOUT_CLOSED):
        return to_response(envelope(403, READ_ONLY_ORDER, f"Resource is read-only: {err.message}"))
    raise err


async def _store(request: Request, caller: Principal) -> str:
    """The caller's Klarna store (the first by id when its credential names several)."""
    async with request.app.state.pool.acquire() as conn:
        for store_id in sorted(caller.store_ids):
            store = await merchants.get_store(conn, store_id)
            if store is not None and store.provider == NAME:
                return store.id
    raise invalid("This credential has no Klarna store")


def _customer(
    customer: dict[str, Any], data: dict[str, Any], prefill: dict[str, Any]
) -> dict[str, Any]:
    """The session's customer with the shop's prefilled addresses and the order's second
    reference (kept for order management)."""
    out = dict(customer)
    for name, key in (
        ("billing_address", "billingAddress"),
        ("shipping_address", "shippingAddress"),
    ):
        if name in prefill:
            out[key] = _common_address(KlarnaAddressBody.model_validate(prefill[name]))
    billing = prefill.get("billing_address") or {}
    for field, klarna in (
        ("firstName", "given_name"),
        ("lastName", "family_name"),
        ("email", "email"),
        ("phone", "phone"),
    ):
        if billing.get(klarna) is not None:
            out[field] = billing[klarna]
    if "merchant_reference2" in data:
        out["klarna"] = {
            **out.get("klarna", {}),
            "merchant_reference2": data["merchant_reference2"],
        }
    return out


def _entered(session: CheckoutSession) -> bool:
    """Whether the customer has entered anything in the checkout: from then on Klarna ignores
    the shop's addresses ("updates … will be ignored (without generating an error)")."""
    return any(event["type"] == "customerUpdated" for event in session.events)


def _urls(session_id: str, data: dict[str, Any]) -> dict[str, str]:
    """The merchant URLs, filled, under the roles the core names (the push is its
    ``notification``; Klarna's own fraud ``notification`` keeps a name of its own)."""
    roles = {"push": "notification", "notification": "fraud_notification"}
    return {
        roles.get(key, key): wire.filled(url, session_id)
        for key, url in data["merchant_urls"].items()
    }


def _apply(session: CheckoutSession, data: dict[str, Any], prefill: dict[str, Any]) -> None:
    session.data = {**session.data, "order": data}
    session.lines = [wire.line_body(line).command() for line in data["order_lines"]]
    session.reference = data.get("merchant_reference1", "")
    session.country = str(data["purchase_country"]).upper()
    session.urls = _urls(session.id, data)
    session.customer = _customer(session.customer, data, {} if _entered(session) else prefill)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _check_currency(data: dict[str, Any], currency: str) -> None:
    if str(data["purchase_currency"]).upper() != currency:
        raise wire.bad_value("purchase_currency")


async def _mine(request: Request, order_id: str) -> tuple[CheckoutSession, datetime]:
    caller = await principal(request)
    session, now = await checkout.load(request.app.state.pool, order_id)
    if session.provider != NAME or not caller.may_use(session.store_id):
        raise DomainError(c.CHECKOUT_NOT_FOUND, f"Checkout {order_id} was not found")
    if session.status_at(now) == "expired":
        raise DomainError(c.CHECKOUT_EXPIRED, f"Checkout {order_id} has expired")
    return session, now


@ROUTES.post(
    "/checkout/v3/orders",
    summary="Create a new checkout order",
    status_code=201,
    responses={
        201: {
            "description": "The new checkout order; Location: its path",
            "content": {"application/json": {}},
            "headers": {"Location": {"schema": {"type": "string"}}},
        }
    },
    openapi_extra=json_body(wire.CheckoutOrderBody),
)
async def create_order_route(request: Request) -> Response:
    caller = await principal(request)
    store_id = await _store(request, caller)
    raw = await request.body()
    data = wire.parse_create(raw)
    prefill: dict[str, Any] = {k: data[k] for k in ADDRESSES if k in data}
    data = {k: v for k, v in data.items() if k not in prefill}
    order_id = str(uuid.uuid4())
    async with request.app.state.pool.acquire() as conn:
        store = await merchants.get_store(conn, store_id)
    assert store is not None
    _check_currency(data, store.currency)
    scenario = await checkout.store_scenario(request.app.state.pool, store_id)
    session = await checkout.create(
        request.app.state.uow,
        NewCheckout(
            store_id=store_id,
            lines=[wire.line_body(line).command() for line in data["order_lines"]],
            customer=_customer({}, data, prefill),
            reference=data.get("merchant_reference1", ""),
            urls=_urls(order_id, data),
            data={"order": data, "base": _base(request)},
            session_id=order_id,
            order_id=order_id,
            country=str(data["purchase_country"]).upper(),
            currency=store.currency,
            scenario=replace(scenario, session_lifetime=LIFETIME),
        ),
    )
    return to_response(views.created(views.session_order(session)))


@ROUTES.get("/checkout/v3/orders/{order_id}", summary="Retrieve an order", responses=ORDER)
async def read_order_route(request: Request, order_id: OrderId) -> Response:
    try:
        session, _ = await _mine(request, order_id)
    except DomainError as err:
        return _refused(err)
    return to_response(views.read(views.session_order(session)))


@ROUTES.post(
    "/checkout/v3/orders/{order_id}",
    summary="Update an order",
    responses={**ORDER, 403: {"description": "READ_ONLY_ORDER: the order is complete"}},
    openapi_extra=json_body(wire.CheckoutUpdateBody),
)
async def update_order_route(request: Request, order_id: OrderId) -> Response:
    try:
        session, _ = await _mine(request, order_id)
    except DomainError as err:
        return _refused(err)
    update = wire.parse_update(await request.body())
    prefill: dict[str, Any] = {k: update.pop(k) for k in ADDRESSES if k in update}

    def change(session: CheckoutSession, now: datetime) -> None:
        data = wire.merged(session.data["order"], update)
        _check_currency(data, session.currency)
        _apply(session, data, prefill)
        session.expires_at = now + LIFETIME
        renewed = now + session.scenario.token_lifetime
        session.token_expires_at = max(session.token_expires_at, renewed)
        session.record("updated", now)

    try:
        updated = await checkout.update(request.app.state.pool, session.id, change)
    except DomainError as err:
        return _refused(err)
    return to_response(views.read(views.session_order(updated)))

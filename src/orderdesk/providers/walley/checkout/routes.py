"""Walley's checkout API (``/checkouts…``, the same host and bearer token as ``/manage``):
initialize, update (whole, cart, fees, metadata), set the reference, get the information.

Each route authenticates, reads the body (``wire.py``), calls the core's session use cases
(``service/checkout.py``) and answers in Walley's ``{"id", "data", "error": null}``; a
refusal is Walley's (``errors.py``: 400, 403, 404, 423, 900).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request
from fastapi.responses import Response

from orderdesk.auth.bearer import authenticate
from orderdesk.auth.tokens import Principal
from orderdesk.domain import checkout as c
from orderdesk.domain.checkout import CheckoutSession
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.money import exponent
from orderdesk.domain.order import Order
from orderdesk.providers.walley import NAME
from orderdesk.providers.walley.checkout import views, wire
from orderdesk.providers.walley.checkout.dialect import ROLES
from orderdesk.providers.walley.checkout.errors import RESPONSES, refusal
from orderdesk.providers.walley.checkout.responses import CheckoutAnswer, CreatedAnswer, Done
from orderdesk.service import checkout
from orderdesk.service.unit_of_work import IdempotencyKey, OrderRef, UnitOfWork
from orderdesk.web.answers import Reply, json_answer, to_response
from orderdesk.web.openapi import json_body
from orderdesk.web.requests import idempotency_header, require_json
from orderdesk.web.routes import RouteTable

ROUTES = RouteTable(
    NAME,
    tags=["Walley Checkout"],
    dependencies=[Depends(require_json)],
    responses=RESPONSES,
    response_class=Response,
)

PrivateId = Annotated[str, Path(alias="privateId", description="The checkout's private id")]
REFERENCE_UPDATED = "Reference_Already_Updated"
ORDER_CAPTURED = "Order_Already_Activated"


def _checked_key(request: Request) -> None:
    """``X-Idempotency``, as every Walley write documents it: a key of 1 to 255 characters.
    The checkout's writes are not replayed by it (Walley documents no key for them; an update
    replaces what it names, so sending it again is harmless), but a malformed key is a 400."""
    header = idempotency_header(request, "x-idempotency")
    IdempotencyKey.from_request(header, request.method, request.url.path, b"")


async def answered(work: Callable[[], Awaitable[Reply]], request: Request) -> Response:
    """The reply of ``work``, or its refusal in Walley's checkout envelope."""
    try:
        if request.method != "GET":
            _checked_key(request)
        reply = await work()
    except DomainError as err:
        reply = refusal(err)
    return to_response(reply)


def _forbidden(store_id: str) -> DomainError:
    return DomainError(
        "Forbidden", f"Store {store_id} is not one of this client's", Kind.FORBIDDEN, "storeId"
    )


async def _session(
    request: Request, principal: Principal, private_id: str
) -> tuple[CheckoutSession, datetime]:
    """The caller's Walley session (another's, or another provider's, is not found)."""
    session, now = await checkout.load(request.app.state.pool, private_id)
    if session.provider != NAME or not principal.may_use(session.store_id):
        raise DomainError(
            c.CHECKOUT_NOT_FOUND, f"Checkout {private_id} was not found", Kind.NOT_FOUND
        )
    return session, now


def _fees(session: CheckoutSession, fees: dict[str, wire.Priced]) -> None:
    basket = wire.Basket((), fees)
    session.fees = basket.lines(exponent(session.currency))
    session.data[views.FEE_NAMES] = list(fees)


@ROUTES.post(
    "/checkouts",
    summary="Initialize a checkout session",
    responses={200: {"description": "privateId, publicToken, expiresAt", "model": CreatedAnswer}},
    openapi_extra=json_body(wire.InitializeSchema, keyed=False),
)
async def initialize_route(request: Request) -> Response:
    async def work() -> Reply:
        principal = authenticate(request, NAME)
        new = wire.initialize_body(await request.body())
        if not principal.may_use(new.store_id):
            raise _forbidden(new.store_id)
        store_currency = await request.app.state.pool.fetchval(
            "SELECT currency FROM stores WHERE id = $1", new.store_id
        )
        exp = exponent(store_currency)
        prefill = new.prefill or {}
        session = await checkout.create(
            request.app.state.uow,
            checkout.NewCheckout(
                store_id=new.store_id,
                lines=new.basket.lines(exp)[: len(new.basket.items)],
                fees=new.basket.lines(exp)[len(new.basket.items) :],
                customer={
                    key: value
                    for key, value in (
                        ("email", prefill.get("email")),
                        ("phone", prefill.get("mobilePhoneNumber")),
                        ("nationalId", prefill.get("nationalIdentificationNumber")),
                    )
                    if value
                },
                reference=new.reference or "",
                urls={ROLES[name]: url for name, url in new.urls.items()},
                metadata=new.metadata or {},
                data={views.FEE_NAMES: list(new.basket.fees), "profileName": new.profile},
                token=f"public-{new.country}-{secrets.token_hex(24)}",
                country=new.country,
            ),
        )
        return json_answer(views.created(session))

    return await answered(work, request)


async def _update(
    request: Request,
    principal: Principal,
    private_id: str,
    change: Callable[[CheckoutSession, datetime], None],
) -> Reply:
    await _session(request, principal, private_id)
    await checkout.update(request.app.state.pool, private_id, change)
    done: Done = views.done()
    return json_answer(done)


UPDATED = {200: {"description": "Updated: no data, no error", "model": Done}}


async def _update_checkout(request: Request, private_id: str) -> Response:
    async def work() -> Reply:
        principal = authenticate(request, NAME)
        update = wire.update_body(await request.body())

        def change(session: CheckoutSession, now: datetime) -> None:
            exp = exponent(session.currency)
            session.lines = update.basket.lines(exp)[: len(update.basket.items)]
            _fees(session, update.basket.fees)
            if update.metadata is not None:
                session.metadata = update.metadata
            session.record("updated", now)

        return await _update(request, principal, private_id, change)

    return await answered(work, request)


@ROUTES.put(
    "/checkouts/{privateId}",
    summary="Update the cart, fees and metadata at once",
    responses=UPDATED,
    openapi_extra=json_body(wire.UpdateSchema, keyed=False),
)
async def update_route(request: Request, private_id: PrivateId) -> Response:
    return await _update_checkout(request, private_id)


@ROUTES.put("/checkouts/{privateId}/", include_in_schema=False)
async def update_slash_route(request: Request, private_id: PrivateId) -> Response:
    """The WooCommerce plugin's update, with a trailing slash."""
    return await _update_checkout(request, private_id)


@ROUTES.put(
    "/checkouts/{privateId}/cart",
    summary="Update the cart",
    responses=UPDATED,
    openapi_extra=json_body(wire.CartSchema, keyed=False),
)
async def cart_route(request: Request, private_id: PrivateId) -> Response:
    return await _update_part(request, private_id, wire.cart_body, _set_cart, "cartUpdated")


@ROUTES.put(
    "/checkouts/{privateId}/fees",
    summary="Update the fees",
    responses=UPDATED,
    openapi_extra=json_body(wire.FeesSchema, keyed=False),
)
async def fees_route(request: Request, private_id: PrivateId) -> Response:
    return await _update_part(request, private_id, wire.fees_body, _fees, "feesUpdated")


@ROUTES.put(
    "/checkouts/{privateId}/metadata",
    summary="Update the metadata",
    responses=UPDATED,
    openapi_extra=json_body(wire.MetadataSchema, keyed=False),
)
async def metadata_route(request: Request, private_id: PrivateId) -> Response:
    return await _update_part(
        request, private_id, wire.metadata_body, _set_metadata, "metadataUpdated"
    )


T = TypeVar("T")


def _set_cart(session: CheckoutSession, items: tuple[wire.Priced, ...]) -> None:
    session.lines = wire.Basket(items, {}).lines(exponent(session.currency))


def _set_metadata(session: CheckoutSession, metadata: dict[str, Any]) -> None:
    session.metadata = metadata


async def _update_part(
    request: Request,
    private_id: str,
    parse: Callable[[bytes], T],
    apply: Callable[[CheckoutSession, T], None],
    event: str,
) -> Response:
    """One part of the session (cart, fees, metadata) replaced by the body's, recorded as
    ``event``."""

    async def work() -> Reply:
        principal = authenticate(request, NAME)
        value = parse(await request.body())

        def change(session: CheckoutSession, now: datetime) -> None:
            apply(session, value)
            session.record(event, now)

        return await _update(request, principal, private_id, change)

    return await answered(work, request)


class _ReferenceSet:
    """The presenter of the reference's change on the order: Walley's empty success."""

    def present(self, order: Order, seq: int, result: None) -> Reply:
        done: Done = views.done()
        return json_answer(done)

    def refuse(self, error: DomainError) -> Reply:
        return refusal(error)


@ROUTES.put(
    "/checkouts/{privateId}/reference",
    summary="Set the order's reference (before the purchase, or once after it until captured)",
    responses=UPDATED,
    openapi_extra=json_body(wire.ReferenceSchema, keyed=False),
)
async def reference_route(request: Request, private_id: PrivateId) -> Response:
    async def work() -> Reply:
        principal = authenticate(request, NAME)
        reference = wire.reference_body(await request.body())
        session, now = await _session(request, principal, private_id)
        if session.order_id is None or session.status_at(now) in ("open", "locked"):

            def change(s: CheckoutSession, at: datetime) -> None:
                s.reference = reference
                s.record("referenceUpdated", at, reference=reference)

            return await _update(request, principal, private_id, change)

        def once(order: Order, at: datetime) -> None:
            if order.captured:
                raise DomainError(ORDER_CAPTURED, "The order is captured: too late to set it")
            if order.merchant_reference != session.reference:
                raise DomainError(REFERENCE_UPDATED, "The reference was set after the purchase")
            order.set_merchant_reference(reference, at)

        ref = OrderRef(principal, session.order_id, NAME)
        reply: Reply = await request.app.state.uow.change(ref, None, once, _ReferenceSet())
        return reply

    return await answered(work, request)


@ROUTES.get(
    "/checkouts/{privateId}",
    summary="Get checkout information",
    responses={200: {"description": "The session as Walley shows it", "model": CheckoutAnswer}},
)
async def information_route(request: Request, private_id: PrivateId) -> Response:
    async def work() -> Reply:
        principal = authenticate(request, NAME)
        session, now = await _session(request, principal, private_id)
        if session.status_at(now) == "expired":
            raise DomainError(c.CHECKOUT_EXPIRED, f"Checkout {private_id} has expired")
        order = None
        if session.order_id is not None and session.status != "open":
            order = await _order(request.app.state.uow, session.order_id)
        return json_answer(views.information(session, order, now))

    return await answered(work, request)


async def _order(uow: UnitOfWork, order_id: str) -> Order | None:
    async with uow.pool.acquire() as conn:
        found = await uow.rows.get(conn, order_id)
    return None if found is None else found.order

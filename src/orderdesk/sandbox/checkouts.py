"""Sandbox API for checkout sessions (admin token): what a test needs that does not drive a
browser or the provider's own checkout API.

- ``POST /sandbox/checkouts``: a session in a store, with a scenario (default: the store's);
- ``GET /sandbox/checkouts/{checkoutId}``: the session, its status on the store's clock and
  the callbacks it queued (deliveries: every attempt);
- ``POST /sandbox/checkouts/{checkoutId}/pay``: pay as a persona, as the hosted checkout's
  pay does (the shop's validation hook first);
- ``GET/PUT /sandbox/stores/{storeId}/checkout-scenario``: the store's default scenario.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import Response

from orderdesk.domain.checkout import CheckoutSession, Persona, Scenario
from orderdesk.sandbox import wire
from orderdesk.sandbox.errors import RESPONSES
from orderdesk.sandbox.routes import NAME, _check_admin
from orderdesk.service import checkout
from orderdesk.store import outbox
from orderdesk.store.checkouts import line_doc
from orderdesk.web.answers import json_answer, to_response
from orderdesk.web.bodies import parse
from orderdesk.web.openapi import creates, json_body
from orderdesk.web.requests import require_json
from orderdesk.web.routes import RouteTable

ROUTES = RouteTable(
    NAME,
    tags=["Sandbox: checkouts"],
    dependencies=[Depends(require_json)],
    responses=RESPONSES,
)

CheckoutId = Annotated[str, Path(alias="checkoutId", max_length=100)]
StoreId = Annotated[str, Path(alias="storeId", max_length=40)]
#: Where the hosted checkout's iframe page of a session is (``checkout/routes.py``).
FRAME_PATH = "/orderdesk-checkout/"


def _scenario(body: wire.ScenarioBody) -> Scenario:
    return Scenario(
        callbacks=body.callbacks,
        callback_delay=timedelta(seconds=body.callbackDelaySeconds),
        redirect=body.redirect,
        validation=body.validation,
        token_lifetime=timedelta(seconds=body.tokenLifetimeSeconds),
        session_lifetime=timedelta(seconds=body.sessionLifetimeSeconds),
    )


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def checkout_view(session: CheckoutSession, now: datetime) -> dict[str, Any]:
    """A session as the sandbox API shows it, at its store's ``now``."""
    return {
        "checkoutId": session.id,
        "provider": session.provider,
        "storeId": session.store_id,
        "token": session.token,
        "status": session.status_at(now),
        "currency": session.currency,
        "country": session.country,
        "orderLines": [line_doc(x) for x in session.lines],
        "fees": [line_doc(x) for x in session.fees],
        "totalAmount": session.total,
        "totalVatAmount": session.total_vat,
        "merchantReference": session.reference,
        "customer": session.customer,
        "urls": session.urls,
        "metadata": session.metadata,
        "data": session.data,
        "scenario": session.scenario.doc(),
        "orderId": session.order_id,
        "persona": None if session.persona is None else str(session.persona),
        "version": session.version,
        "createdAt": session.created_at.isoformat(),
        "updatedAt": session.updated_at.isoformat(),
        "expiresAt": session.expires_at.isoformat(),
        "tokenExpiresAt": session.token_expires_at.isoformat(),
        "completedAt": _iso(session.completed_at),
        "checkoutUrl": FRAME_PATH + session.token,
        "events": session.events,
    }


async def _with_callbacks(
    request: Request, session: CheckoutSession, now: datetime
) -> dict[str, Any]:
    async with request.app.state.pool.acquire() as conn:
        callbacks = await outbox.checkout_deliveries(conn, session.id)
    return {**checkout_view(session, now), "callbacks": callbacks}


@ROUTES.post(
    "/sandbox/checkouts",
    status_code=201,
    summary="Make a checkout session in a store (as the shop's server would, with a scenario)",
    openapi_extra=json_body(wire.CheckoutBody),
    responses={
        201: creates({"description": "The session"}, checkoutId="$response.body#/checkoutId")
    },
)
async def create_checkout(request: Request) -> Response:
    _check_admin(request)
    body = parse(wire.CheckoutBody, await request.body())
    session = await checkout.create(
        request.app.state.uow,
        checkout.NewCheckout(
            store_id=body.storeId,
            lines=[x.command() for x in body.orderLines],
            fees=[x.command() for x in body.fees],
            customer=body.customer.model_dump(exclude_none=True),
            reference=body.merchantReference,
            urls=body.urls.model_dump(exclude_none=True),
            metadata=body.metadata,
            scenario=None if body.scenario is None else _scenario(body.scenario),
        ),
    )
    return to_response(
        json_answer(await _with_callbacks(request, session, session.created_at), 201)
    )


@ROUTES.get(
    "/sandbox/checkouts/{checkoutId}",
    summary="A checkout session: its status on the store's clock, its order, its callbacks",
)
async def get_checkout(request: Request, checkout_id: CheckoutId) -> Response:
    _check_admin(request)
    session, now = await checkout.load(request.app.state.pool, checkout_id)
    return to_response(json_answer(await _with_callbacks(request, session, now)))


@ROUTES.post(
    "/sandbox/checkouts/{checkoutId}/pay",
    summary="Pay a checkout session headlessly as a persona",
    description="As the hosted checkout's pay: the shop's validation hook (unless the "
    "scenario skips it), then the session completed in one transaction — the order made "
    "(approve, signing: authorised; onHold: on hold), the callbacks queued — or ended "
    "(decline, abandon). Paying a completed session again gives the same order. Answers "
    "the session with `redirectUrl` (where the top window would go; null: nowhere) and "
    "`validation` (the hook's verdict; null: not called).",
    openapi_extra=json_body(wire.PayBody, required=False),
)
async def pay_checkout(request: Request, checkout_id: CheckoutId) -> Response:
    _check_admin(request)
    raw = await request.body()
    body = parse(wire.PayBody, raw) if raw.strip() else wire.PayBody()
    done = await checkout.pay(request.app.state.uow, checkout_id, Persona(body.persona))
    _, now = await checkout.load(request.app.state.pool, checkout_id)
    verdict = done.verdict
    answer = {
        **await _with_callbacks(request, done.session, now),
        "redirectUrl": done.redirect_url,
        "validation": None
        if verdict is None
        else {"accepted": verdict.accepted, "message": verdict.message},
    }
    return to_response(json_answer(answer))


@ROUTES.get(
    "/sandbox/stores/{storeId}/checkout-scenario",
    summary="The store's default checkout scenario",
)
async def get_scenario(request: Request, store_id: StoreId) -> Response:
    _check_admin(request)
    found = await checkout.store_scenario(request.app.state.pool, store_id)
    return to_response(json_answer({"storeId": store_id, **found.doc()}))


@ROUTES.put(
    "/sandbox/stores/{storeId}/checkout-scenario",
    summary="Set the store's default checkout scenario (for sessions made from now on)",
    openapi_extra=json_body(wire.ScenarioBody),
)
async def set_scenario(request: Request, store_id: StoreId) -> Response:
    _check_admin(request)
    body = parse(wire.ScenarioBody, await request.body())
    found = await checkout.set_store_scenario(request.app.state.pool, store_id, _scenario(body))
    return to_response(json_answer({"storeId": store_id, **found.doc()}))

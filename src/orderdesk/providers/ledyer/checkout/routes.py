"""Ledyer Checkout's order sessions: ``POST /v1/sessions``, ``POST /v1/sessions/{orderId}``,
``GET /v1/sessions/{orderId}`` — with the order-management token, in Ledyer's envelope. The
path takes the session's ``orderId`` (as Ledyer's WooCommerce and Magento plugins send it) or
its ``sessionId`` (as the docs write it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.responses import Response

from orderdesk.auth.bearer import authenticate
from orderdesk.providers.ledyer import NAME
from orderdesk.providers.ledyer.checkout import sessions
from orderdesk.providers.ledyer.checkout.views import (
    SessionCreated,
    SessionView,
    created_view,
    session_view,
)
from orderdesk.providers.ledyer.checkout.wire import CreateSessionBody, UpdateSessionBody
from orderdesk.providers.ledyer.errors import RESPONSES
from orderdesk.web.answers import json_answer, to_response
from orderdesk.web.bodies import parse
from orderdesk.web.openapi import creates, json_body
from orderdesk.web.requests import require_json
from orderdesk.web.routes import RouteTable

ROUTES = RouteTable(
    NAME,
    tags=["Ledyer Checkout"],
    dependencies=[Depends(require_json)],
    responses={**RESPONSES, 409: {**RESPONSES[409], "description": "The session is authorised,"
               " declined or expired: it takes no more changes"}},
)  # fmt: skip

SessionName = Annotated[
    str,
    Path(alias="orderId", description="The session's orderId (or_…) or its sessionId (se_…)"),
]
CREATED = {
    200: creates(
        {"description": "The session's ids", "model": SessionCreated},
        orderId="$response.body#/orderId",
    )
}


@ROUTES.post(
    "/v1/sessions",
    summary="Create order session",
    responses=CREATED,
    openapi_extra=json_body(CreateSessionBody),
)
async def create_session_route(request: Request) -> Response:
    principal = authenticate(request, NAME)
    body = parse(CreateSessionBody, await request.body())
    session = await sessions.create(request.app.state.uow, principal, body)
    return to_response(json_answer(created_view(session)))


@ROUTES.post(
    "/v1/sessions/{orderId}",
    summary="Update order session (new orderLines replace them all)",
    responses={200: {"description": "The same ids", "model": SessionCreated}},
    openapi_extra=json_body(UpdateSessionBody),
)
async def update_session_route(request: Request, order_id: SessionName) -> Response:
    principal = authenticate(request, NAME)
    body = parse(UpdateSessionBody, await request.body())
    session = await sessions.update(request.app.state.uow, principal, order_id, body)
    return to_response(json_answer(created_view(session)))


@ROUTES.get(
    "/v1/sessions/{orderId}",
    summary="Get order session",
    responses={200: {"description": "The session", "model": SessionView}},
)
async def get_session_route(request: Request, order_id: SessionName) -> Response:
    principal = authenticate(request, NAME)
    session, now = await sessions.find(request.app.state.pool, principal, order_id)
    return to_response(json_answer(session_view(session, principal.merchant_id, now)))


#: What the loader needs to know of its session that the hosted checkout does not tell it
#: (not part of Ledyer's API: not in the OpenAPI document).
LOADER_ROUTES = RouteTable(NAME, include_in_schema=False)


@LOADER_ROUTES.get("/bootstrap/sessions/{token}")
async def loader_settings_route(request: Request, token: str) -> Response:
    """``{"requireClientValidation", "lostRedirect"}`` of the session whose ``sessionId`` is
    ``token`` (nothing secret: the page embedding the loader knows the session), readable
    by the shop's page from its own origin."""
    found = await sessions.loader_settings(request.app.state.pool, token)
    cors = {"access-control-allow-origin": "*"}
    if found is None:
        return to_response(json_answer({"error": "No such session"}, 404, cors))
    return to_response(json_answer(found, 200, cors))

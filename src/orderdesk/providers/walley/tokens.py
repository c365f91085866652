"""Walley's token endpoint, ``POST /oauth2/v2.0/token``: client id and secret in the form;
an opaque bearer token valid 3,599 seconds."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from typing_extensions import TypedDict

from orderdesk.auth import oauth
from orderdesk.auth.tokens import TokenForm, TokenScheme
from orderdesk.providers.walley import NAME
from orderdesk.web.routes import RouteTable

SCHEME = TokenScheme(TokenForm.OPAQUE, ttl=3599)

ROUTES = RouteTable(NAME, tags=["Tokens"])


class WalleyToken(TypedDict):
    token_type: str
    expires_in: int
    ext_expires_in: int
    access_token: str


@ROUTES.post(
    "/oauth2/v2.0/token",
    summary="Walley: get an access token",
    openapi_extra=oauth.form("grant_type", "client_id", "client_secret", credentials=True),
    responses={**oauth.responses(WalleyToken), **oauth.TOO_MANY_FAILURES},
)
@ROUTES.post("/oauth2/v2.0/token/", include_in_schema=False)
async def token_route(request: Request) -> Response:
    form = await oauth.form_fields(request)
    refused = oauth.grant_refused(form.get("grant_type"))
    if refused is not None:
        return refused
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if not client_id or not secret:
        return oauth.oauth_error(400, "invalid_request", "client_id and client_secret are required")
    principal = await oauth.client_principal(request, client_id, secret, NAME)
    if isinstance(principal, Response):
        return principal
    body: WalleyToken = {
        "token_type": "Bearer",
        "expires_in": SCHEME.ttl,
        "ext_expires_in": SCHEME.ttl,
        "access_token": oauth.issue(request, principal, SCHEME),
    }
    return oauth.token_answer(body)

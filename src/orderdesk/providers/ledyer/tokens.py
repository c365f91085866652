"""Ledyer's token endpoint, ``POST /oauth/token``: client id and secret as HTTP Basic, the
grant type in the form or the query; a PASETO ``v4.public`` token valid an hour."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from typing_extensions import TypedDict

from orderdesk.auth import oauth
from orderdesk.auth.tokens import TokenForm, TokenScheme
from orderdesk.providers.ledyer import NAME
from orderdesk.web.routes import RouteTable

SCHEME = TokenScheme(TokenForm.PASETO, ttl=3600, claims=(("iss", "orderdesk"), ("scope", "write")))

ROUTES = RouteTable(NAME, tags=["Tokens"])


class LedyerToken(TypedDict):
    access_token: str
    expires_in: int
    scope: str
    token_type: str


@ROUTES.post(
    "/oauth/token",
    summary="Ledyer: get an access token",
    description="The client id and secret go in `Authorization: Basic`, `grant_type` in the"
    " form (as Ledyer documents it; the query's `grant_type` with no form, as some clients send"
    " it, is taken too).",
    openapi_extra=oauth.form("grant_type", credentials=False),
    responses={**oauth.responses(LedyerToken), **oauth.TOO_MANY_FAILURES},
)
async def token_route(request: Request) -> Response:
    form = await oauth.form_fields(request)
    grant_type = form.get("grant_type") or request.query_params.get("grant_type")
    refused = oauth.grant_refused(grant_type)
    if refused is not None:
        return refused
    credentials = oauth.basic_credentials(request.headers.get("authorization", ""))
    if credentials is None:
        return oauth.oauth_error(
            401, "invalid_client", "Send Authorization: Basic base64(client_id:client_secret)"
        )
    principal = await oauth.client_principal(request, *credentials, NAME)
    if isinstance(principal, Response):
        return principal
    body: LedyerToken = {
        "access_token": oauth.issue(request, principal, SCHEME),
        "expires_in": SCHEME.ttl,
        "scope": "write",
        "token_type": "Bearer",
    }
    return oauth.token_answer(body)

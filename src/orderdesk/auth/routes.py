"""Token endpoints, shaped like each provider's (OAuth 2 client credentials)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from orderdesk.auth.secrets import secret_matches
from orderdesk.auth.tokens import LEDYER_TTL, WALLEY_TTL, Principal, TokenService
from orderdesk.store import merchants
from orderdesk.web.answers import json_answer, to_response

router = APIRouter(tags=["Tokens"])

_FORM = {
    "application/x-www-form-urlencoded": {
        "schema": {
            "type": "object",
            "properties": {
                "client_id": {"type": "string"},
                "client_secret": {"type": "string"},
                "grant_type": {"type": "string", "enum": ["client_credentials"]},
                "scope": {"type": "string"},
            },
        }
    }
}


def _oauth_error(status: int, error: str, description: str) -> Response:
    headers = {"cache-control": "no-store"}
    if status == 401:
        headers["www-authenticate"] = 'Basic realm="orderdesk"'
    body = {"error": error, "error_description": description}
    return to_response(json_answer(body, status, headers))


async def _form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return {}
    try:
        form = await request.form()
    except Exception:  # a malformed form body is the client's error, not ours
        return {}
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def _principal(
    request: Request, client_id: str, secret: str, dialect: str
) -> Principal | None:
    if "\x00" in client_id:  # PostgreSQL text cannot hold NUL, so no client id has one
        return None
    async with request.app.state.pool.acquire() as conn:
        credential = await merchants.get_credential(conn, client_id)
    if credential is None or not secret_matches(secret, credential.secret_hash):
        return None
    return Principal(
        credential.client_id, credential.merchant_id, frozenset(credential.store_ids), dialect
    )


def _tokens(request: Request) -> TokenService:
    tokens: TokenService = request.app.state.tokens
    return tokens


@router.post(
    "/oauth2/v2.0/token",
    summary="Walley: get an access token",
    openapi_extra={"requestBody": {"content": _FORM}},
)
@router.post("/oauth2/v2.0/token/", include_in_schema=False)
async def walley_token(request: Request) -> Response:
    form = await _form(request)
    if form.get("grant_type") is None:
        return _oauth_error(400, "invalid_request", "grant_type is required")
    if form["grant_type"] != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported")
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if not client_id or not secret:
        return _oauth_error(400, "invalid_request", "client_id and client_secret are required")
    principal = await _principal(request, client_id, secret, "walley")
    if principal is None:
        return _oauth_error(401, "invalid_client", "The client id or secret is wrong")
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_in": WALLEY_TTL,
        "ext_expires_in": WALLEY_TTL,
        "access_token": _tokens(request).issue(principal, WALLEY_TTL),
    }
    return to_response(json_answer(body, 200, {"cache-control": "no-store"}))


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep and client_id and secret else None


@router.post(
    "/oauth/token",
    summary="Ledyer: get an access token",
    openapi_extra={"requestBody": {"content": _FORM}},
)
async def ledyer_token(request: Request) -> Response:
    form = await _form(request)
    grant_type = form.get("grant_type") or request.query_params.get("grant_type")
    if grant_type is None:
        return _oauth_error(400, "invalid_request", "grant_type is required")
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported")
    credentials = _basic(request.headers.get("authorization", ""))
    if credentials is None:
        return _oauth_error(
            401, "invalid_client", "Send Authorization: Basic base64(client_id:client_secret)"
        )
    principal = await _principal(request, *credentials, "ledyer")
    if principal is None:
        return _oauth_error(401, "invalid_client", "The client id or secret is wrong")
    body = {
        "access_token": _tokens(request).issue(principal, LEDYER_TTL),
        "expires_in": LEDYER_TTL,
        "scope": "write",
        "token_type": "Bearer",
    }
    return to_response(json_answer(body, 200, {"cache-control": "no-store"}))

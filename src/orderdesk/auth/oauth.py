"""What every provider's token endpoint shares (OAuth 2 client credentials): the form, HTTP
Basic credentials, the credential's check and the OAuth error answer."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from typing_extensions import TypedDict

from orderdesk.auth.attempts import RETRY_AFTER, FailedAttempts, caller
from orderdesk.auth.secrets import secret_matches
from orderdesk.auth.tokens import Principal, TokenScheme, TokenService
from orderdesk.store import merchants
from orderdesk.web.answers import json_answer, to_response

#: The bodies a token endpoint reads (a provider's PHP SDK posts multipart).
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


class OAuthError(TypedDict):
    """Every refusal of a token endpoint (RFC 6749 §5.2)."""

    error: str
    error_description: str


def form(*required: str, credentials: bool) -> dict[str, Any]:
    """A token endpoint's ``openapi_extra``: its form (with the client id and secret when
    ``credentials``), and the fields it cannot do without (one missing is a 400)."""
    text = {"type": "string", "minLength": 1}
    properties: dict[str, Any] = {"client_id": text, "client_secret": text} if credentials else {}
    properties["grant_type"] = {"type": "string", "enum": ["client_credentials"]}
    properties["scope"] = {"type": "string"}
    schema = {"type": "object", "properties": properties, "required": list(required)}
    content = {kind: {"schema": schema} for kind in FORMS}
    return {"requestBody": {"required": True, "content": content}}


def responses(answer: type) -> dict[int | str, dict[str, Any]]:
    """A token endpoint's answers: the token (``answer``), or an OAuth error."""
    return {
        200: {"model": answer, "description": "The access token"},
        400: {
            "model": OAuthError,
            "description": "invalid_request (a field missing, or no form at all) or "
            "unsupported_grant_type",
        },
        401: {"model": OAuthError, "description": "invalid_client: the id or secret is wrong"},
    }


#: The token endpoints' 429, for the OpenAPI document.
TOO_MANY_FAILURES: dict[int | str, dict[str, Any]] = {
    429: {
        "model": OAuthError,
        "description": "This address failed too often for this client id; retry later",
        "headers": RETRY_AFTER,
    }
}


def oauth_error(
    status: int, error: str, description: str, retry_after: int | None = None
) -> Response:
    headers = {"cache-control": "no-store"}
    if status == 401:
        headers["www-authenticate"] = 'Basic realm="orderdesk"'
    if retry_after is not None:
        headers["retry-after"] = str(retry_after)
    body: OAuthError = {"error": error, "error_description": description}
    return to_response(json_answer(body, status, headers))


async def form_fields(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(FORMS):
        return {}
    try:
        form = await request.form()
    except Exception:  # a malformed form body is the client's error, not ours
        return {}
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def client_principal(
    request: Request, client_id: str, secret: str, dialect: str
) -> Principal | Response:
    """The credential's principal, or the answer refusing it: 401 for a wrong client id or
    secret; 429 once this address has failed too often for this client id (the secret is
    then not checked at all)."""
    attempts: FailedAttempts = request.app.state.attempts
    who = caller(request, client_id)
    wait = attempts.retry_after(who)
    if wait is not None:
        message = f"Too many failed attempts for this client; retry in {wait} s"
        return oauth_error(429, "temporarily_unavailable", message, retry_after=wait)
    principal = await credential_principal(request, client_id, secret, dialect)
    if principal is None:
        attempts.failed(who)
        return oauth_error(401, "invalid_client", "The client id or secret is wrong")
    return principal


async def credential_principal(
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


def issue(request: Request, principal: Principal, scheme: TokenScheme) -> str:
    """A token for ``principal`` in the provider's ``scheme``."""
    tokens: TokenService = request.app.state.tokens
    return tokens.issue(principal, scheme)


def token_answer(body: Mapping[str, object]) -> Response:
    return to_response(json_answer(body, 200, {"cache-control": "no-store"}))


def basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep and client_id and secret else None


def grant_refused(grant_type: str | None) -> Response | None:
    """The answer to a request for any grant but client credentials, or None."""
    if grant_type is None:
        return oauth_error(400, "invalid_request", "grant_type is required")
    if grant_type != "client_credentials":
        return oauth_error(400, "unsupported_grant_type", "Only client_credentials is supported")
    return None

"""Klarna's authentication: HTTP Basic on every request (a credential's client id and
secret), no tokens."""

from __future__ import annotations

from fastapi import Request

from orderdesk.auth import oauth
from orderdesk.auth.tokens import Principal, TokenError
from orderdesk.providers.klarna import NAME


async def principal(request: Request) -> Principal:
    """The caller, from ``Authorization: Basic base64(client_id:secret)``; 401 otherwise."""
    credentials = oauth.basic_credentials(request.headers.get("authorization", ""))
    if credentials is None:
        raise TokenError("Send Authorization: Basic base64(username:password)")
    found = await oauth.credential_principal(request, *credentials, NAME)
    if found is None:
        raise TokenError("The username or password is wrong")
    return found

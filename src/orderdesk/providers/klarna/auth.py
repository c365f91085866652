"""Klarna's authentication: HTTP Basic on every request (a credential's client id and
secret), no tokens. Wrong secrets count against the caller as at the token endpoints
(``auth/attempts.py``), answered ``429`` in Klarna's envelope once too many."""

from __future__ import annotations

from fastapi import HTTPException, Request

from orderdesk.auth import oauth
from orderdesk.auth.attempts import FailedAttempts, caller
from orderdesk.auth.tokens import Principal, TokenError
from orderdesk.providers.klarna import NAME


async def principal(request: Request) -> Principal:
    """The caller, from ``Authorization: Basic base64(client_id:secret)``; 401 otherwise."""
    credentials = oauth.basic_credentials(request.headers.get("authorization", ""))
    if credentials is None:
        raise TokenError("Send Authorization: Basic base64(username:password)")
    attempts: FailedAttempts = request.app.state.attempts
    who = caller(request, credentials[0])
    wait = attempts.retry_after(who)
    if wait is not None:
        raise HTTPException(
            429, f"Too many failed attempts; retry in {wait} s", {"retry-after": str(wait)}
        )
    found = await oauth.credential_principal(request, *credentials, NAME)
    if found is None:
        attempts.failed(who)
        raise TokenError("The username or password is wrong")
    return found

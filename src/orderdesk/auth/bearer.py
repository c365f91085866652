"""The caller of an API route, from its ``Authorization: Bearer …`` header."""

from __future__ import annotations

from fastapi import Request

from orderdesk.auth.tokens import Principal, TokenError, TokenService


def authenticate(request: Request, dialect: str) -> Principal:
    """The caller of a dialect endpoint, from ``Authorization: Bearer …``."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenError("an Authorization: Bearer token is required")
    tokens: TokenService = request.app.state.tokens
    return tokens.verify(token.strip(), dialect)

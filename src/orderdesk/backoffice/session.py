"""Signing in to the back-office: the admin token buys an HTTP-only session cookie; every
form carries a CSRF token bound to that session.

The cookie is ``<nonce>.<expires>.<tag>``, the tag an HMAC over the nonce, the expiry and the
admin token (a server key stored in the database signs it): changing the admin token ends
every session. The CSRF token is an HMAC of the session's nonce (a synchroniser token that
needs no server-side store). Before signing in, a ``pre-session`` nonce cookie plays the
session's part for the sign-in form, so a foreign site cannot sign a browser in either.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from orderdesk.auth.secrets import same_secret

SESSION_COOKIE = "orderdesk_admin"
LOGIN_COOKIE = "orderdesk_signin"
SESSION_SECONDS = 8 * 3600


def _tag(key: bytes, *parts: str) -> str:
    digest = hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class Session:
    nonce: str
    expires: int


class Sessions:
    def __init__(self, key: bytes, admin_token: str) -> None:
        self._key = key
        self._admin = admin_token

    def token_matches(self, token: str) -> bool:
        return same_secret(token.strip(), self._admin)

    def new_cookie(self, now: float | None = None) -> str:
        nonce = secrets.token_urlsafe(16)
        expires = int((time.time() if now is None else now) + SESSION_SECONDS)
        return f"{nonce}.{expires}.{_tag(self._key, 'session', nonce, str(expires), self._admin)}"

    def read(self, cookie: str | None, now: float | None = None) -> Session | None:
        """The session a cookie names, if it is genuine and not expired."""
        if not cookie:
            return None
        nonce, _, rest = cookie.partition(".")
        expires_text, _, tag = rest.partition(".")
        if not nonce or not expires_text.isdigit() or not tag:
            return None
        expected = _tag(self._key, "session", nonce, expires_text, self._admin)
        if not same_secret(tag, expected):
            return None
        expires = int(expires_text)
        if expires < (time.time() if now is None else now):
            return None
        return Session(nonce, expires)

    def csrf(self, nonce: str) -> str:
        """The CSRF token of the forms of the session (or sign-in page) with this nonce."""
        return _tag(self._key, "csrf", nonce)

    def csrf_ok(self, nonce: str | None, sent: str | None) -> bool:
        return bool(nonce and sent) and same_secret(sent or "", self.csrf(nonce or ""))

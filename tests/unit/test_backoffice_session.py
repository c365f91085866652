"""Back-office sessions and CSRF tokens: forged, tampered, expired or foreign ones fail."""

from __future__ import annotations

import time

from orderdesk.backoffice.session import SESSION_SECONDS, Sessions

KEY = b"k" * 32


def test_a_fresh_cookie_reads_back_until_it_expires() -> None:
    sessions = Sessions(KEY, "admin")
    now = time.time()
    cookie = sessions.new_cookie(now)
    found = sessions.read(cookie, now)
    assert found is not None and found.expires == int(now + SESSION_SECONDS)
    assert sessions.read(cookie, now + SESSION_SECONDS + 1) is None


def test_tampered_forged_and_foreign_cookies_are_refused() -> None:
    sessions = Sessions(KEY, "admin")
    cookie = sessions.new_cookie()
    nonce, expires, tag = cookie.split(".")
    assert sessions.read(f"{nonce}.{int(expires) + 3600}.{tag}") is None
    assert sessions.read(f"other.{expires}.{tag}") is None
    assert sessions.read("") is None and sessions.read("garbage") is None
    assert Sessions(KEY, "new admin token").read(cookie) is None  # a new token ends sessions
    assert Sessions(b"x" * 32, "admin").read(cookie) is None


def test_csrf_tokens_belong_to_their_session() -> None:
    sessions = Sessions(KEY, "admin")
    token = sessions.csrf("nonce-1")
    assert sessions.csrf_ok("nonce-1", token)
    assert not sessions.csrf_ok("nonce-2", token)
    assert not sessions.csrf_ok("nonce-1", None)
    assert not sessions.csrf_ok(None, token)
    assert sessions.token_matches("admin") and not sessions.token_matches("admin2")

"""Client secrets: random, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_client_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> bytes:
    """SHA-256 is enough: secrets are 256 random bits made here, never chosen by people."""
    return hashlib.sha256(secret.encode()).digest()


def same_secret(given: str | bytes, expected: str | bytes) -> bool:
    """Constant-time equality of two secrets, compared as UTF-8 bytes: ``hmac.compare_digest``
    raises ``TypeError`` on a ``str`` that is not ASCII, so a sender's ``ñ`` would be a 500."""
    given_bytes = given.encode() if isinstance(given, str) else given
    expected_bytes = expected.encode() if isinstance(expected, str) else expected
    return hmac.compare_digest(given_bytes, expected_bytes)


def secret_matches(secret: str, stored_hash: bytes) -> bool:
    return same_secret(hash_secret(secret), stored_hash)

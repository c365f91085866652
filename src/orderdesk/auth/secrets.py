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


def secret_matches(secret: str, stored_hash: bytes) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)

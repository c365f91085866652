"""Identifiers: UUIDs for Walley orders, prefixed KSUIDs (``or_…``) for Ledyer objects.

A KSUID is 20 bytes — a 32-bit timestamp (seconds since 2014-05-13T16:53:20Z) and 16 random
bytes — written as 27 base62 characters, so ids sort by creation time.
"""

from __future__ import annotations

import secrets
import time
import uuid

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
#: Every two-digit base62 number, so a KSUID is written in 13 divisions instead of 27.
_PAIRS = [high + low for high in _ALPHABET for low in _ALPHABET]
KSUID_EPOCH = 1_400_000_000
KSUID_LENGTH = 27

ORDER = "or"
ORDER_LINE = "ol"
LEDGER = "in"
EVENT = "oe"
ACCOUNT = "ac"
SESSION = "se"  # the checkout session an order was made in


def ksuid_encode(raw: bytes) -> str:
    """Base62 text of a 20-byte KSUID, zero-padded to 27 characters."""
    if len(raw) != 20:
        raise ValueError("a KSUID is 20 bytes")
    n = int.from_bytes(raw, "big")  # < 62**27: 13 pairs of digits and one digit
    out = []
    for _ in range(KSUID_LENGTH // 2):
        n, pair = divmod(n, 62 * 62)
        out.append(_PAIRS[pair])
    out.append(_ALPHABET[n])
    return "".join(reversed(out))


def ksuid_decode(text: str) -> bytes:
    """The 20 bytes behind a 27-character KSUID (``ValueError`` if it is not one)."""
    if len(text) != KSUID_LENGTH:
        raise ValueError("a KSUID is 27 characters")
    n = 0
    for c in text:
        if c not in _INDEX:
            raise ValueError("not a base62 character")
        n = n * 62 + _INDEX[c]
    return n.to_bytes(20, "big")


def ksuid(now: float | None = None) -> str:
    ts = int(time.time() if now is None else now) - KSUID_EPOCH
    return ksuid_encode(ts.to_bytes(4, "big") + secrets.token_bytes(16))


def prefixed(prefix: str) -> str:
    """A new Ledyer-style id such as ``or_2OC51O5BycRRDboM4PPjYSz0vm5``."""
    return f"{prefix}_{ksuid()}"


def new_uuid() -> str:
    return str(uuid.uuid4())


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def order_reference() -> str:
    """An 8-character human-readable order number such as ``UB1CECSM``."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ123456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))

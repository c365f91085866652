"""Signed, expiring links to invoice PDFs (``documentUrl``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from orderdesk.auth.secrets import same_secret

LINK_TTL = 24 * 3600


def _signature(key: bytes, order_id: str, ledger_id: str, expires: int) -> str:
    message = f"{order_id}/{ledger_id}/{expires}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def invoice_path(order_id: str, ledger_id: str) -> str:
    return f"/invoices/{order_id}/{ledger_id}.pdf"


def signed_url(
    key: bytes, base: str, order_id: str, ledger_id: str, now: float | None = None
) -> str:
    expires = int((time.time() if now is None else now) + LINK_TTL)
    signature = _signature(key, order_id, ledger_id, expires)
    return f"{base}{invoice_path(order_id, ledger_id)}?Expires={expires}&Signature={signature}"


def check_signature(
    key: bytes,
    order_id: str,
    ledger_id: str,
    expires: int,
    signature: str,
    now: float | None = None,
) -> str | None:
    """None when the link is good, else why it is not."""
    if expires < (time.time() if now is None else now):
        return "expired"
    expected = _signature(key, order_id, ledger_id, expires)
    if not same_secret(signature, expected):
        return "bad signature"
    return None

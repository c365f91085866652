"""Access tokens in the two forms providers issue, verified without a database round trip.

* ``OPAQUE``: an opaque bearer token (here: a claims payload with an HMAC-SHA256 tag).
* ``PASETO``: a PASETO ``v4.public`` token signed with the server's Ed25519 key.

A provider picks the form, the lifetime and any claims of its own (:class:`TokenScheme`).
Every token carries the credential, its merchant, the stores it may act on and the dialect,
so a token of one dialect is refused by another. Verified tokens are cached per process until
expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson
import pyseto
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyseto import Key

from orderdesk.auth.secrets import same_secret

_CACHE_LIMIT = 10_000
PASETO_PREFIX = "v4.public."


class TokenForm(StrEnum):
    OPAQUE = "opaque"
    PASETO = "paseto"


@dataclass(frozen=True, slots=True)
class TokenScheme:
    """How a provider's tokens look: their form, lifetime (seconds) and own claims."""

    form: TokenForm
    ttl: int
    claims: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an API credential and the stores it may act on."""

    client_id: str
    merchant_id: str
    store_ids: frozenset[str]
    dialect: str

    def may_use(self, store_id: str) -> bool:
        return store_id in self.store_ids


class TokenError(Exception):
    """The token is missing, malformed, forged, expired or of the other dialect."""


class _CompactJson:
    """pyseto serializer: compact JSON, like the providers' tokens (``{"iss":"…``)."""

    @staticmethod
    def dumps(obj: Any) -> str:
        return json.dumps(obj, separators=(",", ":"))

    @staticmethod
    def loads(data: str | bytes) -> Any:
        return json.loads(data)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenService:
    def __init__(self, hmac_key: bytes, signing_seed: bytes) -> None:
        self._hmac_key = hmac_key
        private = Ed25519PrivateKey.from_private_bytes(signing_seed)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self._signing_key = Key.new(4, "public", pem)
        self._verify_key = Key.new(4, "public", public)
        self._cache: dict[str, tuple[Principal, float]] = {}

    # -- issuing ----------------------------------------------------------------------------
    def issue(
        self,
        principal: Principal,
        scheme: TokenScheme,
        ttl: int | None = None,
        now: float | None = None,
    ) -> str:
        """A token for ``principal`` in ``scheme``'s form, valid ``ttl`` (default: the
        scheme's) seconds from ``now``."""
        exp = (time.time() if now is None else now) + (scheme.ttl if ttl is None else ttl)
        claims: dict[str, Any] = {
            "sub": principal.client_id,
            "mid": principal.merchant_id,
            "stores": sorted(principal.store_ids),
            "dia": principal.dialect,
            **dict(scheme.claims),
        }
        if scheme.form is TokenForm.PASETO:
            claims["exp"] = datetime.fromtimestamp(exp, UTC).isoformat(timespec="seconds")
            token: bytes = pyseto.encode(self._signing_key, claims, serializer=_CompactJson)
            return token.decode()
        claims["exp"] = int(exp)
        payload = orjson.dumps(claims)
        tag = hmac.new(self._hmac_key, payload, hashlib.sha256).digest()
        return f"{_b64(payload)}.{_b64(tag)}"

    # -- verifying --------------------------------------------------------------------------
    def verify(self, token: str, dialect: str) -> Principal:
        now = time.time()
        cached = self._cache.get(token)
        if cached is not None and cached[1] > now:
            principal = cached[0]
        else:
            principal, exp = self._decode(token, now)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[token] = (principal, exp)
        if principal.dialect != dialect:
            raise TokenError("the token was issued for another API")
        return principal

    def _decode(self, token: str, now: float) -> tuple[Principal, float]:
        if token.startswith(PASETO_PREFIX):
            try:
                decoded = pyseto.decode(self._verify_key, token, deserializer=_CompactJson)
                claims: dict[str, Any] = decoded.payload  # type: ignore[assignment]
            except Exception as exc:  # pyseto raises several types for bad tokens
                raise TokenError("the token is invalid or expired") from exc
            exp = datetime.fromisoformat(claims["exp"]).timestamp()
        else:
            payload_text, _, tag_text = token.partition(".")
            try:
                payload, tag = _unb64(payload_text), _unb64(tag_text)
            except ValueError as exc:
                raise TokenError("the token is malformed") from exc
            expected = hmac.new(self._hmac_key, payload, hashlib.sha256).digest()
            if not same_secret(tag, expected):
                raise TokenError("the token is invalid")
            claims = dict(orjson.loads(payload))
            exp = float(claims["exp"])
        if exp <= now:
            raise TokenError("the token has expired")
        principal = Principal(
            client_id=claims["sub"],
            merchant_id=claims["mid"],
            store_ids=frozenset(claims["stores"]),
            dialect=claims["dia"],
        )
        return principal, exp

"""auth/tokens.py: tokens of each dialect issued and verified without HTTP or a database."""

import base64
import time

import orjson
import pytest

from orderdesk.auth.tokens import Principal, TokenError, TokenScheme, TokenService
from orderdesk.providers.ledyer import tokens as ledyer_tokens
from orderdesk.providers.walley import tokens as walley_tokens

SCHEMES: dict[str, TokenScheme] = {"walley": walley_tokens.SCHEME, "ledyer": ledyer_tokens.SCHEME}
WALLEY_TTL = walley_tokens.SCHEME.ttl
HMAC_KEY = b"k" * 32
SEED = b"s" * 32


def principal(dialect: str) -> Principal:
    return Principal("cl_1", "ac_1", frozenset({"1001", "1002"}), dialect)


@pytest.fixture
def tokens() -> TokenService:
    return TokenService(HMAC_KEY, SEED)


def payload_of_walley(token: str) -> dict[str, object]:
    text = token.split(".")[0]
    claims: dict[str, object] = orjson.loads(
        base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    )
    return claims


@pytest.mark.parametrize("dialect", ["walley", "ledyer"])
def test_a_token_verifies_to_its_principal(tokens: TokenService, dialect: str) -> None:
    token = tokens.issue(principal(dialect), SCHEMES[dialect], 60)
    assert tokens.verify(token, dialect) == principal(dialect)
    # and from another process with the same keys (no cache)
    assert TokenService(HMAC_KEY, SEED).verify(token, dialect) == principal(dialect)
    assert principal(dialect).may_use("1001") and not principal(dialect).may_use("1003")


def test_the_token_formats() -> None:
    service = TokenService(HMAC_KEY, SEED)
    ledyer = service.issue(principal("ledyer"), ledyer_tokens.SCHEME, now=1_800_000_000)
    assert ledyer.startswith("v4.public.")
    walley = service.issue(principal("walley"), walley_tokens.SCHEME, now=1_800_000_000)
    assert walley.count(".") == 1
    assert payload_of_walley(walley) == {
        "sub": "cl_1",
        "mid": "ac_1",
        "stores": ["1001", "1002"],
        "dia": "walley",
        "exp": 1_800_000_000 + WALLEY_TTL,
    }


@pytest.mark.parametrize(("issued", "asked"), [("walley", "ledyer"), ("ledyer", "walley")])
def test_the_other_dialect_is_refused(tokens: TokenService, issued: str, asked: str) -> None:
    token = tokens.issue(principal(issued), SCHEMES[issued], 60)
    with pytest.raises(TokenError, match="another API"):
        tokens.verify(token, asked)
    assert tokens.verify(token, issued).dialect == issued  # the refusal cached nothing wrong
    with pytest.raises(TokenError, match="another API"):
        tokens.verify(token, asked)  # and the cached principal is refused the same way


@pytest.mark.parametrize("dialect", ["walley", "ledyer"])
def test_an_expired_token_is_refused(tokens: TokenService, dialect: str) -> None:
    token = tokens.issue(principal(dialect), SCHEMES[dialect], 60, now=time.time() - 120)
    with pytest.raises(TokenError, match="expired"):
        tokens.verify(token, dialect)


def test_a_cached_token_expires_too(tokens: TokenService) -> None:
    token = tokens.issue(principal("walley"), SCHEMES["walley"], 2, now=time.time() - 1)
    assert tokens.verify(token, "walley").client_id == "cl_1"  # cached until its exp
    time.sleep(1.2)
    with pytest.raises(TokenError, match="expired"):
        tokens.verify(token, "walley")


def test_a_forged_walley_token_is_refused(tokens: TokenService) -> None:
    token = tokens.issue(principal("walley"), SCHEMES["walley"], 60)
    tag = token.split(".")[1]
    claims = payload_of_walley(token)
    forged = base64.urlsafe_b64encode(orjson.dumps({**claims, "stores": ["9999"]}))
    with pytest.raises(TokenError, match="invalid"):
        tokens.verify(f"{forged.rstrip(b'=').decode()}.{tag}", "walley")
    # another server's key
    other = TokenService(b"x" * 32, SEED).issue(principal("walley"), SCHEMES["walley"], 60)
    with pytest.raises(TokenError, match="invalid"):
        tokens.verify(other, "walley")
    with pytest.raises(TokenError):
        tokens.verify("not-a-token", "walley")
    with pytest.raises(TokenError, match="malformed"):
        tokens.verify("a.b!c", "walley")


def test_a_forged_ledyer_token_is_refused(tokens: TokenService) -> None:
    other = TokenService(HMAC_KEY, b"o" * 32).issue(principal("ledyer"), SCHEMES["ledyer"], 60)
    with pytest.raises(TokenError, match="invalid or expired"):
        tokens.verify(other, "ledyer")
    token = tokens.issue(principal("ledyer"), SCHEMES["ledyer"], 60)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(TokenError, match="invalid or expired"):
        tokens.verify(tampered, "ledyer")

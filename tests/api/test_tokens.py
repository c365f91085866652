"""Token endpoints, as each provider issues tokens, and tokens at the dialect endpoints."""

import base64
import time

import httpx
import pytest
from fastapi import FastAPI

from orderdesk.auth.tokens import Principal, TokenService
from orderdesk.providers.ledyer import tokens as ledyer_tokens
from orderdesk.providers.walley import tokens as walley_tokens
from tests.support.sandbox import SHOES, Merchant

WALLEY_SCOPE = "705798e0-8cef-427c-ae00-6023deba29af/.default"


def basic(client_id: str, secret: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"authorization": f"Basic {encoded}"}


@pytest.mark.parametrize("path", ["/oauth2/v2.0/token", "/oauth2/v2.0/token/"])
async def test_walley_token_from_a_urlencoded_form(merchant: Merchant, path: str) -> None:
    r = await merchant.client.post(
        path,
        data={
            "client_id": merchant.client_id,
            "client_secret": merchant.client_secret,
            "grant_type": "client_credentials",
            "scope": WALLEY_SCOPE,
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"token_type", "expires_in", "ext_expires_in", "access_token"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599
    assert r.headers["cache-control"] == "no-store"


async def test_walley_token_from_multipart_like_the_php_sdk(merchant: Merchant) -> None:
    r = await merchant.client.post(
        "/oauth2/v2.0/token/",
        files={
            "client_id": (None, merchant.client_id),
            "client_secret": (None, merchant.client_secret),
            "grant_type": (None, "client_credentials"),
            "scope": (None, WALLEY_SCOPE),
        },
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.json()["access_token"]


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({}, 400, "invalid_request"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, 400, "invalid_request"),
        (
            {"grant_type": "client_credentials", "client_id": "od_x", "client_secret": "y"},
            401,
            "invalid_client",
        ),
    ],
)
async def test_malformed_walley_token_requests(
    merchant: Merchant, form: dict[str, str], status: int, error: str
) -> None:
    r = await merchant.client.post("/oauth2/v2.0/token", data=form)
    assert r.status_code == status
    assert r.json()["error"] == error


async def test_walley_token_with_a_wrong_secret(merchant: Merchant) -> None:
    r = await merchant.client.post(
        "/oauth2/v2.0/token",
        data={
            "client_id": merchant.client_id,
            "client_secret": "wrong",
            "grant_type": "client_credentials",
            "scope": WALLEY_SCOPE,
        },
    )
    assert r.status_code == 401
    assert r.json() == {
        "error": "invalid_client",
        "error_description": "The client id or secret is wrong",
    }


@pytest.mark.parametrize("where", ["body", "query"])
async def test_ledyer_token_with_basic_auth(merchant: Merchant, where: str) -> None:
    headers = basic(merchant.client_id, merchant.client_secret)
    if where == "body":
        r = await merchant.client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, headers=headers
        )
    else:
        r = await merchant.client.post(
            "/oauth/token?grant_type=client_credentials", headers=headers
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["access_token", "expires_in", "scope", "token_type"]
    assert (
        body["expires_in"] == 3600 and body["scope"] == "write" and body["token_type"] == "Bearer"
    )
    assert body["access_token"].startswith("v4.public.eyJ")


@pytest.mark.parametrize(
    ("headers", "query", "status", "error"),
    [
        ({}, "?grant_type=client_credentials", 401, "invalid_client"),
        ({"authorization": "Basic !!!"}, "?grant_type=client_credentials", 401, "invalid_client"),
        ({"authorization": "Bearer abc"}, "?grant_type=client_credentials", 401, "invalid_client"),
        (None, "", 400, "invalid_request"),
        (None, "?grant_type=authorization_code", 400, "unsupported_grant_type"),
    ],
)
async def test_malformed_ledyer_token_requests(
    merchant: Merchant, headers: dict[str, str] | None, query: str, status: int, error: str
) -> None:
    sent = basic(merchant.client_id, merchant.client_secret) if headers is None else headers
    r = await merchant.client.post(f"/oauth/token{query}", headers=sent)
    assert r.status_code == status
    assert r.json()["error"] == error


async def test_ledyer_token_with_a_wrong_secret(merchant: Merchant) -> None:
    r = await merchant.client.post(
        "/oauth/token?grant_type=client_credentials", headers=basic(merchant.client_id, "nope")
    )
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Basic")


async def test_a_token_only_works_in_its_own_dialect(merchant: Merchant) -> None:
    walley = await merchant.order("walley", [SHOES])
    ledyer = await merchant.order("ledyer", [SHOES])
    walley_headers = await merchant.walley_headers()
    ledyer_headers = await merchant.ledyer_headers()
    r = await merchant.client.get(f"/manage/orders/{walley['orderId']}", headers=ledyer_headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == 401
    assert r.json()["error"]["errors"][0]["reason"] == "UNAUTHORIZED"
    r = await merchant.client.get(f"/v1/orders/{ledyer['orderId']}", headers=walley_headers)
    assert r.status_code == 401
    assert r.json()["errors"][0]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer garbage", "Basic abc", "Bearer v4.public.AAAA", "Bearer a.b"],
)
async def test_missing_or_forged_tokens_are_401_in_each_envelope(
    merchant: Merchant, authorization: str | None
) -> None:
    walley = await merchant.order("walley", [SHOES])
    headers = {} if authorization is None else {"authorization": authorization}
    r = await merchant.client.get(f"/manage/orders/{walley['orderId']}", headers=headers)
    assert r.status_code == 401
    assert set(r.json()) == {"id", "error"}
    assert r.headers["www-authenticate"] == "Bearer"
    r = await merchant.client.get("/v1/orders/or_2OC51O5BycRRDboM4PPjYSz0vm5", headers=headers)
    assert r.status_code == 401
    assert r.json()["errors"][0]["code"] == "UNAUTHORIZED"


async def test_expired_tokens_are_401(app: FastAPI, merchant: Merchant) -> None:
    tokens: TokenService = app.state.tokens
    ledyer = await merchant.order("ledyer", [SHOES])
    walley = await merchant.order("walley", [SHOES])
    stores = frozenset(merchant.stores.values())
    for dialect, path in (
        ("ledyer", f"/v1/orders/{ledyer['orderId']}"),
        ("walley", f"/manage/orders/{walley['orderId']}"),
    ):
        principal = Principal(merchant.client_id, merchant.merchant_id, stores, dialect)
        scheme = (walley_tokens if dialect == "walley" else ledyer_tokens).SCHEME
        expired = tokens.issue(principal, scheme, ttl=60, now=time.time() - 120)
        fresh = tokens.issue(principal, scheme, ttl=60)
        r = await merchant.client.get(path, headers={"authorization": f"Bearer {expired}"})
        assert r.status_code == 401
        r = await merchant.client.get(path, headers={"authorization": f"Bearer {fresh}"})
        assert r.status_code == 200


async def test_a_tampered_walley_token_is_refused(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    headers = await merchant.walley_headers()
    token = headers["authorization"].removeprefix("Bearer ")
    payload, tag = token.split(".")
    forged = f"{payload[:-2]}AA.{tag}"
    walley = await merchant.order("walley", [SHOES])
    r = await client.get(
        f"/manage/orders/{walley['orderId']}", headers={"authorization": f"Bearer {forged}"}
    )
    assert r.status_code == 401

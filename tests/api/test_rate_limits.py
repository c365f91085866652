"""Guessing secrets is limited (issue 22, item 7): after ``auth_failure_limit`` (10) failures
from one address for one credential within the window, the token endpoints, the sandbox's
admin token and the back-office's sign-in answer 429 with ``Retry-After`` in their own
envelope, without checking the secret. Successes never count; other callers are not held up.

Each test comes from addresses of its own (the limit is kept by address)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from tests.support.backoffice import CSRF
from tests.support.sandbox import ADMIN, ADMIN_TOKEN, Merchant

LIMIT = 10  # Settings.auth_failure_limit
WINDOW = 60  # Settings.auth_failure_window_seconds


@asynccontextmanager
async def client_at(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def walley_form(merchant: Merchant, secret: str) -> dict[str, str]:
    return {
        "client_id": merchant.client_id,
        "client_secret": secret,
        "grant_type": "client_credentials",
    }


def assert_retry_after(r: httpx.Response) -> None:
    assert 1 <= int(r.headers["retry-after"]) <= WINDOW


async def test_walley_token_guesses_are_limited_per_address_and_client(
    app: FastAPI, merchant: Merchant
) -> None:
    path = "/oauth2/v2.0/token"
    async with client_at(app, "198.51.100.1") as guesser:
        for _ in range(LIMIT):
            wrong = await guesser.post(path, data=walley_form(merchant, "guess"))
            assert wrong.status_code == 401, wrong.text
        right = walley_form(merchant, merchant.client_secret)
        limited = await guesser.post(path, data=right)  # not even the right secret is checked
        assert limited.status_code == 429, limited.text
        assert set(limited.json()) == {"error", "error_description"}
        assert limited.json()["error"] == "temporarily_unavailable"
        assert limited.headers["cache-control"] == "no-store"
        assert_retry_after(limited)
        other = {**right, "client_id": "wc_someone_else", "client_secret": "x"}
        assert (await guesser.post(path, data=other)).status_code == 401
    async with client_at(app, "198.51.100.2") as shop:
        assert (await shop.post(path, data=right)).status_code == 200


async def test_ledyer_token_guesses_are_limited(app: FastAPI, merchant: Merchant) -> None:
    def basic(secret: str) -> dict[str, str]:
        pair = base64.b64encode(f"{merchant.client_id}:{secret}".encode()).decode()
        return {"authorization": f"Basic {pair}"}

    form = {"grant_type": "client_credentials"}
    async with client_at(app, "198.51.100.3") as guesser:
        for _ in range(LIMIT):
            wrong = await guesser.post("/oauth/token", data=form, headers=basic("guess"))
            assert wrong.status_code == 401, wrong.text
        limited = await guesser.post(
            "/oauth/token", data=form, headers=basic(merchant.client_secret)
        )
        assert limited.status_code == 429, limited.text
        assert limited.json()["error"] == "temporarily_unavailable"
        assert_retry_after(limited)


async def test_successes_never_count(app: FastAPI, merchant: Merchant) -> None:
    path = "/oauth2/v2.0/token"
    async with client_at(app, "198.51.100.4") as shop:
        for _ in range(3 * LIMIT):  # a shop that fetches a token per request, as the PHP SDK
            ok = await shop.post(path, data=walley_form(merchant, merchant.client_secret))
            assert ok.status_code == 200, ok.text
        for _ in range(LIMIT - 1):
            wrong = await shop.post(path, data=walley_form(merchant, "typo"))
            assert wrong.status_code == 401
        ok = await shop.post(path, data=walley_form(merchant, merchant.client_secret))
        assert ok.status_code == 200, ok.text


async def test_admin_token_guesses_are_limited_in_the_sandbox_envelope(app: FastAPI) -> None:
    path = "/sandbox/stores/none/notifications"
    async with client_at(app, "198.51.100.5") as guesser:
        for _ in range(LIMIT):
            wrong = await guesser.get(path, headers={"authorization": "Bearer guess"})
            assert wrong.status_code == 401, wrong.text
        limited = await guesser.get(path, headers=ADMIN)
        assert limited.status_code == 429, limited.text
        assert limited.json()["error"]["code"] == "TOO_MANY_REQUESTS"
        assert_retry_after(limited)
        anonymous = await guesser.get(path)  # no token sent: nothing guessed, nothing limited
        assert anonymous.status_code == 401
    async with client_at(app, "198.51.100.6") as operator:
        assert (await operator.get(path, headers=ADMIN)).status_code == 404


@pytest.mark.parametrize("sandbox_guesses", [0, LIMIT // 2])
async def test_sign_in_guesses_are_limited_with_the_sandbox_s(
    app: FastAPI, sandbox_guesses: int
) -> None:
    """The sign-in form and the sandbox API check the same admin token: one budget."""
    address = f"198.51.100.{10 + sandbox_guesses}"
    async with client_at(app, address) as guesser:
        for _ in range(sandbox_guesses):
            wrong = await guesser.get(
                "/sandbox/stores/none/notifications", headers={"authorization": "Bearer guess"}
            )
            assert wrong.status_code == 401
        page = await guesser.get("/admin/signin")
        found = CSRF.search(page.text)
        assert found is not None
        csrf = found.group(1)
        for _ in range(LIMIT - sandbox_guesses):
            wrong = await guesser.post("/admin/signin", data={"csrf": csrf, "token": "guess"})
            assert wrong.status_code == 401, wrong.text
        limited = await guesser.post("/admin/signin", data={"csrf": csrf, "token": ADMIN_TOKEN})
        assert limited.status_code == 429
        assert "Too many wrong admin tokens from here" in limited.text
        assert_retry_after(limited)
        assert "orderdesk_admin" not in guesser.cookies


async def test_the_openapi_document_declares_each_429(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ("/oauth2/v2.0/token", "/oauth/token", "/sandbox/merchants"):
        limited = paths[path]["post"]["responses"]["429"]
        assert set(limited["headers"]) == {"Retry-After"}, path

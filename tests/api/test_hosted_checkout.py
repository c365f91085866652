"""The hosted checkout's routes as the iframe page calls them: the page and its assets with a
Content-Security-Policy that allows no inline script or style and lets any site frame it,
the session's JSON, the customer editor, the signing lock, pay — and their refusals in the
sandbox's envelope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from orderdesk.checkout.headers import CONTENT_SECURITY_POLICY
from tests.support.apps import running_app
from tests.support.checkouts import swapped
from tests.support.sandbox import ADMIN, ADMIN_TOKEN, SHOES, Merchant

FRAME = "/orderdesk-checkout/"


@pytest.fixture(scope="module")
async def app(database_url: str) -> AsyncIterator[FastAPI]:
    """orderdesk's own checkout for every store (each provider's is tested in its package)."""
    async with running_app(database_url, ADMIN_TOKEN, swapped(None)) as application:
        yield application


async def _made(merchant: Merchant, **extra: Any) -> dict[str, Any]:
    r = await merchant.client.post(
        "/sandbox/checkouts",
        json={
            "storeId": merchant.stores["ledyer"],
            "orderLines": [SHOES],
            "customer": {"firstName": "Ada"},
            "urls": {"confirmation": "https://shop.example/ok"},
            **extra,
        },
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


def _view(made: dict[str, Any], **changed: Any) -> dict[str, Any]:
    return {
        "token": made["token"],
        "provider": "ledyer",
        "title": "Ledyer",
        "status": "open",
        "currency": "SEK",
        "exponent": 2,
        "country": "SE",
        "lines": [
            {"reference": "10001", "description": "Shoes", "quantity": 1, "totalAmount": 9500}
        ],
        "fees": [],
        "totalAmount": 9500,
        "customer": {"firstName": "Ada"},
        "orderId": None,
        **changed,
    }


async def test_the_page_and_its_assets(client: httpx.AsyncClient, merchant: Merchant) -> None:
    made = await _made(merchant)
    r = await client.get(FRAME + made["token"])
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors *" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "x-frame-options" not in r.headers
    assert f'data-token="{made["token"]}"' in r.text
    assert "<script>" not in r.text and "style=" not in r.text
    for name, kind in (("checkout.js", "text/javascript"), ("checkout.css", "text/css")):
        asset = await client.get(f"{FRAME}static/{name}")
        assert asset.status_code == 200
        assert asset.headers["content-type"] == f"{kind}; charset=utf-8"
    for missing in ("nope.js", "..%2Fheaders.py", "headers.py"):
        assert (await client.get(f"{FRAME}static/{missing}")).status_code == 404
    r = await client.get(FRAME + "no-such-token")
    assert r.status_code == 404
    assert r.json() == {
        "error": {"code": "CHECKOUT_NOT_FOUND", "message": "Checkout no-such-token was not found"}
    }


async def test_the_customer_editor_saves_the_customer(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    made = await _made(merchant)
    base = FRAME + made["token"]
    assert (await client.get(base + "/session")).json() == _view(made)
    customer = {
        "firstName": "Ada",
        "email": "ada@example.com",
        "shippingAddress": {"streetAddress": "Gatan 2", "postalCode": "11122", "country": "NO"},
    }
    r = await client.put(base + "/customer", json={"customer": customer})
    assert r.status_code == 200, r.text
    assert r.json() == _view(made, customer=customer)
    r = await merchant.client.get(f"/sandbox/checkouts/{made['checkoutId']}", headers=ADMIN)
    assert r.json()["customer"] == customer and r.json()["version"] == 2
    # a field of the shop's besides the named ones stays; a named one left out is cleared
    shops = await _made(merchant, customer={"firstName": "Ada", "email": "a@b.se", "loyaltyId": 7})
    r = await client.put(
        FRAME + shops["token"] + "/customer", json={"customer": {"firstName": "Bo"}}
    )
    assert r.json()["customer"] == {"firstName": "Bo", "loyaltyId": 7}
    r = await client.put(base + "/customer", json={"customer": {"email": "x" * 201}})
    assert r.status_code == 400 and r.json()["error"]["field"] == "customer.email"
    r = await client.put(
        base + "/customer", content=b"email=x", headers={"content-type": "text/plain"}
    )
    assert r.status_code == 415


async def test_signing_locks_the_session_until_paid_or_unlocked(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    made = await _made(merchant)
    base = FRAME + made["token"]
    r = await client.post(base + "/lock")
    assert r.status_code == 200 and r.json()["status"] == "locked"
    r = await client.put(base + "/customer", json={"customer": {}})
    assert r.status_code == 409 and r.json()["error"]["code"] == "CHECKOUT_LOCKED"
    r = await client.post(base + "/unlock")
    assert r.json()["status"] == "open"
    await client.post(base + "/lock")
    r = await client.post(base + "/pay", json={"persona": "signing"})
    assert r.status_code == 200, r.text
    paid = r.json()
    assert paid["status"] == "completed" and paid["redirectUrl"] == "https://shop.example/ok"
    assert paid["message"] == "" and paid["orderId"].startswith("or_")
    r = await client.post(base + "/pay", json={"persona": "approve"})
    assert r.json() == paid  # the same order, again
    r = await client.put(base + "/customer", json={"customer": {}})
    assert r.status_code == 409 and r.json()["error"]["code"] == "CHECKOUT_COMPLETED"
    r = await client.post(base + "/pay", json={"persona": "rich"})
    assert r.status_code == 400 and r.json()["error"]["field"] == "persona"


async def test_a_refused_validation_leaves_the_session_open(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    made = await _made(merchant, urls={"validation": "http://127.0.0.1:9/closed"})
    r = await client.post(FRAME + made["token"] + "/pay", json={"persona": "approve"})
    assert r.status_code == 200
    assert r.json() == {
        "status": "validationFailed",
        "orderId": None,
        "redirectUrl": None,
        "message": "The shop's validation refused the purchase (no answer)",
    }
    assert (await client.get(FRAME + made["token"] + "/session")).json()["status"] == "open"

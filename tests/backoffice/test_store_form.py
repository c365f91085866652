"""The back-office's store form checks what the sandbox API checks, and a store id that got in
some other way (straight into the database) still gets a well-formed settlements file
(issue 22, item 3)."""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from tests.support.backoffice import signed_in
from tests.support.sandbox import ADMIN, Merchant

HOSTILE_IDS = [
    '"><img src=x onerror=alert(1)>',
    "a\r\nSet-Cookie: x=1",
    "x" * 41,
    "kö",
]


async def _merchant_id(client: httpx.AsyncClient, csrf: str) -> str:
    name = f"Form shop {uuid.uuid4().hex[:6]}"
    r = await client.post("/admin/sandbox/merchants", data={"csrf": csrf, "name": name})
    assert r.status_code == 303
    found = re.search(
        rf"{name}<br><span class=\"muted\">(ac_\w+)", (await client.get(r.headers["location"])).text
    )
    assert found is not None
    return found.group(1)


async def _stores(app: FastAPI, merchant_id: str) -> list[str]:
    rows = await app.state.pool.fetch("SELECT id FROM stores WHERE merchant_id = $1", merchant_id)
    return [row["id"] for row in rows]


@pytest.mark.parametrize("store_id", HOSTILE_IDS)
async def test_the_store_form_refuses_an_id_the_api_refuses(
    app: FastAPI, client: httpx.AsyncClient, store_id: str
) -> None:
    csrf = await signed_in(client)
    merchant_id = await _merchant_id(client, csrf)
    form = {"csrf": csrf, "merchant": merchant_id, "provider": "walley", "store_id": store_id}
    r = await client.post("/admin/sandbox/stores", data=form)
    assert r.status_code == 422, r.text
    assert "Refused." in r.text and "Store id: String should match pattern" in r.text
    assert "<img src=x" not in r.text  # shown again, escaped
    assert await _stores(app, merchant_id) == []
    # the sandbox API says the same of it
    api = await client.post(
        f"/sandbox/merchants/{merchant_id}/stores",
        json={"provider": "walley", "country": "SE", "currency": "SEK", "storeId": store_id},
        headers=ADMIN,
    )
    assert api.status_code == 400 and api.json()["error"]["field"] == "storeId"


@pytest.mark.parametrize(
    ("field", "value", "label"),
    [
        ("country", "<S", "Country"),
        ("country", "S\nE", "Country"),
        ("currency", "SE K", "Currency"),
    ],
)
async def test_the_store_form_refuses_a_country_or_currency_the_api_refuses(
    app: FastAPI, client: httpx.AsyncClient, field: str, value: str, label: str
) -> None:
    csrf = await signed_in(client)
    merchant_id = await _merchant_id(client, csrf)
    form = {"csrf": csrf, "merchant": merchant_id, "provider": "ledyer", field: value}
    r = await client.post("/admin/sandbox/stores", data=form)
    assert r.status_code == 422, r.text
    assert f"{label}: String should match pattern" in r.text
    assert await _stores(app, merchant_id) == []


async def test_the_store_form_still_makes_a_store(app: FastAPI, client: httpx.AsyncClient) -> None:
    csrf = await signed_in(client)
    merchant_id = await _merchant_id(client, csrf)
    store_id = f"s-{uuid.uuid4().hex[:8]}"
    form = {"csrf": csrf, "merchant": merchant_id, "provider": "ledyer", "store_id": store_id}
    r = await client.post(
        "/admin/sandbox/stores", data={**form, "country": "no", "currency": "nok"}
    )
    assert r.status_code == 303, r.text
    row = await app.state.pool.fetchrow(
        "SELECT country, currency FROM stores WHERE id = $1", store_id
    )
    assert (row["country"], row["currency"]) == ("NO", "NOK")


@pytest.mark.parametrize(
    ("store_id", "fallback", "encoded"),
    [
        ("a\r\nSet-Cookie: x=1", "a__Set-Cookie__x_1", "a%0D%0ASet-Cookie%3A%20x%3D1"),
        ('"><img src=x>', "___img_src_x_", "%22%3E%3Cimg%20src%3Dx%3E"),
        ("k€", "k_", "k%E2%82%AC"),
    ],
)
async def test_a_settlements_file_of_a_hostile_store_id_has_a_safe_name(
    app: FastAPI, merchant: Merchant, store_id: str, fallback: str, encoded: str
) -> None:
    # made the old way: straight into the database, as the form once let it in
    await app.state.pool.execute(
        "INSERT INTO stores (id, merchant_id, provider, country, currency, segment)"
        " VALUES ($1, $2, 'ledyer', 'SE', 'SEK', 'B2C')",
        store_id,
        merchant.merchant_id,
    )
    r = await merchant.client.get(
        f"/sandbox/stores/{quote(store_id, safe='')}/settlements.csv",
        params={"from": "2026-01-01", "to": "2026-01-31"},
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"] == (
        f'attachment; filename="settlements-{fallback}-2026-01-01-2026-01-31.csv"; '
        f"filename*=UTF-8''settlements-{encoded}-2026-01-01-2026-01-31.csv"
    )
    assert r.text.startswith("settlement_id,")

"""Calling the Walley API in tests: an order to manage, a capture, the order as read, the
answer an accepted change gets, what a refusal must leave alone, and the Walley store's
scripted settings in the sandbox."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests.support.sandbox import ADMIN, SHOES, TSHIRTS, Merchant


async def walley_order(merchant: Merchant, lines: list[dict[str, Any]] | None = None) -> str:
    created = await merchant.order("walley", lines or [SHOES, TSHIRTS])
    return str(created["orderId"])


async def capture(
    merchant: Merchant, order_id: str, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    auth = await merchant.walley_headers()
    sent = {**auth, **(headers or {})}
    if isinstance(body, (bytes, str)):
        sent.setdefault("content-type", "application/json")
        return await merchant.client.post(
            f"/manage/orders/{order_id}/capture", content=body, headers=sent
        )
    return await merchant.client.post(f"/manage/orders/{order_id}/capture", json=body, headers=sent)


async def get(merchant: Merchant, order_id: str) -> dict[str, Any]:
    r = await merchant.client.get(
        f"/manage/orders/{order_id}", headers=await merchant.walley_headers()
    )
    assert r.status_code == 200
    data: dict[str, Any] = r.json()["data"]
    return data


def accepted(r: httpx.Response, order_id: str) -> None:
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/manage/orders/{order_id}"
    assert r.content == b""


async def state(app: FastAPI, merchant: Merchant, order_id: str) -> tuple[Any, ...]:
    """What a refusal must leave alone: the order as read, its events and ledger rows."""
    pool = app.state.pool
    events = await pool.fetchval("SELECT count(*) FROM order_events WHERE order_id=$1", order_id)
    ledger = await pool.fetch(
        "SELECT kind, amount FROM ledger WHERE order_id=$1 ORDER BY seq", order_id
    )
    return (await get(merchant, order_id), events, [tuple(r) for r in ledger])


async def store_settings(merchant: Merchant, **settings: Any) -> None:
    r = await merchant.client.put(
        f"/sandbox/stores/{merchant.stores['walley']}/settings", json=settings, headers=ADMIN
    )
    assert r.status_code == 200, r.text

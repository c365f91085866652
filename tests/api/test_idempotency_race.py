"""The key's first request commits between a retry's look-up and its lock."""

import asyncpg
import pytest

from orderdesk.store import orders
from tests.support.sandbox import SAMSUNG, Merchant


async def test_a_retry_that_missed_the_commit_replays_instead_of_applying_twice(
    merchant: Merchant, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = await merchant.order("ledyer", [SAMSUNG])
    headers = {**await merchant.ledyer_headers(), "Idempotency-Key": "race-1"}
    body = {"orderLines": [SAMSUNG], "totalCaptureAmount": 489000}
    path = f"/v1/orders/{created['orderId']}/capture"
    first = await merchant.client.post(path, json=body, headers=headers)
    assert first.status_code == 200

    real_claim = orders.claim_and_lock
    calls: list[str] = []

    async def stale_claim(
        conn: asyncpg.Connection, client_id: str, key: str, order_id: str
    ) -> orders.Claimed:
        calls.append(key)
        claim = await real_claim(conn, client_id, key, order_id)
        if len(calls) == 1:
            # As if its snapshot predated the first request's commit: no stored answer, so
            # the statement went on to lock (and read) the order.
            return orders.Claimed(
                claim.locked, None, await orders.get(conn, order_id, for_update=True)
            )
        return claim

    monkeypatch.setattr(orders, "claim_and_lock", stale_claim)
    again = await merchant.client.post(path, json=body, headers=headers)
    assert calls == ["race-1", "race-1"]
    assert again.status_code == 200
    assert again.content == first.content
    monkeypatch.undo()
    order = (
        await merchant.client.get(
            f"/v1/orders/{created['orderId']}", headers=await merchant.ledyer_headers()
        )
    ).json()
    assert len(order["captured"]) == 1
    assert [e["type"] for e in order["events"]].count("fullCapture") == 1

"""The key's first request commits between a retry's look-up and its lock."""

import pytest

from orderdesk.store import idempotency
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

    real_claim = idempotency.claim
    calls: list[str] = []

    async def stale_claim(conn: object, client_id: str, key: str) -> object:
        calls.append(key)
        locked, stored = await real_claim(conn, client_id, key)  # type: ignore[arg-type]
        if len(calls) == 1:
            return locked, None  # as if its snapshot predates the first request's commit
        return locked, stored

    monkeypatch.setattr(idempotency, "claim", stale_claim)
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

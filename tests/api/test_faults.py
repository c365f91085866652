"""Fault injection through the sandbox API: what a shop's retry code meets."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.support.sandbox import ADMIN, SAMSUNG, SHOES, TSHIRTS, Merchant

WALLEY_CAPTURE = "POST /manage/orders/{orderId}/capture"
LEDYER_PARTIAL = "POST /v1/orders/{orderId}/partialcapture"


@pytest.fixture(autouse=True)
async def no_faults_left(client: httpx.AsyncClient) -> Any:
    yield
    await client.delete("/sandbox/faults", headers=ADMIN)


async def fault(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    r = await client.post("/sandbox/faults", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


async def walley_capture(
    merchant: Merchant, order_id: str, key: str, headers: dict[str, str]
) -> httpx.Response:
    body = {"amount": 95.00, "items": [{"id": "10001", "unitPrice": 95, "quantity": 1}]}
    return await merchant.client.post(
        f"/manage/orders/{order_id}/capture",
        json=body,
        headers={**headers, "X-Idempotency": key},
    )


async def ledyer_capture(
    merchant: Merchant, order: dict[str, Any], key: str, headers: dict[str, str]
) -> httpx.Response:
    line = {**SAMSUNG, "id": order["lineIds"][0]}
    body = {"orderLines": [line], "totalCaptureAmount": SAMSUNG["totalAmount"]}
    return await merchant.client.post(
        f"/v1/orders/{order['orderId']}/partialcapture",
        json=body,
        headers={**headers, "Idempotency-Key": key},
    )


async def test_walley_503_after_commit_then_the_retry_gets_the_original_answer(
    merchant: Merchant,
) -> None:
    headers = await merchant.walley_headers()
    order_id = (await merchant.order("walley", [SHOES, TSHIRTS]))["orderId"]
    made = await fault(merchant.client, route=WALLEY_CAPTURE, orderId=order_id, phase="after")
    key = str(uuid.uuid4())

    lost = await walley_capture(merchant, order_id, key, headers)
    assert lost.status_code == 503
    assert lost.headers["x-orderdesk-fault"] == str(made["faultId"])
    body = lost.json()
    uuid.UUID(body.pop("id"))
    assert body == {
        "error": {
            "code": 503,
            "message": "Error",
            "errors": [{"reason": "SERVICE_UNAVAILABLE", "message": "Service Unavailable"}],
        }
    }

    retry = await walley_capture(merchant, order_id, key, headers)
    assert retry.status_code == 202
    assert retry.headers["location"] == f"/manage/orders/{order_id}"
    assert retry.content == b""
    data = (await merchant.client.get(f"/manage/orders/{order_id}", headers=headers)).json()
    assert [invoice["totalAmount"] for invoice in data["data"]["invoices"]] == [95]
    assert data["data"]["status"] == "PartActivated"


async def test_ledyer_503_after_commit_then_the_retry_gets_the_original_answer(
    merchant: Merchant,
) -> None:
    headers = await merchant.ledyer_headers()
    order = await merchant.order("ledyer", [SAMSUNG])
    await fault(
        merchant.client, route=LEDYER_PARTIAL, storeId=merchant.stores["ledyer"], phase="after"
    )
    key = str(uuid.uuid4())

    lost = await ledyer_capture(merchant, order, key, headers)
    assert lost.status_code == 503
    assert lost.json() == {
        "errors": [{"message": "Service Unavailable", "code": "SERVICE_UNAVAILABLE"}]
    }

    retry = await ledyer_capture(merchant, order, key, headers)
    assert retry.status_code == 200, retry.text
    assert retry.json()["status"] == ["fullyCaptured"]
    again = await ledyer_capture(merchant, order, key, headers)
    assert again.content == retry.content  # the stored answer, byte for byte
    fetched = await merchant.client.get(f"/v1/orders/{order['orderId']}", headers=headers)
    [chunk] = fetched.json()["captured"]
    assert chunk["totalOrderAmount"]["amount"] == "4890.00"


async def test_a_fault_before_applying_writes_nothing_and_counts_exactly(
    merchant: Merchant,
) -> None:
    headers = await merchant.ledyer_headers()
    order = await merchant.order("ledyer", [SAMSUNG])
    await fault(
        merchant.client, route=LEDYER_PARTIAL, orderId=order["orderId"], count=2, status=500
    )
    statuses = [
        (await ledyer_capture(merchant, order, f"k-{n}", headers)).status_code for n in range(2)
    ]
    assert statuses == [500, 500]
    fetched = await merchant.client.get(f"/v1/orders/{order['orderId']}", headers=headers)
    assert fetched.json()["captured"] == []
    r = await merchant.client.get("/sandbox/faults", headers=ADMIN)
    assert r.json() == {"faults": []}
    assert (await ledyer_capture(merchant, order, "k-3", headers)).status_code == 200


async def test_faults_match_only_their_store_route_and_order(merchant: Merchant) -> None:
    headers = await merchant.ledyer_headers()
    first = await merchant.order("ledyer", [SAMSUNG])
    second = await merchant.order("ledyer", [SAMSUNG])
    await fault(merchant.client, route=LEDYER_PARTIAL, orderId=first["orderId"])
    await fault(merchant.client, storeId=merchant.stores["walley"])
    ok = await ledyer_capture(merchant, second, "other-order", headers)
    assert ok.status_code == 200
    # GET is another route: not matched by the first fault; the store fault is Walley's
    got = await merchant.client.get(f"/v1/orders/{first['orderId']}", headers=headers)
    assert got.status_code == 200
    assert (await ledyer_capture(merchant, first, "this-order", headers)).status_code == 503
    waiting = (await merchant.client.get("/sandbox/faults", headers=ADMIN)).json()["faults"]
    assert [(f["storeId"], f["remaining"]) for f in waiting] == [(merchant.stores["walley"], 1)]


async def test_a_delay_before_applying_answers_late_but_normally(merchant: Merchant) -> None:
    headers = await merchant.ledyer_headers()
    order = await merchant.order("ledyer", [SAMSUNG])
    await fault(merchant.client, orderId=order["orderId"], action="delay", delayMs=300)
    started = time.monotonic()
    r = await merchant.client.get(f"/v1/orders/{order['orderId']}", headers=headers)
    assert r.status_code == 200
    assert time.monotonic() - started >= 0.3


async def test_the_sandbox_api_checks_fault_bodies(client: httpx.AsyncClient) -> None:
    r = await client.post("/sandbox/faults", json={"route": "POST /nowhere"}, headers=ADMIN)
    assert r.status_code == 422
    assert r.json() == {
        "error": {"code": "UNKNOWN_ROUTE", "message": "No route 'POST /nowhere'", "field": "route"}
    }
    r = await client.post("/sandbox/faults", json={"status": 404}, headers=ADMIN)
    assert r.status_code == 400
    r = await client.post("/sandbox/faults", content=json.dumps({}), headers=ADMIN)
    assert r.status_code == 201
    assert r.json() | {"faultId": 0} == {
        "faultId": 0,
        "storeId": None,
        "route": None,
        "method": None,
        "orderId": None,
        "action": "error",
        "status": 503,
        "delayMs": 0,
        "phase": "before",
        "remaining": 1,
        "applied": 0,
    }
    assert (await client.post("/sandbox/faults", json={})).status_code == 401
    deleted = await client.delete("/sandbox/faults", headers=ADMIN)
    assert deleted.json() == {"deleted": 1}


async def test_sandbox_and_health_paths_are_never_faulted(client: httpx.AsyncClient) -> None:
    await fault(client, count=5)
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/sandbox/faults", headers=ADMIN)).status_code == 200
    waiting = (await client.get("/sandbox/faults", headers=ADMIN)).json()["faults"]
    assert [f["remaining"] for f in waiting] == [5]

"""Klarna orders in the sandbox: made in Klarna's own shape, on hold (``fraud_status``),
faults on Klarna's routes, test clocks and expiry, metrics, the request journal and the
back-office's order page and forms."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
import pytest

from orderdesk.providers.klarna.tests.klarna_api import BASE, BIKE, LAMP, Klarna, error
from tests.backoffice.test_pages import signed_in
from tests.support.sandbox import ADMIN, Merchant

TOTAL = BIKE["total_amount"] + LAMP["total_amount"]
CAPTURES = "POST /ordermanagement/v1/orders/{orderId}/captures"


@pytest.fixture
async def api(merchant: Merchant) -> Klarna:
    made = await Klarna.of(merchant)
    merchant.stores["klarna"] = made.store
    return made


async def own_shape(api: Klarna, **extra: Any) -> httpx.Response:
    body = {"storeId": api.store, "order_lines": [BIKE, LAMP], "order_amount": TOTAL, **extra}
    return await api.client.post("/sandbox/orders", json=body, headers=ADMIN)


async def capture(api: Klarna, order_id: str, amount: int) -> httpx.Response:
    return await api.send("POST", f"{BASE}/{order_id}/captures", {"captured_amount": amount})


async def test_a_sandbox_order_in_klarnas_own_shape(api: Klarna) -> None:
    address = {"given_name": "Sven", "family_name": "Svensson", "city": "Stockholm"}
    r = await own_shape(
        api,
        order_tax_amount=BIKE["total_tax_amount"] + LAMP["total_tax_amount"],
        merchant_reference1="4711",
        merchant_reference2="campaign-7",
        billing_address={**address, "country": "SE", "email": "sven@example.com"},
        acknowledged=True,
    )
    assert r.status_code == 201, r.text
    order = await api.order(r.json()["orderId"])
    assert (order["order_amount"], order["status"]) == (TOTAL, "AUTHORIZED")
    keys = ("reference", "name", "quantity", "unit_price", "total_amount", "tax_rate")
    assert [{k: x[k] for k in keys} for x in order["order_lines"]] == [
        {k: x[k] for k in keys} for x in (BIKE, LAMP)
    ]
    assert (order["merchant_reference1"], order["merchant_reference2"]) == ("4711", "campaign-7")
    billing = order["billing_address"]
    assert (billing["given_name"], billing["city"], billing["email"]) == (
        "Sven",
        "Stockholm",
        "sven@example.com",
    )
    # the common shape still makes Klarna orders (klarna_api.Klarna.new_order sends it)
    assert (await api.order(await api.new_order()))["order_amount"] == TOTAL


async def test_klarnas_shape_is_refused_as_the_sandbox_refuses(api: Klarna) -> None:
    # the order's rules are the sandbox's, in the sandbox's envelope and field names
    wrong = await own_shape(api, order_amount=TOTAL + 1)
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["error"]["code"] == "TOTAL_AMOUNT_MISMATCH"
    r = await own_shape(api, order_lines=[{**BIKE, "quantity": "one"}])
    assert r.status_code == 400 and "order_lines[0].quantity" in r.text, r.text
    walley = {"storeId": api.merchant.stores["walley"], "order_lines": [BIKE], "order_amount": 1}
    r = await api.client.post("/sandbox/orders", json=walley, headers=ADMIN)
    assert r.status_code == 400, r.text  # a store whose provider has no shape of its own


async def test_an_order_on_hold_is_pending_then_accepted(api: Klarna) -> None:
    order_id = (await own_shape(api, onHold=True)).json()["orderId"]
    order = await api.order(order_id)
    assert (order["status"], order["fraud_status"]) == ("AUTHORIZED", "PENDING")
    assert error(await capture(api, order_id, TOTAL)) == (403, "CAPTURE_NOT_ALLOWED")
    accepted = await api.client.post(f"/sandbox/orders/{order_id}/accept", headers=ADMIN)
    assert accepted.status_code == 200, accepted.text
    assert (await api.order(order_id))["fraud_status"] == "ACCEPTED"
    assert (await capture(api, order_id, TOTAL)).status_code == 201


async def test_a_rejected_order_is_cancelled_with_nothing_left(api: Klarna) -> None:
    order_id = (await own_shape(api, onHold=True)).json()["orderId"]
    rejected = await api.client.post(f"/sandbox/orders/{order_id}/reject", headers=ADMIN)
    assert rejected.status_code == 200, rejected.text
    order = await api.order(order_id)
    assert (order["status"], order["fraud_status"]) == ("CANCELLED", "REJECTED")
    assert order["remaining_authorized_amount"] == 0
    assert error(await capture(api, order_id, 1)) == (403, "CAPTURE_NOT_ALLOWED")


async def test_a_fault_on_klarnas_captures_route_answers_in_its_envelope(api: Klarna) -> None:
    order_id = await api.new_order()
    body = {"route": CAPTURES, "orderId": order_id, "status": 503}
    made = await api.client.post("/sandbox/faults", json=body, headers=ADMIN)
    assert made.status_code == 201, made.text
    try:
        failed = await capture(api, order_id, BIKE["total_amount"])
        assert error(failed) == (503, "SERVICE_UNAVAILABLE") or failed.status_code == 503
        assert set(failed.json()) == {"error_code", "error_messages", "correlation_id"}
        assert failed.headers["x-orderdesk-fault"] == str(made.json()["faultId"])
    finally:
        await api.client.delete("/sandbox/faults", headers=ADMIN)
    assert (await capture(api, order_id, BIKE["total_amount"])).status_code == 201


async def test_a_test_clock_expires_a_klarna_order(api: Klarna) -> None:
    order_id = await api.new_order()
    r = await api.client.post(
        f"/sandbox/stores/{api.store}/clock/advance", json={"seconds": 15 * 86400}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    order = await api.order(order_id)
    assert (order["status"], order["remaining_authorized_amount"]) == ("EXPIRED", 0)
    assert error(await capture(api, order_id, 1)) == (403, "CAPTURE_NOT_ALLOWED")
    extend = await api.send("POST", f"{BASE}/{order_id}/extend-authorization-time")
    assert error(extend) == (403, "NOT_ALLOWED")


def _sample(text: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    found = re.search(
        r"^" + re.escape(f"orderdesk_http_requests_total{{{wanted}}}") + r" (\S+)$",
        text,
        re.MULTILINE,
    )
    return float(found.group(1)) if found else 0.0


async def test_metrics_count_klarna_requests_by_route(api: Klarna) -> None:
    order_id = await api.new_order()
    labels = {"dialect": "klarna", "route": "/ordermanagement/v1/orders/{orderId}/captures"}
    before = (await api.client.get("/metrics")).text
    assert (await capture(api, order_id, BIKE["total_amount"])).status_code == 201
    after = (await api.client.get("/metrics")).text
    assert _sample(after, **labels, method="POST", status="201") == (
        _sample(before, **labels, method="POST", status="201") + 1
    )


async def test_the_back_office_speaks_klarnas_statuses_and_its_forms_work(
    api: Klarna, client: httpx.AsyncClient
) -> None:
    csrf = await signed_in(client)
    order_id = await api.new_order()
    page = await client.get(f"/admin/orders/{order_id}")
    assert page.status_code == 200
    assert "AUTHORIZED" in page.text and "authorised, nothing captured yet" in page.text

    async def act(action: str, **form: Any) -> httpx.Response:
        data = {"csrf": csrf, "key": str(uuid.uuid4()), **form}
        return await client.post(f"/admin/orders/{order_id}/{action}", data=data)

    line = re.findall(r'name="line" value="([^"]+)"', page.text)[0]
    assert (await act("capture", line=line)).status_code == 303
    assert (await act("extend")).status_code == 303
    refused = await act("cancel")
    assert refused.status_code == 422 and "Klarna cancels only orders" in refused.text
    assert (await act("capture", all="1")).status_code == 303
    assert (await act("refund", by="amount", amount="100")).status_code == 303
    order = await api.order(order_id)
    assert (order["status"], order["captured_amount"], order["refunded_amount"]) == (
        "CAPTURED",
        TOTAL,
        10000,
    )
    page = await client.get(f"/admin/orders/{order_id}")
    assert "CAPTURED" in page.text and "fully captured" in page.text

    other = await api.new_order()
    cancelled = await client.post(
        f"/admin/orders/{other}/cancel", data={"csrf": csrf, "key": str(uuid.uuid4())}
    )
    assert cancelled.status_code == 303
    assert (await api.order(other))["status"] == "CANCELLED"


async def test_the_journal_lists_klarna_requests(api: Klarna, client: httpx.AsyncClient) -> None:
    await signed_in(client)
    order_id = await api.new_order()
    assert (await capture(api, order_id, BIKE["total_amount"])).status_code == 201
    path = f"{BASE}/{order_id}/captures"
    for _ in range(50):
        page = await client.get(f"/admin/orders/{order_id}")
        if path in page.text:
            break
        await asyncio.sleep(0.1)
    assert path in page.text and "201" in page.text


async def test_a_klarna_key_on_another_order_is_a_conflict(api: Klarna) -> None:
    first, second = await api.new_order(), await api.new_order()
    key = {"klarna-idempotency-key": f"k-{uuid.uuid4()}"}
    made = await api.send("POST", f"{BASE}/{first}/captures", {"captured_amount": 100}, key)
    assert made.status_code == 201
    other = await api.send("POST", f"{BASE}/{second}/captures", {"captured_amount": 100}, key)
    assert error(other) == (409, "CONFLICT")
    assert (await api.order(second))["captured_amount"] == 0

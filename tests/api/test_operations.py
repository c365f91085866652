"""Health, readiness, Prometheus metrics and request ids, on the real app over HTTP."""

from __future__ import annotations

import importlib.metadata
import json
import logging
import re
import uuid

import httpx
import pytest
from fastapi import FastAPI

from orderdesk.ops.logs import JsonFormatter, RequestIdFilter, request_id
from orderdesk.store.migrate import migration_files
from tests.support.envelopes import error_code
from tests.support.sandbox import SAMSUNG, SHOES, TSHIRTS, Merchant

VERSION = importlib.metadata.version("orderdesk")  # the installed distribution's, not the module's


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text; 0 when it is not there yet."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = re.escape(f"{name}{{{wanted}}}" if labels else name) + r" (\S+)"
    found = re.search(r"^" + pattern + "$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def metrics(client: httpx.AsyncClient) -> str:
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    return r.text


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert (r.status_code, r.json()) == (200, {"status": "ok", "version": VERSION})
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": "ok", "migrations": len(migration_files())}


async def test_the_metrics_name_the_version(client: httpx.AsyncClient) -> None:
    text = await metrics(client)
    assert sample(text, "orderdesk_build_info", version=VERSION) == 1
    assert len(re.findall(r"^orderdesk_build_info\{", text, re.MULTILINE)) == 1


async def test_readyz_names_missing_migrations(app: FastAPI, client: httpx.AsyncClient) -> None:
    async with app.state.pool.acquire() as conn:
        name = await conn.fetchval("SELECT name FROM schema_migrations WHERE version = 10")
        await conn.execute("DELETE FROM schema_migrations WHERE version = 10")
        try:
            r = await client.get("/readyz")
        finally:
            await conn.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (10, $1)", name
            )
    assert r.status_code == 503
    assert r.json() == {"status": "unavailable", "database": "ok", "missingMigrations": [10]}


async def test_requests_are_counted_by_dialect_route_and_status(
    merchant: Merchant,
) -> None:
    client = merchant.client
    headers = await merchant.ledyer_headers()
    before = await metrics(client)
    labels = {"dialect": "ledyer", "route": "/v1/orders/{orderId}", "method": "GET"}
    missing = await client.get(f"/v1/orders/or_{uuid.uuid4().hex}", headers=headers)
    assert missing.status_code == 404
    after = await metrics(client)
    assert sample(after, "orderdesk_http_requests_total", **labels, status="404") == (
        sample(before, "orderdesk_http_requests_total", **labels, status="404") + 1
    )
    count = "orderdesk_http_request_duration_seconds_count"
    assert sample(after, count, **labels) == sample(before, count, **labels) + 1
    unmatched = {"dialect": "other", "route": "unmatched", "method": "GET", "status": "404"}
    await client.get("/no/such/path")
    assert sample(await metrics(client), "orderdesk_http_requests_total", **unmatched) >= 1


async def test_captures_replays_and_conflicts_are_counted(merchant: Merchant) -> None:
    client = merchant.client
    headers = await merchant.walley_headers()
    order_id = (await merchant.order("walley", [SHOES, TSHIRTS]))["orderId"]
    before = await metrics(client)
    body = {"amount": 95.00, "items": [{"id": "10001", "unitPrice": 95, "quantity": 1}]}
    url = f"/manage/orders/{order_id}/capture"
    key = {**headers, "X-Idempotency": str(uuid.uuid4())}
    assert (await client.post(url, json=body, headers=key)).status_code == 202
    assert (await client.post(url, json=body, headers=key)).status_code == 202  # replay
    other = {**body, "amount": 190.00, "items": []}
    conflict = await client.post(url, json=other, headers=key)
    assert error_code(conflict) == "IDEMPOTENCY_KEY_REUSED"
    after = await metrics(client)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    sek = {"type": "partialCapture", "currency": "SEK"}
    assert delta("orderdesk_order_events_total", **sek) == 1
    assert delta("orderdesk_order_event_amount_minor_total", **sek) == 9500
    assert delta("orderdesk_idempotent_replays_total", dialect="walley") == 1
    assert delta("orderdesk_idempotency_conflicts_total", dialect="walley") == 1
    assert sample(after, "orderdesk_db_pool_connections") >= 1


async def test_a_request_id_is_returned_and_kept_from_the_request(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/healthz", headers={"X-Request-Id": "shop-req-42"})
    assert r.headers["x-request-id"] == "shop-req-42"
    made = (await client.get("/healthz")).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", made)
    r = await client.get("/healthz", headers={"X-Request-Id": "x" * 129})
    assert r.headers["x-request-id"] != "x" * 129


async def test_an_order_change_is_logged_at_debug_and_counted_in_the_metrics(
    merchant: Merchant, caplog: pytest.LogCaptureFixture
) -> None:
    """A line per change at INFO cost 8-11 % of the server's CPU per capture; the metrics
    count the changes, the line is there for DEBUG."""
    headers = await merchant.walley_headers()
    order_id = (await merchant.order("walley", [SHOES, TSHIRTS]))["orderId"]
    body = {"amount": 95.00, "items": [{"id": "10001", "unitPrice": 95, "quantity": 1}]}
    with caplog.at_level(logging.DEBUG, "orderdesk.orders"):
        r = await merchant.client.post(
            f"/manage/orders/{order_id}/capture", json=body, headers=headers
        )
    assert r.status_code == 202
    logged = [rec for rec in caplog.records if rec.name == "orderdesk.orders"]
    assert [(rec.levelname, rec.getMessage()) for rec in logged] == [
        ("DEBUG", f"order {order_id}: partialCapture 9500 SEK")
    ]


def test_json_logs_carry_the_request_id() -> None:
    record = logging.LogRecord(
        "orderdesk.orders", logging.INFO, __file__, 1, "order %s", ("o1",), None
    )
    token = request_id.set("rid-1")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "order o1"
    assert (line["level"], line["logger"], line["request_id"]) == (
        "INFO",
        "orderdesk.orders",
        "rid-1",
    )


@pytest.mark.parametrize("explicit", [False, True])
async def test_a_credential_covers_stores_added_later_unless_it_names_its_stores(
    merchant: Merchant, explicit: bool
) -> None:
    store_ids = [merchant.stores["walley"]] if explicit else None
    client_id, secret = await merchant.credential(store_ids)
    later = await merchant.store("ledyer")
    order = await merchant.order(later, [SAMSUNG])
    headers = await merchant.ledyer_headers(client_id, secret)
    r = await merchant.client.get(f"/v1/orders/{order['orderId']}", headers=headers)
    assert r.status_code == (403 if explicit else 200), r.text

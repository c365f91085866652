"""Operating a real ``orderdesk serve --workers 2``: worker logs (JSON, with request ids),
metrics summed over workers, draining on SIGTERM, and faults that drop the connection."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.database import NewDatabase
from tests.support.sandbox import ADMIN, ADMIN_TOKEN, SAMSUNG, Merchant, new_merchant
from tests.support.server import free_port

pytestmark = pytest.mark.e2e


class Running:
    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


async def start(database_url: str, log: Path, workers: int, **env: str) -> Running:
    port = free_port()
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("ORDERDESK_", "PROMETHEUS_"))
    }
    environment.update(
        DATABASE_URL=database_url, ORDERDESK_ADMIN_TOKEN=ADMIN_TOKEN, ORDERDESK_PORT=str(port)
    )
    environment.update(env)
    command = [sys.executable, "-m", "orderdesk", "serve", "--no-demo", "--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=environment, stdout=out, stderr=subprocess.STDOUT)
    running = Running(process, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        if log.read_text().count("Application startup complete") >= workers:
            try:
                async with httpx.AsyncClient(base_url=running.url) as client:
                    if (await client.get("/readyz")).status_code == 200:
                        return running
            except httpx.TransportError:
                pass
        await asyncio.sleep(0.05)
    running.stop()
    raise AssertionError(log.read_text())


@pytest.fixture
async def json_server(new_database: NewDatabase, tmp_path: Path) -> AsyncIterator[Running]:
    running = await start(
        await new_database(),
        tmp_path / "server.log",
        2,
        ORDERDESK_LOG_FORMAT="json",
        ORDERDESK_LOG_LEVEL="DEBUG",  # order changes are logged at DEBUG
    )
    yield running
    assert running.stop() == 0


def json_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


async def ledyer_capture(
    merchant: Merchant, order: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    line = {**SAMSUNG, "id": order["lineIds"][0]}
    return await merchant.client.post(
        f"/v1/orders/{order['orderId']}/partialcapture",
        json={"orderLines": [line], "totalCaptureAmount": SAMSUNG["totalAmount"]},
        headers=headers,
    )


async def test_two_workers_log_order_changes_as_json_with_request_ids(
    json_server: Running,
) -> None:
    async with httpx.AsyncClient(base_url=json_server.url, timeout=30) as client:
        merchant = await new_merchant(client)
        headers = await merchant.ledyer_headers()
        ids = []
        for n in range(4):  # several requests, so that both workers are likely to serve some
            order = await merchant.order("ledyer", [SAMSUNG])
            rid = f"e2e-capture-{n}-{uuid.uuid4().hex[:6]}"
            r = await ledyer_capture(merchant, order, {**headers, "X-Request-Id": rid})
            assert r.status_code == 200
            assert r.headers["x-request-id"] == rid
            ids.append((order["orderId"], rid))
    await asyncio.sleep(0.2)
    lines = json_lines(json_server.log)
    for order_id, rid in ids:
        logged = [line for line in lines if line.get("request_id") == rid]
        assert [line["message"] for line in logged] == [
            f"order {order_id}: fullCapture 489000 SEK"
        ], lines[-20:]
        assert logged[0]["logger"] == "orderdesk.orders"
        assert logged[0]["level"] == "DEBUG"
    pids = {line["message"] for line in lines if "Started server process" in line["message"]}
    assert len(pids) == 2


async def test_metrics_count_the_requests_of_every_worker(json_server: Running) -> None:
    async with httpx.AsyncClient(base_url=json_server.url, timeout=30) as client:
        for n in range(20):  # a client id each: wrong secrets for one would soon be a 429
            r = await client.post("/oauth/token?grant_type=client_credentials", auth=(f"x{n}", "y"))
            assert r.status_code == 401
        wanted = (
            'orderdesk_http_requests_total{dialect="ledyer",method="POST",'
            'route="/oauth/token",status="401"} 20.0'
        )
        for _ in range(6):  # whichever worker answers, it reports both workers' counts
            text = (await client.get("/metrics")).text
            assert wanted in text.splitlines(), re.findall(r".*oauth/token.*", text)


@pytest.fixture
async def one_worker(new_database: NewDatabase, tmp_path: Path) -> AsyncIterator[Running]:
    running = await start(await new_database(), tmp_path / "server.log", 1)
    yield running
    running.stop()


async def fault(client: httpx.AsyncClient, **body: Any) -> None:
    r = await client.post("/sandbox/faults", json=body, headers=ADMIN)
    assert r.status_code == 201, r.text


async def test_sigterm_lets_an_in_flight_request_finish(one_worker: Running) -> None:
    async with httpx.AsyncClient(base_url=one_worker.url, timeout=30) as client:
        merchant = await new_merchant(client)
        headers = await merchant.ledyer_headers()
        order = await merchant.order("ledyer", [SAMSUNG])
        await fault(client, orderId=order["orderId"], action="delay", delayMs=1500)
        slow = asyncio.create_task(client.get(f"/v1/orders/{order['orderId']}", headers=headers))
        await asyncio.sleep(0.5)
        one_worker.process.send_signal(signal.SIGTERM)
        r = await slow
    assert r.status_code == 200
    assert r.json()["id"] == order["orderId"]
    assert one_worker.process.wait(timeout=30) == 0


async def test_a_dropped_answer_after_commit_keeps_the_write(one_worker: Running) -> None:
    async with httpx.AsyncClient(base_url=one_worker.url, timeout=30) as client:
        merchant = await new_merchant(client)
        headers = await merchant.ledyer_headers()
        order = await merchant.order("ledyer", [SAMSUNG])
        await fault(client, orderId=order["orderId"], action="drop", phase="after")
        keyed = {**headers, "Idempotency-Key": str(uuid.uuid4())}
        with pytest.raises(httpx.RemoteProtocolError):
            await ledyer_capture(merchant, order, keyed)
        retry = await ledyer_capture(merchant, order, keyed)
        assert retry.status_code == 200
        assert retry.json()["status"] == ["fullyCaptured"]
        assert len(retry.json()["captured"]) == 1


async def test_a_timeout_holds_the_request_then_closes_without_an_answer(
    one_worker: Running,
) -> None:
    async with httpx.AsyncClient(base_url=one_worker.url, timeout=30) as client:
        merchant = await new_merchant(client)
        headers = await merchant.ledyer_headers()
        order = await merchant.order("ledyer", [SAMSUNG])
        await fault(client, orderId=order["orderId"], action="timeout", delayMs=400)
        started = time.monotonic()
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(f"/v1/orders/{order['orderId']}", headers=headers)
        assert time.monotonic() - started >= 0.4
        after = await client.get(f"/v1/orders/{order['orderId']}", headers=headers)
        assert after.status_code == 200
        assert after.json()["captured"] == []
    assert "Traceback" not in one_worker.log.read_text()

"""Klarna's part of the demo walkthrough, run verbatim with curl against a real server, and
a Klarna store and order seeded from a scenario file."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from orderdesk.providers.klarna import TITLE
from tests.cli.test_seed import seeded
from tests.support.apps import demo_walkthrough, running_app
from tests.support.database import admin_url, create_database, drop_database
from tests.support.sandbox import ADMIN_TOKEN
from tests.support.server import Server


def klarna_commands(printed: str) -> list[str]:
    """The shell commands of Klarna's section of the walkthrough (continued lines joined)."""
    section = printed.split(f"# {TITLE}:", 1)[1].split("\n#", 1)[0]
    joined = section.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines()[1:] if line.strip()]


async def test_the_printed_walkthrough_runs_verbatim(server: Server) -> None:
    demo, printed = await demo_walkthrough(server.database_url, server.url, ADMIN_TOKEN)
    order_id = demo.orders["klarna"]["order"]
    assert f"{TITLE} order (store klarna-demo-se): {order_id}" in printed
    get, capture = klarna_commands(printed)
    shown = subprocess.run(shlex.split(get), capture_output=True, text=True, timeout=30)
    assert f'"order_id":"{order_id}"' in shown.stdout and '"status":"AUTHORIZED"' in shown.stdout
    made = subprocess.run(shlex.split(capture), capture_output=True, text=True, timeout=30)
    status_line = made.stdout.splitlines()[0]
    assert status_line.startswith("HTTP/1.1 201"), made.stdout
    assert f"/ordermanagement/v1/orders/{order_id}/captures/" in made.stdout
    again = subprocess.run(shlex.split(capture), capture_output=True, text=True, timeout=30)
    assert again.stdout.splitlines()[0].startswith("HTTP/1.1 201")  # the key's first answer
    auth = (demo.client_id, demo.client_secret)
    async with httpx.AsyncClient(base_url=server.url, auth=auth) as client:
        order = (await client.get(f"/ordermanagement/v1/orders/{order_id}")).json()
    assert (order["status"], len(order["captures"])) == ("CAPTURED", 1)


SCENARIO = """
merchants:
  - name: Klarna shop
    stores:
      - {id: klarna-se-7, provider: klarna, country: SE, currency: SEK}
    credentials:
      - {clientId: od_klarna_ci, clientSecret: klarna-ci-secret-0001}
    orders:
      - store: klarna-se-7
        reference: klarna-7-{n}
        count: 2
        lines:
          - {reference: BIKE-1, description: City bike, quantity: 1, unitPrice: 599900, vat: 2500}
"""


@pytest.fixture
async def empty_database() -> AsyncIterator[str]:
    admin = await admin_url()
    url = await create_database(admin)
    yield url
    await drop_database(admin, url)


async def test_a_scenario_seeds_klarna_orders(empty_database: str, tmp_path: Path) -> None:
    path = tmp_path / "klarna.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    report = seeded(empty_database, str(path))
    assert [(s["storeId"], s["provider"]) for s in report["stores"]] == [("klarna-se-7", "klarna")]
    orders = [order["orderId"] for order in report["orders"]]
    assert len(orders) == 2
    async with running_app(empty_database, "seed-admin") as app:
        transport = httpx.ASGITransport(app=app)
        auth = ("od_klarna_ci", "klarna-ci-secret-0001")
        async with httpx.AsyncClient(transport=transport, base_url="http://t", auth=auth) as c:
            r = await c.get(f"/ordermanagement/v1/orders/{orders[0]}")
    assert r.status_code == 200, r.text
    assert (r.json()["merchant_reference1"], r.json()["order_amount"]) == ("klarna-7-1", 599900)
    conn = await asyncpg.connect(empty_database)
    try:
        assert await conn.fetchval("SELECT count(*) FROM orders WHERE provider = 'klarna'") == 2
    finally:
        await conn.close()

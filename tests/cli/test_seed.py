"""``orderdesk seed FILE``: the documented example, idempotent, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from orderdesk.app import create_app
from orderdesk.config import Settings
from tests.support.database import admin_url, create_database, drop_database

EXAMPLE = Path(__file__).parents[2] / "examples" / "scenario.yaml"


@pytest.fixture
async def empty_database() -> AsyncIterator[str]:
    admin = await admin_url()
    url = await create_database(admin)
    yield url
    await drop_database(admin, url)


def seed(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERDESK_")}
    env["DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "orderdesk", "seed", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def seeded(url: str, *args: str) -> dict[str, Any]:
    done = seed(url, *args, "--json")
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


async def test_the_example_seeds_once_and_its_credentials_work(empty_database: str) -> None:
    first = seeded(empty_database, str(EXAMPLE))
    [merchant] = first["merchants"]
    assert merchant["name"] == "Nordic Shoes AB"
    assert merchant["new"] is True
    assert [(s["storeId"], s["provider"], s["new"]) for s in first["stores"]] == [
        ("1001", "walley", True),
        ("970245072", "ledyer", True),
    ]
    generated, fixed = first["credentials"]
    assert (generated["name"], generated["allStores"], generated["new"]) == ("ci", True, True)
    assert generated["storeIds"] == ["1001", "970245072"]
    assert len(generated["clientSecret"]) >= 32
    assert fixed == {
        "name": "od_nordic_ci",
        "clientId": "od_nordic_ci",
        "clientSecret": "nordic-ci-secret-0001",
        "storeIds": ["970245072"],
        "allStores": False,
        "new": True,
    }
    references = [order["reference"] for order in first["orders"]]
    assert references == ["walley-1001", "ledyer-1001", *(f"bulk-{n}" for n in range(1, 51))]
    assert all(order["new"] for order in first["orders"])

    again = seeded(empty_database, str(EXAMPLE))
    assert [m["new"] for m in again["merchants"]] == [False]
    assert [m["merchantId"] for m in again["merchants"]] == [merchant["merchantId"]]
    assert [s["new"] for s in again["stores"]] == [False, False]
    assert [(c["clientId"], c["new"]) for c in again["credentials"]] == [
        (generated["clientId"], False),
        ("od_nordic_ci", False),
    ]
    assert again["credentials"][0]["clientSecret"] is None  # shown once, when it was made
    assert [(o["orderId"], o["new"]) for o in again["orders"]] == [
        (o["orderId"], False) for o in first["orders"]
    ]

    app = create_app(Settings(database_url=empty_database, admin_token="seed-admin"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            token = await client.post(
                "/oauth/token?grant_type=client_credentials",
                auth=("od_nordic_ci", "nordic-ci-secret-0001"),
            )
            assert token.status_code == 200
            headers = {"authorization": f"Bearer {token.json()['access_token']}"}
            ledyer_order = first["orders"][1]["orderId"]
            r = await client.get(f"/v1/orders/{ledyer_order}", headers=headers)
            assert r.status_code == 200
            assert r.json()["merchantReference"] == "ledyer-1001"
            walley_order = first["orders"][0]["orderId"]
            r = await client.get(f"/v1/orders/{walley_order}", headers=headers)
            assert r.status_code == 404  # a Walley order is not one of Ledyer's API


def test_text_output_lists_what_was_made(empty_database: str, tmp_path: Path) -> None:
    scenario = {
        "merchants": [
            {
                "name": "Tiny",
                "stores": [{"id": "t-1", "provider": "ledyer"}],
                "credentials": [{"clientId": "od_tiny", "clientSecret": "tiny-secret-000001"}],
                "orders": [
                    {
                        "store": "t-1",
                        "reference": "o-{n}",
                        "count": 25,
                        "lines": [{"reference": "a", "unitPrice": 100}],
                    }
                ],
            }
        ]
    }
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(scenario))
    done = seed(empty_database, str(path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("merchant ac_") and lines[0].endswith("'Tiny' (new)")
    assert lines[1] == "store t-1 ledyer (new)"
    assert lines[2] == "credential od_tiny secret tiny-secret-000001 for all stores (new)"
    assert lines[3] == "orders: 25 made, 0 already there"
    assert len(lines) == 4 + 20 + 1
    assert lines[-1] == "  … and 5 more (--json lists them all)"
    again = seed(empty_database, str(path))
    assert again.stdout.splitlines()[3] == "orders: 0 made, 25 already there"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("merchants: [", "is not valid YAML: "),
        ("merchants: []", "merchants: List should have at least 1 item after validation"),
        (
            "merchants: [{name: A, orders: [{store: x, reference: r, lines: "
            "[{reference: a, unitPrice: 1}]}]}]",
            "merchants.0: Value error, order 'r': store 'x' is not listed",
        ),
    ],
)
async def test_a_bad_file_is_one_line_and_writes_nothing(
    empty_database: str, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    done = seed(empty_database, str(path))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(f"orderdesk: {path}")
    assert message in done.stderr
    assert len(done.stderr.splitlines()) == 1
    conn = await asyncpg.connect(empty_database)
    try:
        assert await conn.fetchval("SELECT to_regclass('schema_migrations')") is None
    finally:
        await conn.close()

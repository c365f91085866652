"""``orderdesk seed FILE``: the documented example, idempotent, all or nothing, and one-line
errors."""

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
import yaml

from orderdesk.app import create_app
from orderdesk.config import Settings
from orderdesk.providers.registry import PROVIDERS
from tests.support.database import admin_url, create_database, drop_database
from tests.support.server import serve_once

EXAMPLE = Path(__file__).parents[2] / "examples" / "scenario.yaml"
README = Path(__file__).parents[2] / "README.md"


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
        (
            "merchants: [{name: A, stores: [{id: s, provider: ledyer}], orders: [{store: s, "
            "reference: r, paymentMethod: cash, lines: [{reference: a, unitPrice: 1}]}]}]",
            "merchants.0: Value error, order 'r': paymentMethod 'cash' is not one of "
            + ", ".join(PROVIDERS["ledyer"].payment_methods or ()),
        ),
        (
            "merchants: [{name: A, stores: [{id: s, provider: ledyer}], orders: [{store: s, "
            "reference: r, lines: [{reference: a, unitPrice: 0}]}]}]",
            "merchants.0.orders.0: Value error, an order must be worth more than 0 and at most "
            "1000000000000000",
        ),
        (
            "merchants: [{name: A, stores: [{id: s, provider: ledyer}], orders: [{store: s, "
            "reference: r, lines: [{reference: a, unitPrice: 1}], customer: {firstName: "
            + "x" * 201
            + "}}]}]",
            "merchants.0.orders.0.customer.firstName: String should have at most 200 characters",
        ),
        (
            "merchants: [{name: A, stores: [{id: s, provider: ledyer, currency: XXY}]}]",
            "merchants.0.stores.0.currency: Value error, 'XXY' is not an ISO 4217 currency",
        ),
        (
            "merchants: [{name: A, stores: [{id: s, provider: ledyer}]},"
            " {name: B, stores: [{id: s, provider: walley}]}]",
            "the file: Value error, store 's' is listed twice",
        ),
        (
            "merchants: [{name: A, credentials: [{clientId: od_a}]},"
            " {name: B, credentials: [{clientId: od_a}]}]",
            "the file: Value error, clientId 'od_a' is listed twice",
        ),
        (
            "merchants: [{name: A, stores: [{id: s, provider: ledyer}], orders: ["
            "{store: s, reference: 'r-{n}', count: 3, lines: [{reference: a, unitPrice: 1}]},"
            "{store: s, reference: r-2, lines: [{reference: a, unitPrice: 1}]}]}]",
            "the file: Value error, order 'r-2' of store 's' is listed twice",
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


TABLES = ("merchants", "stores", "credentials", "orders", "order_events", "ledger", "seeded")


async def rows(url: str) -> dict[str, int]:
    """How many rows each table ``orderdesk seed`` writes to holds."""
    conn = await asyncpg.connect(url)
    try:
        return {table: await conn.fetchval(f"SELECT count(*) FROM {table}") for table in TABLES}
    finally:
        await conn.close()


async def test_the_example_onto_the_demo_data_writes_nothing_and_says_what_to_do(
    empty_database: str, tmp_path: Path
) -> None:
    serve_once(empty_database)  # what `make run` makes: the demo merchant, a store a provider
    before = await rows(empty_database)
    conn = await asyncpg.connect(empty_database)
    try:
        demo = await conn.fetchrow(
            "SELECT m.id, m.name FROM merchants m JOIN stores s ON s.merchant_id = m.id"
            " WHERE s.id = '1001'"
        )
    finally:
        await conn.close()
    assert before["stores"] == len(PROVIDERS) and demo is not None

    done = seed(empty_database, str(EXAMPLE))
    assert done.returncode == 1
    assert done.stdout == ""
    assert await rows(empty_database) == before
    assert done.stderr.splitlines()[-1] == (
        f"orderdesk: {EXAMPLE}: stores 1001 and 970245072 already exist and belong to merchant "
        f"{demo['id']} ({demo['name']!r}), not to 'Nordic Shoes AB'; nothing was written. Give "
        "them other ids in the file, or seed onto an empty database (another DATABASE_URL, or "
        "another ORDERDESK_DATA_DIR for the embedded one)"
    )

    other_ids = tmp_path / "scenario.yaml"
    other_ids.write_text(
        EXAMPLE.read_text().replace('"1001"', '"2001"').replace('"970245072"', '"970245073"')
    )
    report = seeded(empty_database, str(other_ids))
    assert [(s["storeId"], s["new"]) for s in report["stores"]] == [
        ("2001", True),
        ("970245073", True),
    ]
    assert len(report["orders"]) == 52


async def test_a_credential_of_another_merchant_is_refused_and_writes_nothing(
    empty_database: str, tmp_path: Path
) -> None:
    first = tmp_path / "first.yaml"
    first.write_text("merchants: [{name: First, credentials: [{clientId: od_shared}]}]")
    made = seeded(empty_database, str(first))
    before = await rows(empty_database)
    second = tmp_path / "second.yaml"
    second.write_text(
        "merchants: [{name: Second, stores: [{id: s-2, provider: ledyer}],"
        " credentials: [{clientId: od_shared}]}]"
    )
    done = seed(empty_database, str(second))
    assert done.returncode == 1
    assert await rows(empty_database) == before
    assert done.stderr.splitlines()[-1] == (
        f"orderdesk: {second}: credential od_shared already exists and belongs to merchant "
        f"{made['merchants'][0]['merchantId']} ('First'), not to 'Second'; nothing was written. "
        "Give it another id in the file, or seed onto an empty database (another DATABASE_URL, "
        "or another ORDERDESK_DATA_DIR for the embedded one)"
    )


async def test_a_refusal_after_the_first_write_writes_nothing(
    empty_database: str, tmp_path: Path
) -> None:
    path = tmp_path / "foreign.yaml"
    path.write_text(
        "merchants: [{name: Shop, stores: [{id: s-1, provider: ledyer}],"
        " credentials: [{name: ci, stores: [s-1, elsewhere]}]}]"
    )
    done = seed(empty_database, str(path))
    assert done.returncode == 1
    assert await rows(empty_database) == dict.fromkeys(TABLES, 0)
    last = done.stderr.splitlines()[-1]
    assert last.startswith(f"orderdesk: {path}: STORE_NOT_OF_MERCHANT: Stores elsewhere do not")
    assert last.endswith("; nothing was written")


def test_the_readme_shows_the_example_file() -> None:
    section = README.read_text(encoding="utf-8").split("### Scenarios", 1)[1]
    shown = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert yaml.safe_load(shown) == yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))

"""`orderdesk serve` as a user runs it: embedded PostgreSQL, demo data, kept across restarts;
the line that says where it serves; `orderdesk --version`."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import asyncpg
import httpx

from orderdesk.app import create_app
from orderdesk.config import Settings
from tests.support.database import NewDatabase
from tests.support.server import free_port, serve_once, start_serve, stop_serve


def start(data_dir: Path, port: int, *args: str) -> tuple[subprocess.Popen[str], str]:
    """``orderdesk serve`` on its embedded PostgreSQL in ``data_dir``, once it serves."""
    return start_serve({"ORDERDESK_DATA_DIR": str(data_dir), "ORDERDESK_PORT": str(port)}, *args)


def test_serve_with_the_embedded_database_keeps_data_across_restarts(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc, output = start(tmp_path, port)
    try:
        assert "embedded PostgreSQL" in output
        client_id = re.search(r"client id:\s+(\S+)", output)
        secret = re.search(r"client secret:\s+(\S+)", output)
        order = re.search(r"Ledyer order \(store \d+\):\s+(\S+)", output)
        assert client_id and secret and order, output
        assert f"curl -s {base}/v1/orders/{order.group(1)}" in output
        token = httpx.post(
            f"{base}/oauth/token?grant_type=client_credentials",
            auth=(client_id.group(1), secret.group(1)),
        ).json()["access_token"]
        r = httpx.get(
            f"{base}/v1/orders/{order.group(1)}", headers={"authorization": f"Bearer {token}"}
        )
        assert r.status_code == 200
        assert r.json()["status"] == ["uncaptured", "unacknowledged"]  # the demo order is fresh
        assert httpx.get(f"{base}/docs").status_code == 200
    finally:
        stop_serve(proc)
    assert (tmp_path / "pgdata" / "PG_VERSION").exists()

    proc, _ = start(tmp_path, port, "--no-demo")
    try:
        r = httpx.get(
            f"{base}/v1/orders/{order.group(1)}", headers={"authorization": f"Bearer {token}"}
        )
        assert r.status_code == 200  # the order, the credential's token and the keys survived
    finally:
        stop_serve(proc)


async def test_the_start_line_names_the_start_page_the_docs_and_the_back_office(
    new_database: NewDatabase,
) -> None:
    port, output = serve_once(await new_database(), "--no-demo")
    base = f"http://127.0.0.1:{port}"
    assert (
        f"serving on {base} with 1 worker(s): start page {base}/, API docs {base}/docs, "
        f"back-office {base}/admin/\n"
    ) in output


def test_version_prints_the_package_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "orderdesk", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    version = importlib.metadata.version("orderdesk")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"orderdesk {version}\n", "")
    assert create_app(Settings(database_url="postgresql://unused")).version == version


async def test_a_demo_credential_chosen_in_the_environment(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    """What a CI job sets before the container starts; a new secret later replaces the old."""
    url, port = await new_database(), free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "DATABASE_URL": url,
        "ORDERDESK_HOST": "0.0.0.0",  # as in the image: the walkthrough names the loopback
        "ORDERDESK_PORT": str(port),
        "ORDERDESK_DEMO_CLIENT_ID": "od_ci_demo",
        "ORDERDESK_DEMO_CLIENT_SECRET": "ci-demo-secret-0001",
    }
    token = f"{base}/oauth/token?grant_type=client_credentials"
    proc, output = start_serve(env)
    try:
        assert re.search(
            r"client id:\s+od_ci_demo\n\s+client secret:\s+ci-demo-secret-0001\n", output
        )
        assert f"curl -s {base}/v1/orders/or_" in output
        assert httpx.post(token, auth=("od_ci_demo", "ci-demo-secret-0001")).status_code == 200
    finally:
        stop_serve(proc)

    proc, output = start_serve({**env, "ORDERDESK_DEMO_CLIENT_SECRET": "ci-demo-secret-0002"})
    try:
        assert "client secret:             ci-demo-secret-0002\n" in output
        assert httpx.post(token, auth=("od_ci_demo", "ci-demo-secret-0002")).status_code == 200
        assert httpx.post(token, auth=("od_ci_demo", "ci-demo-secret-0001")).status_code == 401
    finally:
        stop_serve(proc)

    scenario = tmp_path / "other.yaml"
    scenario.write_text(
        "merchants:\n  - name: Other\n    stores: [{id: other-1, provider: ledyer}]\n"
        "    credentials: [{clientId: od_taken, clientSecret: taken-secret-00001}]\n"
    )
    seeded = subprocess.run(
        [sys.executable, "-m", "orderdesk", "seed", "--quiet", str(scenario)],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert seeded.returncode == 0, seeded.stderr
    taken = {**env, "ORDERDESK_DEMO_CLIENT_ID": "od_taken"}
    refused = subprocess.run(
        [sys.executable, "-m", "orderdesk", "serve"],
        env={**os.environ, **taken},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1
    assert re.fullmatch(
        r"orderdesk: the demo client id od_taken \(ORDERDESK_DEMO_CLIENT_ID\) is a credential"
        r" of merchant \S+, not of the demo merchant \S+\n",
        refused.stderr.splitlines(keepends=True)[-1],
    ), refused.stderr


async def test_orderdesk_demo_false_makes_and_prints_no_demo(new_database: NewDatabase) -> None:
    """``--no-demo`` for where no argument can be given (a CI service container)."""
    url, port = await new_database(), free_port()
    env = {"DATABASE_URL": url, "ORDERDESK_PORT": str(port), "ORDERDESK_DEMO": "false"}
    proc, output = start_serve(env)
    output += stop_serve(proc)
    assert proc.returncode == 0, output
    assert "demo data" not in output and "client id" not in output
    conn = await asyncpg.connect(url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM demo_data") == 0
        assert await conn.fetchval("SELECT count(*) FROM merchants") == 0
    finally:
        await conn.close()

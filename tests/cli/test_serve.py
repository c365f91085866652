"""`orderdesk serve` as a user runs it: embedded PostgreSQL, demo data, kept across restarts;
the line that says where it serves; `orderdesk --version`."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

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

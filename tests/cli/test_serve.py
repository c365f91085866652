"""`orderdesk serve` as a user runs it: embedded PostgreSQL, demo data, kept across restarts."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start(data_dir: Path, port: int, *args: str) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        ORDERDESK_DATA_DIR=str(data_dir), ORDERDESK_PORT=str(port), ORDERDESK_ADMIN_TOKEN="t"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "orderdesk", "serve", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 90
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Application startup complete" in line:
            return proc, "".join(lines)
    proc.kill()
    raise AssertionError("server did not start:\n" + "".join(lines))


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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
        stop(proc)
    assert (tmp_path / "pgdata" / "PG_VERSION").exists()

    proc, _ = start(tmp_path, port, "--no-demo")
    try:
        r = httpx.get(
            f"{base}/v1/orders/{order.group(1)}", headers={"authorization": f"Bearer {token}"}
        )
        assert r.status_code == 200  # the order, the credential's token and the keys survived
    finally:
        stop(proc)

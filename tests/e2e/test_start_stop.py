"""Starting and stopping real ``orderdesk serve`` processes: signals stop the embedded
PostgreSQL every time, failed starts write nothing and say why in one line."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.server import free_port

pytestmark = pytest.mark.e2e

ADMIN_TOKEN = "e2e-admin"


def environment(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "DATABASE_URL" and not k.startswith(("ORDERDESK_", "PROMETHEUS_"))
    }
    env.update(
        ORDERDESK_DATA_DIR=str(data_dir),
        ORDERDESK_PORT=str(port),
        ORDERDESK_ADMIN_TOKEN=ADMIN_TOKEN,
        **extra,
    )
    return env


class Serve:
    """``orderdesk serve`` in a data directory; its merged output in ``output``."""

    def __init__(self, data_dir: Path, *args: str, **env: str) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.process = subprocess.Popen(
            [sys.executable, "-m", "orderdesk", "serve", *args],
            env=environment(data_dir, self.port, **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output = ""

    def wait_ready(self, timeout: float = 90) -> None:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.output += line
            if "Application startup complete" in line:
                return
        self.process.kill()
        raise AssertionError(f"the server did not start:\n{self.output}")

    def stop(self, sig: signal.Signals) -> int:
        self.process.send_signal(sig)
        out, _ = self.process.communicate(timeout=30)
        self.output += out
        return self.process.returncode


def postgres_processes(pgdata: Path) -> list[psutil.Process]:
    """Running postgres processes serving ``pgdata``."""
    found = []
    for proc in psutil.process_iter(attrs=("name", "cmdline")):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and str(pgdata.resolve()) in cmdline:
            found.append(proc)
    return found


def handles(pgdata: Path) -> list[int]:
    pids: list[int] = json.loads((pgdata / ".handle_pids.json").read_text())
    return pids


def dead_pid() -> int:
    """A pid no process has (a short-lived child's, after it was reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_sigterm_and_sigint_stop_the_embedded_postgres_even_after_a_stale_handle(
    tmp_path: Path,
) -> None:
    pgdata = tmp_path / "pgdata"
    first = Serve(tmp_path)
    first.wait_ready()
    assert len(postgres_processes(pgdata)) >= 1
    assert first.stop(signal.SIGTERM) == 0
    assert postgres_processes(pgdata) == []
    assert handles(pgdata) == []
    assert "embedded PostgreSQL stopped" in first.output

    # a process killed earlier left its pid behind: it must not keep the server running
    (pgdata / ".handle_pids.json").write_text(json.dumps([dead_pid()]))
    second = Serve(tmp_path)
    second.wait_ready()
    assert second.stop(signal.SIGINT) == 0
    assert postgres_processes(pgdata) == []
    assert handles(pgdata) == []


def test_sigterm_with_two_workers_stops_the_embedded_postgres(tmp_path: Path) -> None:
    server = Serve(tmp_path, "--workers", "2", "--no-demo")
    server.wait_ready()
    assert httpx.get(f"http://127.0.0.1:{server.port}/readyz", timeout=10).status_code == 200
    assert server.stop(signal.SIGTERM) == 0
    assert postgres_processes(tmp_path / "pgdata") == []


def test_demo_data_is_made_once_per_data_directory_and_start_up_is_quiet(
    tmp_path: Path,
) -> None:
    first = Serve(tmp_path)
    first.wait_ready()
    first.stop(signal.SIGTERM)
    before_demo = first.output.split("orderdesk demo data")[0].strip().splitlines()
    assert len(before_demo) == 2, before_demo  # no initdb / pg_ctl chatter
    assert before_demo[0].endswith(f"no DATABASE_URL: embedded PostgreSQL in {tmp_path}/pgdata")
    assert re.search(r"database ready \(applied 0001_initial.sql, .*\)$", before_demo[1])
    assert not re.search(r"initdb|pg_ctl|Running commandline", first.output)
    client_id = re.findall(r"client id:\s+(\S+)", first.output)

    second = Serve(tmp_path)
    second.wait_ready()
    base = f"http://127.0.0.1:{second.port}"
    try:
        assert re.findall(r"client id:\s+(\S+)", second.output) == client_id
        assert "made at the first start" in second.output
        secret = re.findall(r"client secret:\s+(\S+)", second.output)[0]
        order = re.findall(r"Ledyer order \(store \d+\):\s+(\S+)", second.output)[0]
        token = httpx.post(
            f"{base}/oauth/token?grant_type=client_credentials", auth=(client_id[0], secret)
        ).json()["access_token"]
        r = httpx.get(f"{base}/v1/orders/{order}", headers={"authorization": f"Bearer {token}"})
        assert r.status_code == 200
    finally:
        second.stop(signal.SIGTERM)
    assert postgres_processes(tmp_path / "pgdata") == []


def run_failing(data_dir: Path, port: int, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orderdesk", "serve"],
        env=environment(data_dir, port, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_busy_port_fails_in_one_line_before_anything_is_written(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_failing(data_dir, port)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr == (
        f"orderdesk: cannot listen on 127.0.0.1:{port} (ORDERDESK_HOST/ORDERDESK_PORT, "
        "--host/--port): address already in use\n"
    )
    assert not data_dir.exists()


def test_an_unreachable_database_fails_in_one_line_before_anything_is_written(
    tmp_path: Path,
) -> None:
    closed = free_port()
    url = f"postgresql://orderdesk:hunter2@127.0.0.1:{closed}/shop"
    done = run_failing(tmp_path / "data", free_port(), DATABASE_URL=url)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        f"orderdesk: cannot connect to the database at "
        f"postgresql://orderdesk:***@127.0.0.1:{closed}/shop (DATABASE_URL): "
    )
    assert "hunter2" not in done.stderr
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ORDERDESK_PORT", "abc", "Input should be a valid integer, unable to parse string"),
        ("ORDERDESK_WORKERS", "0", "Input should be greater than or equal to 1"),
        ("ORDERDESK_LOG_FORMAT", "xml", "Input should be 'text' or 'json'"),
        ("ORDERDESK_POOL_SIZE", "many", "Input should be a valid integer, unable to parse"),
    ],
)
def test_a_bad_setting_names_its_variable(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    env = environment(tmp_path / "data", free_port())
    env[variable] = value
    done = subprocess.run(
        [sys.executable, "-m", "orderdesk", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"orderdesk: invalid setting {variable}={value!r}: {message}")
    assert len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "data").exists()


def test_every_command_and_option_has_help() -> None:
    def helped(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "orderdesk", *args, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0
        return done.stdout

    top = helped()
    for command in ("serve", "migrate", "demo", "seed"):
        assert re.search(rf"^\s+{command}\s+\S", top, re.MULTILINE), top
    serve = helped("serve")
    for option in ("--host HOST", "--port PORT", "--workers WORKERS", "--no-demo"):
        assert re.search(rf"^\s+{re.escape(option)}\s+\S", serve, re.MULTILINE), serve
    seed = helped("seed")
    for option in ("--json", "--concurrency CONCURRENCY", "--quiet"):
        assert re.search(rf"^\s+{re.escape(option)}\s+\S", seed, re.MULTILINE), seed

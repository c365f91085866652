"""The processes under test, started as a user would start them, and their databases."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench import cpu
from bench.http import Connection, request_bytes

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
STARTED = "Application startup complete"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def create_database(admin_url: str, label: str) -> str:
    """A new empty database ``orderdesk_bench_<label>_<random>``; returns its URL."""
    name = f"orderdesk_bench_{label}_{secrets.token_hex(3)}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(admin_url, name)


async def drop_database(admin_url: str, url: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path[1:]}" WITH (FORCE)')
    finally:
        await conn.close()


@dataclass
class Server:
    """A server process we started (and only that one is ever stopped)."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def pids(self) -> list[int]:
        return sorted(cpu.descendants(self.process.pid))

    async def wait_ready(self, started_lines: int = 0, timeout: float = 60.0) -> None:
        """Until the port answers HTTP and the log shows ``started_lines`` started workers."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start within {timeout:.0f} s; {self.log}")
            if self.log.read_text(errors="replace").count(STARTED) >= started_lines:
                with contextlib.suppress(OSError):
                    connection = await Connection.open(HOST, self.port)
                    try:
                        await connection.send(request_bytes("GET", "/bench-ready"))
                    finally:
                        await connection.close()
                    return
            await asyncio.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _spawn(name: str, argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.Popen(
            argv,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def start_orderdesk(
    database_url: str, workers: int, admin_token: str, log_dir: Path, label: str
) -> Server:
    """``orderdesk serve --workers N --no-demo`` on a free port, like the README says."""
    port = free_port()
    log = log_dir / f"orderdesk-{label}.log"
    argv = [str(BIN / "orderdesk"), "serve", "--port", str(port), "--workers", str(workers)]
    env = {"DATABASE_URL": database_url, "ORDERDESK_ADMIN_TOKEN": admin_token}
    server = Server("orderdesk", _spawn("orderdesk", [*argv, "--no-demo"], env, log), port, log)
    await server.wait_ready(started_lines=workers)
    return server


async def start_localstripe(log_dir: Path) -> Server:
    """``localstripe --port P --from-scratch`` (it keeps its state in one process's memory)."""
    port = free_port()
    log = log_dir / "localstripe.log"
    argv = [str(BIN / "localstripe"), "--port", str(port), "--from-scratch"]
    server = Server("localstripe", _spawn("localstripe", argv, {}, log), port, log)
    await server.wait_ready()
    return server

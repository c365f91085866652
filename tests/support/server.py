"""``orderdesk serve`` as a real process (``--workers N``) against a database of its own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from subprocess import Popen

import httpx

from tests.support.sandbox import ADMIN_TOKEN


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """One server: ``start``, ``kill`` (SIGKILL, as a crash) or ``stop``; its log in ``log``.

    ``host`` is the address it listens on (another loopback address plays another machine);
    ``env`` adds settings, e.g. ``ORDERDESK_PGBOUNCER``."""

    def __init__(
        self,
        database_url: str,
        log: Path,
        workers: int = 2,
        host: str = "127.0.0.1",
        env: dict[str, str] | None = None,
    ) -> None:
        self.database_url, self.log, self.workers = database_url, log, workers
        self.host, self.env = host, env or {}
        self.port = free_port(host)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self, timeout: float = 30) -> None:
        """Start and wait until every worker has finished its startup."""
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "ORDERDESK_ADMIN_TOKEN": ADMIN_TOKEN,
            "ORDERDESK_LOG_LEVEL": "INFO",
            **self.env,
        }
        command = [sys.executable, "-m", "orderdesk", "serve", "--no-demo"]
        command += ["--host", self.host, "--port", str(self.port), "--workers", str(self.workers)]
        with self.log.open("ab") as log:
            started = self.log.read_text().count("Application startup complete")
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited:\n{self.log.read_text()}")
            if self.log.read_text().count("Application startup complete") >= started + self.workers:
                with contextlib.suppress(httpx.TransportError):  # one worker binds after startup
                    async with httpx.AsyncClient(base_url=self.url) as client:
                        if (await client.get("/openapi.json")).status_code == 200:
                            return
            await asyncio.sleep(0.05)
        self.kill()
        raise AssertionError(f"the server did not start:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL the server and its workers at once, like a power cut."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
        with contextlib.suppress(ProcessLookupError):  # workers an unclean exit left behind
            os.killpg(self.process.pid, signal.SIGKILL)

    def errors(self) -> list[str]:
        """Log lines that mean a request failed on the server side."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if "Traceback" in line or "unhandled error" in line]


def start_serve(env: dict[str, str], *args: str, timeout: float = 90) -> tuple[Popen[str], str]:
    """Start ``orderdesk serve`` with ``env`` over this environment (its orderdesk settings and
    ``DATABASE_URL`` left out) and the admin token ``t``; once it serves, the process and its
    output so far (stdout and stderr)."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ORDERDESK_", "PROMETHEUS_")) and k != "DATABASE_URL"
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "orderdesk", "serve", *args],
        env={**clean, "ORDERDESK_ADMIN_TOKEN": "t", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    output = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and "Application startup complete" not in output:
        line = proc.stdout.readline()
        if not line:
            break
        output += line
    if "Application startup complete" not in output:
        proc.kill()
        raise AssertionError("server did not start:\n" + output + proc.communicate()[0])
    return proc, output


def stop_serve(proc: Popen[str]) -> str:
    """Stop a server as Ctrl+C does; the rest of its output."""
    proc.send_signal(signal.SIGINT)
    try:
        rest, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rest, _ = proc.communicate()
    return rest


def serve_once(database_url: str, *args: str, timeout: float = 60) -> tuple[int, str]:
    """Run ``orderdesk serve`` on ``database_url`` until it serves, then stop it with SIGINT
    (Ctrl+C); its port and its output (stdout and stderr)."""
    port = free_port()
    env = {"DATABASE_URL": database_url, "ORDERDESK_PORT": str(port)}
    proc, output = start_serve(env, *args, timeout=timeout)
    output += stop_serve(proc)
    assert proc.returncode == 0, output
    return port, output

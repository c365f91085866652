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

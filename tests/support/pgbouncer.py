"""A real PgBouncer in transaction pooling mode in front of the test PostgreSQL.

Debian's package (``apt-get install pgbouncer``) installs it in /usr/sbin. It refuses to run
as root, so as root it runs as ``nobody``, its configuration in a folder of its own that
``nobody`` may read; it logs to its standard error, which goes to ``log``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.support.server import free_port

REQUIRE = "ORDERDESK_REQUIRE_PGBOUNCER"


def executable() -> str:
    """The pgbouncer binary; a skip when it is missing, a failure when CI requires it."""
    found = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/sbin")
    if found:
        return found
    if os.environ.get(REQUIRE):
        pytest.fail(f"pgbouncer is not installed and {REQUIRE} is set (apt-get install pgbouncer)")
    pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")


def version(binary: str) -> str:
    """``PgBouncer 1.18.0`` → ``1.18.0``."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split()[1]


class PgBouncer:
    """``pool_mode = transaction``, ``pool_size`` server connections per database and user."""

    def __init__(self, postgres_url: str, folder: Path, pool_size: int) -> None:
        self.binary = executable()
        self.folder, self.pool_size = folder, pool_size
        upstream = urlsplit(postgres_url)
        self.upstream_host = upstream.hostname or "127.0.0.1"
        self.upstream_port = upstream.port or 5432
        self.user = upstream.username or "postgres"
        self.port = free_port()
        self.log = folder / "pgbouncer.log"
        self.config_dir = Path(tempfile.mkdtemp(prefix="orderdesk-pgbouncer-"))
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, postgres_url: str) -> str:
        """The same database as ``postgres_url``, through this PgBouncer."""
        parts = urlsplit(postgres_url)
        netloc = f"{self.user}@127.0.0.1:{self.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def start(self, timeout: float = 10) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.config_dir.chmod(0o755)
        users = self.config_dir / "users.txt"
        users.write_text(f'"{self.user}" ""\n')
        config = self.config_dir / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = host={self.upstream_host} port={self.upstream_port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {users}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {self.pool_size}\nmax_client_conn = 1000\n"
        )
        command = [self.binary]
        for file in (users, config):
            file.chmod(0o644)
        if os.geteuid() == 0:
            command += ["-u", "nobody"]
        command.append(str(config))
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"pgbouncer exited: {self.logs()}")
            if "process up" in self.logs():
                return
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"pgbouncer did not start: {self.logs()}")

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def logins(self, database: str) -> int:
        """Client connections PgBouncer accepted for ``database`` (it logs each one)."""
        return self.logs().count(f"login attempt: db={database} ")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.config_dir, ignore_errors=True)

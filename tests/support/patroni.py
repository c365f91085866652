"""A real high-availability PostgreSQL: etcd and three PostgreSQL nodes run by Patroni, on free
127.0.0.1 ports, in a folder of its own, with synchronous replication.

Debian's packages: ``etcd-server`` (/usr/bin/etcd) and ``patroni`` (/usr/bin/patroni,
/usr/bin/patronictl), with Debian's PostgreSQL binaries. PostgreSQL refuses to run as root,
so as root the nodes run as the ``postgres`` user, in a folder it owns.

``synchronous_mode`` with ``synchronous_mode_strict``: a commit is acknowledged only once a
synchronous standby has it, and Patroni promotes only that standby, so an acknowledged write
survives the loss of the primary; with three nodes there is a standby to wait for even while
the old primary rejoins. ``primary_start_timeout: 0``: a crashed primary fails over at once
instead of being restarted in place. ``use_pg_rewind``: an old primary whose last commits
were never acknowledged rejoins as a standby, those commits rewound.

The cluster's state (ports, process ids) is kept in ``cluster.json`` in its folder, so that
``python -m tests.support.patroni up|down`` (``make ha-up`` / ``make ha-down``) can start it
in one command and stop it in another.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.server import free_port

REQUIRE = "ORDERDESK_REQUIRE_HA"
SCOPE = "orderdesk"
NODES = 3
PG_BIN = Path("/usr/lib/postgresql")


class ClusterError(AssertionError):
    """The cluster did not reach the state waited for (its logs' tails in the message)."""


def tools() -> dict[str, str]:
    """etcd, patroni, patronictl and PostgreSQL's bin folder, or ``{}`` when one is missing."""
    found = {name: shutil.which(name) for name in ("etcd", "patroni", "patronictl")}
    versions = sorted(PG_BIN.glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not versions or not all(found.values()):
        return {}
    return {**{k: v for k, v in found.items() if v}, "pg_bin": str(versions[-1].parent)}


def required_tools() -> dict[str, str]:
    """The tools; a skip with the reason when they are missing, a failure when CI requires
    them (``ORDERDESK_REQUIRE_HA``)."""
    import pytest

    found = tools()
    if found:
        return found
    reason = "etcd and Patroni are not installed (apt-get install etcd-server patroni)"
    if os.environ.get(REQUIRE):
        pytest.fail(f"{reason} and {REQUIRE} is set")
    pytest.skip(reason)


@dataclass
class Node:
    name: str
    port: int  # PostgreSQL
    api: int  # Patroni's REST API
    pid: int = 0  # Patroni's process

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@dataclass
class Cluster:
    folder: Path
    etcd_port: int
    peer_port: int
    nodes: list[Node]
    etcd_pid: int = 0
    tools: dict[str, str] = field(default_factory=dict)

    # -- addresses --------------------------------------------------------------------------

    def url(self, database: str = "postgres", **query: str) -> str:
        """Every node in one URL, as libpq and asyncpg read it; ``target_session_attrs``
        picks the node (``read-write``: the primary)."""
        hosts = ",".join(node.address for node in self.nodes)
        params = "&".join(f"{k}={v}" for k, v in query.items())
        return f"postgresql://postgres@{hosts}/{database}" + (f"?{params}" if params else "")

    def primary_url(self, database: str = "postgres") -> str:
        return self.url(database, target_session_attrs="read-write")

    def node_url(self, node: Node, database: str = "postgres") -> str:
        return f"postgresql://postgres@{node.address}/{database}"

    # -- starting and stopping ---------------------------------------------------------------

    @classmethod
    def create(cls, folder: Path | None = None) -> Cluster:
        """A cluster's plan on free ports in ``folder`` (a new temporary one by default)."""
        found = tools()
        if not found:
            raise ClusterError("etcd-server and patroni are not installed")
        folder = folder or Path(tempfile.mkdtemp(prefix="orderdesk-ha-"))
        folder.mkdir(parents=True, exist_ok=True)
        nodes = [Node(f"pg{i}", free_port(), free_port()) for i in range(NODES)]
        return cls(folder, free_port(), free_port(), nodes, tools=found)

    def start(self, timeout: float = 120) -> None:
        """etcd, then the three nodes; returns once there is a primary with a synchronous
        standby and every node runs."""
        _own(self.folder)
        self._save()
        try:
            self._start_etcd()
            for node in self.nodes:
                self._start_node(node)
                self._save()
            self.wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise

    def _start_etcd(self) -> None:
        peer = f"http://127.0.0.1:{self.peer_port}"
        client = f"http://127.0.0.1:{self.etcd_port}"
        command = [
            self.tools["etcd"],
            "--name=e0",
            f"--data-dir={self.folder / 'etcd'}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=e0={peer}",
            "--initial-cluster-state=new",
        ]
        with (self.folder / "etcd.log").open("ab") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=_user(),
            )
        self.etcd_pid = process.pid
        self._save()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{client}/health", timeout=1).status_code == 200:
                    return
            if process.poll() is not None:
                break
            time.sleep(0.1)
        raise ClusterError("etcd did not start: " + _tail(self.folder / "etcd.log"))

    def config(self, node: Node) -> dict[str, Any]:
        """The node's Patroni configuration."""
        data = self.folder / node.name
        return {
            "scope": SCOPE,
            "name": node.name,
            "log": {"level": "INFO"},
            "restapi": {
                "listen": f"127.0.0.1:{node.api}",
                "connect_address": f"127.0.0.1:{node.api}",
            },
            "etcd3": {"hosts": [f"127.0.0.1:{self.etcd_port}"]},
            "bootstrap": {
                "dcs": {
                    # a failover within seconds: the leader key lives 10 s, a node looks
                    # every second, and a crashed primary is not restarted in place
                    "ttl": 10,
                    "loop_wait": 1,
                    "retry_timeout": 4,
                    "primary_start_timeout": 0,
                    "synchronous_mode": True,
                    "synchronous_mode_strict": True,
                    "maximum_lag_on_failover": 1048576,
                    "postgresql": {
                        "use_pg_rewind": True,
                        "use_slots": True,
                        "parameters": {
                            "max_connections": 60,
                            "shared_buffers": "32MB",
                            "max_wal_senders": 10,
                            "max_replication_slots": 10,
                            "wal_keep_size": "128MB",
                            "hot_standby": "on",
                            "wal_log_hints": "on",
                        },
                    },
                },
                "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}],
                "pg_hba": [
                    "local all all trust",
                    "host all all 127.0.0.1/32 trust",
                    "host replication all 127.0.0.1/32 trust",
                ],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{node.port}",
                "connect_address": f"127.0.0.1:{node.port}",
                "data_dir": str(data / "data"),
                "bin_dir": self.tools["pg_bin"],
                "pgpass": str(data / "pgpass"),
                "authentication": {
                    "superuser": {"username": "postgres", "password": "postgres"},
                    "replication": {"username": "replicator", "password": "replicator"},
                },
                "parameters": {"unix_socket_directories": str(data)},
                "remove_data_directory_on_rewind_failure": True,
                "remove_data_directory_on_diverged_timelines": True,
            },
            "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False},
        }

    def config_file(self, node: Node) -> Path:
        return self.folder / node.name / "patroni.yml"

    def _start_node(self, node: Node) -> None:
        folder = self.folder / node.name
        folder.mkdir(exist_ok=True)
        self.config_file(node).write_text(json.dumps(self.config(node), indent=1))
        _own(folder)
        with (folder / "patroni.log").open("ab") as log:
            process = subprocess.Popen(
                [self.tools["patroni"], str(self.config_file(node))],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=_user(),
                cwd=folder,
                env={k: v for k, v in os.environ.items() if not k.startswith("PG")},
            )
        _own(folder / "patroni.log")
        node.pid = process.pid

    def stop(self) -> None:
        """Patroni stops its PostgreSQL on SIGTERM; then etcd; then the folder goes."""
        for node in self.nodes:
            _signal(node.pid, signal.SIGTERM)
        for node in self.nodes:
            _wait_gone(node.pid, 30)
        for node in self.nodes:  # a PostgreSQL whose Patroni died before stopping it
            pid = self.postmaster_pid(node)
            if pid:
                _signal(pid, signal.SIGQUIT)
                _wait_gone(pid, 10)
        _signal(self.etcd_pid, signal.SIGTERM)
        _wait_gone(self.etcd_pid, 10)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _save(self) -> None:
        state = {k: v for k, v in asdict(self).items() if k not in ("folder", "nodes")}
        state["nodes"] = [asdict(node) for node in self.nodes]
        (self.folder / "cluster.json").write_text(json.dumps(state, indent=1))

    @classmethod
    def load(cls, folder: Path) -> Cluster:
        state = json.loads((folder / "cluster.json").read_text())
        nodes = [Node(**node) for node in state.pop("nodes")]
        return cls(folder, nodes=nodes, **state)

    # -- what the cluster says ---------------------------------------------------------------

    def members(self) -> list[dict[str, Any]]:
        """Patroni's view of the members (``GET /cluster`` of any node that answers)."""
        for node in self.nodes:
            with contextlib.suppress(httpx.HTTPError, ValueError):
                r = httpx.get(f"http://127.0.0.1:{node.api}/cluster", timeout=2)
                if r.status_code == 200:
                    members: list[dict[str, Any]] = r.json()["members"]
                    return members
        return []

    def leader(self) -> Node | None:
        names = {m["name"] for m in self.members() if m["role"] == "leader"}
        return next((node for node in self.nodes if node.name in names), None)

    def healthy(self) -> bool:
        """A leader, a synchronous standby, and every node running or streaming."""
        members = self.members()
        roles = [m["role"] for m in members]
        running = all(m["state"] in ("running", "streaming") for m in members)
        return len(members) == NODES and running and {"leader", "sync_standby"} <= set(roles)

    def wait_healthy(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.healthy():
                return
            time.sleep(0.2)
        raise ClusterError(f"the cluster is not healthy: {self.members()}\n{self.logs()}")

    def wait_new_leader(self, old: Node, timeout: float = 90) -> float:
        """Wait until a node other than ``old`` holds the leader key; when it was seen."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            leader = self.leader()
            if leader is not None and leader.name != old.name:
                return time.monotonic()
            time.sleep(0.1)
        raise ClusterError(f"no new leader: {self.members()}\n{self.logs()}")

    def postmaster_pid(self, node: Node) -> int:
        """PostgreSQL's postmaster on the node (0 when it is not running)."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid_file = self.folder / node.name / "data" / "postmaster.pid"
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
            return pid
        return 0

    def logs(self, lines: int = 15) -> str:
        parts = [f"== {log.relative_to(self.folder)}\n{_tail(log, lines)}" for log in self._logs()]
        return "\n".join(parts)

    def _logs(self) -> list[Path]:
        return [
            self.folder / "etcd.log",
            *(self.folder / n.name / "patroni.log" for n in self.nodes),
        ]

    # -- failovers ---------------------------------------------------------------------------

    def kill_primary(self) -> Node:
        """SIGKILL the primary's postmaster (its backends go when they see it gone)."""
        leader = self.leader()
        if leader is None:
            raise ClusterError(f"no leader to kill: {self.members()}")
        pid = self.postmaster_pid(leader)
        if not pid:
            raise ClusterError(f"{leader.name} has no postmaster")
        os.kill(pid, signal.SIGKILL)
        return leader

    def switchover(self) -> Node:
        """``patronictl switchover`` from the leader to its synchronous standby."""
        members = self.members()
        leader = next(m["name"] for m in members if m["role"] == "leader")
        candidate = next(m["name"] for m in members if m["role"] == "sync_standby")
        done = self.patronictl(
            "switchover", SCOPE, "--leader", leader, "--candidate", candidate, "--force"
        )
        if done.returncode != 0 or "Successfully switched over" not in done.stdout:
            raise ClusterError(f"patronictl switchover failed: {done.stdout}{done.stderr}")
        return next(node for node in self.nodes if node.name == leader)

    @contextlib.contextmanager
    def maintenance(self) -> Iterator[None]:
        """Patroni's maintenance mode (``patronictl pause``) for the block: Patroni then
        leaves the nodes alone — without it, its loop resumes a standby's paused WAL replay
        within ``loop_wait`` (PostgreSQL 14+, ``handle_parameter_change``)."""
        self._patronictl_ok("pause", SCOPE, "--wait")
        try:
            yield
        finally:
            self._patronictl_ok("resume", SCOPE, "--wait")

    def _patronictl_ok(self, *args: str) -> None:
        done = self.patronictl(*args)
        if done.returncode != 0:
            raise ClusterError(f"patronictl {' '.join(args)} failed: {done.stdout}{done.stderr}")

    def patronictl(self, *args: str) -> subprocess.CompletedProcess[str]:
        config = self.config_file(self.nodes[0])
        return subprocess.run(
            [self.tools["patronictl"], "-c", str(config), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )


def _user() -> str | None:
    """The user PostgreSQL runs as: ``postgres`` when we are root, else ourselves."""
    return "postgres" if os.geteuid() == 0 else None


def _own(path: Path) -> None:
    """Hand ``path`` to the user the nodes run as (when we are root)."""
    user = _user()
    if user is None:
        return
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def _signal(pid: int, sig: signal.Signals) -> None:
    if pid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def _wait_gone(pid: int, timeout: float) -> None:
    """Wait for ``pid`` to end (reaped when it is our child); SIGKILL it after ``timeout``."""
    if not pid:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    _signal(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _tail(path: Path, lines: int = 15) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def main(argv: list[str] | None = None) -> int:
    """``up``: start a cluster in FOLDER and print its URL; ``down``: stop it."""
    parser = argparse.ArgumentParser(prog="python -m tests.support.patroni")
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--folder", type=Path, default=Path(".orderdesk/ha"))
    args = parser.parse_args(argv)
    folder: Path = args.folder.resolve()
    if args.action == "down":
        if not (folder / "cluster.json").exists():
            print(f"no cluster in {folder}")
            return 0
        Cluster.load(folder).stop()
        shutil.rmtree(folder, ignore_errors=True)
        print(f"stopped the cluster in {folder}")
        return 0
    if (folder / "cluster.json").exists():
        print(f"a cluster is already in {folder} (make ha-down first)", file=sys.stderr)
        return 1
    cluster = Cluster.create(folder)
    cluster.start()
    print(f"etcd on 127.0.0.1:{cluster.etcd_port}; Patroni nodes in {folder}:")
    for node in cluster.nodes:
        print(f"  {node.name}: PostgreSQL {node.address}, REST API 127.0.0.1:{node.api}")
    print(f"DATABASE_URL={cluster.primary_url()}")
    print(f"patronictl -c {cluster.config_file(cluster.nodes[0])} list")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The Containerfile's image built and run with Debian's ``buildah`` and ``mmdebstrap``.

These machines have no container daemon and no registry, so ``debian:bookworm-slim`` cannot be
pulled: ``mmdebstrap`` makes the same kind of base (a minbase bookworm without docs, man pages
or locales), cached as a tarball under ``~/.cache/orderdesk`` keyed by how it is made, and
imported once into buildah's storage, where ``buildah bud --layers`` also keeps the build's
layers for the next run. ``podman run`` cannot start containers here (crun may not set
rlimits), so a container is started with ``buildah run --isolation chroot`` on the host's
network; buildah does not pass signals on, so :meth:`Container.stop` sends SIGTERM to the
container's first process, as ``docker stop`` does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

REQUIRE = "ORDERDESK_REQUIRE_CONTAINER"
SUITE, MIRROR = "bookworm", "http://deb.debian.org/debian"
# The host's extra certificate authorities (a TLS-intercepting proxy's) go into the base, so
# that pip inside the build trusts what the host trusts; none on an ordinary machine.
HOST_CAS = Path("/usr/local/share/ca-certificates")
MMDEBSTRAP = [
    "--variant=minbase",
    "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
    *(
        f"--dpkgopt=path-{kind}=/usr/share/{path}"
        for kind, path in [
            ("exclude", "doc/*"),
            ("include", "doc/*/copyright"),
            ("exclude", "man/*"),
            ("exclude", "info/*"),
            ("exclude", "locale/*"),
            ("include", "locale/locale.alias"),
        ]
    ),
]
IMAGE = "localhost/orderdesk:e2e"


def tools_or_skip() -> None:
    """A skip naming what is missing (a failure when ``ORDERDESK_REQUIRE_CONTAINER`` is set)."""
    missing = [tool for tool in ("buildah", "mmdebstrap") if shutil.which(tool) is None]
    reason = ""
    if missing:
        reason = f"{' and '.join(missing)} not installed (apt-get install buildah mmdebstrap)"
    elif os.geteuid() != 0:
        reason = "buildah's chroot isolation and mmdebstrap's root mode need root"
    if reason and os.environ.get(REQUIRE):
        pytest.fail(f"{reason}, and {REQUIRE} is set")
    if reason:
        pytest.skip(reason)


def _run(*command: str, timeout: float = 900) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _has_image(name: str) -> bool:
    done = subprocess.run(["buildah", "inspect", "--type", "image", name], capture_output=True)
    return done.returncode == 0


def base_image() -> str:
    """The Debian base, made by mmdebstrap once per way of making it (cached outside the repo)."""
    cas = sorted(HOST_CAS.glob("*.crt")) if HOST_CAS.is_dir() else []
    recipe = json.dumps([SUITE, MIRROR, MMDEBSTRAP, [p.read_text() for p in cas]])
    key = hashlib.sha256(recipe.encode()).hexdigest()[:16]
    name = f"localhost/orderdesk-e2e-base:{key}"
    if _has_image(name):
        return name
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "orderdesk"
    tarball = cache / f"debian-{SUITE}-{key}.tar"
    if not tarball.exists():
        cache.mkdir(parents=True, exist_ok=True)
        hooks = [f'--customize-hook=mkdir -p "$1{HOST_CAS}"'] if cas else []
        hooks += [f"--customize-hook=upload {p} {p}" for p in cas]
        partial = tarball.with_suffix(".partial.tar")
        _run("mmdebstrap", "--quiet", *MMDEBSTRAP, *hooks, SUITE, str(partial), MIRROR)
        partial.rename(tarball)
    working = _run("buildah", "from", "scratch").strip()
    try:
        _run("buildah", "add", "--quiet", working, str(tarball), "/")
        _run("buildah", "commit", "--quiet", working, name)
    finally:
        subprocess.run(["buildah", "rm", working], capture_output=True)
    return name


def build_image(repo: Path, base: str, revision: str) -> dict[str, Any]:
    """``buildah bud`` of the Containerfile on ``base``; the image's configuration."""
    _run(
        "buildah",
        "bud",
        "--isolation",
        "chroot",
        "--layers",
        "--format",
        "docker",  # HEALTHCHECK is kept in Docker's format only
        "--build-arg",
        f"BASE={base}",
        "--build-arg",
        f"SOURCE={repo.as_uri()}",
        "--build-arg",
        f"REVISION={revision}",
        "--tag",
        IMAGE,
        "--file",
        str(repo / "Containerfile"),
        str(repo),
    )
    inspected: dict[str, Any] = json.loads(_run("buildah", "inspect", "--type", "image", IMAGE))
    return inspected


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _argv(pid: int) -> list[str]:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().decode().split("\0")[:-1]
    except OSError:
        return []


class Container:
    """A container of :data:`IMAGE` running its entrypoint and command, ``/data`` bound to a
    host folder; ``env`` adds to the image's environment."""

    def __init__(self, config: dict[str, Any], data: Path, env: dict[str, str]) -> None:
        self.command: list[str] = config["Entrypoint"] + config["Cmd"]
        self.data, self.env = data, env
        self.name = _run("buildah", "from", IMAGE).strip()
        # buildah run mounts the image's own anonymous volume over a bind mount at the same
        # place: without it, /data is the host folder, as `docker run -v folder:/data` makes it
        _run("buildah", "config", "--volume", "/data-", self.name)
        self.process: subprocess.Popen[str] | None = None
        self.reader: threading.Thread | None = None
        self.lines: list[str] = []

    def buildah_run(self, *command: str) -> list[str]:
        options = ["--isolation", "chroot", "--network", "host"]
        options += ["--volume", f"{self.data}:/data:rw"]
        for name, value in self.env.items():
            options += ["--env", f"{name}={value}"]
        return ["buildah", "run", *options, self.name, "--", *command]

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def start(self, timeout: float = 120) -> str:
        """Start it; its output once it serves."""
        self.lines = []
        self.process = subprocess.Popen(
            self.buildah_run(*self.command),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.reader = threading.Thread(target=self._read, args=(self.process,), daemon=True)
        self.reader.start()
        deadline = time.monotonic() + timeout
        while "Uvicorn running on" not in self.output:  # after "Application startup complete"
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the container did not start:\n{self.output}")
            time.sleep(0.1)
        return self.output

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)

    def first_process(self) -> int:
        """The pid of the container's first process (the entrypoint's program)."""
        assert self.process is not None
        program = self.command[0]
        for pid in _descendants(self.process.pid):
            argv = _argv(pid)
            if argv and Path(argv[0]).name == program:
                return pid
        raise AssertionError(f"no {program} process under {self.process.pid}")

    def server_process(self) -> int:
        """The pid of ``orderdesk serve``."""
        assert self.process is not None
        for pid in _descendants(self.process.pid):
            argv = _argv(pid)
            if len(argv) == 3 and Path(argv[0]).name.startswith("python") and argv[2] == "serve":
                return pid
        raise AssertionError(f"no orderdesk serve under {self.process.pid}")

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM to its first process, as ``docker stop``; its exit status."""
        assert self.process is not None
        os.kill(self.first_process(), signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        assert self.reader is not None
        self.reader.join(timeout)  # its last lines
        return code

    def remove(self) -> None:
        """Kill whatever is left of it (a failed test) and remove the working container."""
        if self.process is not None and self.process.poll() is None:
            for pid in [*_descendants(self.process.pid), self.process.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.wait()
        subprocess.run(["buildah", "rm", self.name], capture_output=True)

"""The sdist and the wheel as ``make dist`` builds them (``python -m build``: the sdist, then the
wheel from the sdist): every file of the package is in both, and the wheel, installed into a
fresh virtual environment, serves the README's walkthrough from an empty folder.

The fresh environment installs the wheel's dependencies without an index, from a folder of
wheels cached under ``~/.cache/orderdesk`` keyed by the dependency list: what the wheel needs
must be in its metadata, and a second run downloads nothing.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import free_port
from tests.support.walkthrough import printed_demo, run_walkthrough

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "orderdesk"
VERSION = importlib.metadata.version("orderdesk")


def _check(*command: str | Path, **kwargs: object) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    stdout: str = done.stdout
    return stdout


def _pip_env() -> dict[str, str]:
    """This environment without the machine's pip settings (extra indexes, find-links)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return {**env, "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def package_files() -> set[str]:
    """Every file of the package, as a path in the wheel (the providers' tests are left out)."""
    found = set()
    for path in PACKAGE.rglob("*"):
        relative = path.relative_to(PACKAGE.parent)
        if path.is_dir() or "__pycache__" in relative.parts or path.suffix == ".pyc":
            continue
        if relative.parts[1:2] == ("providers",) and "tests" in relative.parts:
            continue
        found.add(relative.as_posix())
    return found


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _check(sys.executable, "-m", "build", "--outdir", out, REPO)
    return out


@pytest.fixture(scope="module")
def wheelhouse() -> Path:
    """The wheels of the package's dependencies, downloaded once per dependency list."""
    with (REPO / "pyproject.toml").open("rb") as f:
        dependencies = tomllib.load(f)["project"]["dependencies"]
    key = hashlib.sha256("\n".join([sys.version, *dependencies]).encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "orderdesk"
    folder = cache / f"wheels-{key}"
    if not folder.exists():
        partial = cache / f"wheels-{key}.partial"
        command = [sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:"]
        _check(*command, "-d", partial, *dependencies, env=_pip_env())
        partial.rename(folder)
    return folder


def test_the_sdist_and_the_wheel_hold_every_file_of_the_package(dist: Path) -> None:
    wanted = package_files()
    assert {"orderdesk/backoffice/templates/base.html", "orderdesk/py.typed"} <= wanted
    with zipfile.ZipFile(dist / f"orderdesk-{VERSION}-py3-none-any.whl") as wheel:
        in_wheel = {name for name in wheel.namelist() if not name.startswith("orderdesk-")}
    assert in_wheel == wanted
    with tarfile.open(dist / f"orderdesk-{VERSION}.tar.gz") as sdist:
        prefix = f"orderdesk-{VERSION}/src/"
        in_sdist = {
            name.removeprefix(prefix)
            for name in sdist.getnames()
            if name.startswith(prefix + "orderdesk/") and sdist.getmember(name).isfile()
        }
    assert in_sdist == wanted


@pytest.fixture
def outside() -> Iterator[Path]:
    """A folder outside pytest's: run as root, the embedded PostgreSQL runs as the user
    ``pgserver``, which must reach the venv's PostgreSQL binaries, and pytest makes its own
    root folder private again whenever another session starts."""
    folder = Path(tempfile.mkdtemp(prefix="orderdesk-wheel-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_the_wheel_serves_the_walkthrough_from_an_empty_folder(
    dist: Path, wheelhouse: Path, outside: Path
) -> None:
    venv = outside / "venv"
    _check(sys.executable, "-m", "venv", "--without-pip", venv)  # this pip installs into it
    wheel = dist / f"orderdesk-{VERSION}-py3-none-any.whl"
    pip = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q"]
    _check(*pip, "--no-index", "--no-compile", "--find-links", wheelhouse, wheel, env=_pip_env())
    assert _check(venv / "bin" / "orderdesk", "--version") == f"orderdesk {VERSION}\n"

    empty = outside / "empty"
    empty.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ORDERDESK_", "PROMETHEUS_", "VIRTUAL_ENV")) and k != "DATABASE_URL"
    }
    env |= {"ORDERDESK_PORT": str(port), "ORDERDESK_ADMIN_TOKEN": "wheel-admin"}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), "/usr/bin", "/bin"])
    server = subprocess.Popen(
        ["orderdesk", "serve"],
        cwd=empty,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    output = ""
    try:
        deadline = time.monotonic() + 120
        while "Application startup complete" not in output and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            output += line
        assert "no DATABASE_URL: embedded PostgreSQL in .orderdesk/pgdata" in output, output
        r = httpx.get(f"{base}/healthz")
        assert (r.status_code, r.json()) == (200, {"status": "ok", "version": VERSION})
        run_walkthrough(base, printed_demo(output, base))
        server.send_signal(signal.SIGTERM)
        rest, _ = server.communicate(timeout=60)
        assert server.returncode == 0, output + rest
        assert "embedded PostgreSQL stopped" in rest
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert (empty / ".orderdesk" / "pgdata" / "PG_VERSION").exists()
    site = next((venv / "lib").glob("python3.*/site-packages"))
    assert (site / "orderdesk" / "backoffice" / "templates" / "base.html").exists()

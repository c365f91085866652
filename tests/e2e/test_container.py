"""The Containerfile's image, built and run for real (``tests/support/container.py``: the
base made by ``mmdebstrap``, ``buildah bud``, ``buildah run --isolation chroot`` on the host's
network — not ``podman run``, which cannot start containers here: crun may not set rlimits).

The README's walkthrough against the image's embedded PostgreSQL in ``/data``, SIGTERM, a
restart on the same ``/data``; then a PostgreSQL given by ``DATABASE_URL``. Skipped, saying
why, where buildah or mmdebstrap is missing; failing instead when ``ORDERDESK_REQUIRE_CONTAINER``
is set (``.ci/run`` installs them and sets it).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.container import Container, base_image, build_image, tools_or_skip
from tests.support.database import NewDatabase
from tests.support.server import free_port
from tests.support.walkthrough import ledyer_status, printed_demo, run_walkthrough

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
VERSION = importlib.metadata.version("orderdesk")
UID = 10001  # the image's user, orderdesk
ADMIN = "container-admin-token"
CLIENT_ID, SECRET = "od_container_ci", "container-ci-secret-0001"


@pytest.fixture(scope="module")
def image() -> dict[str, Any]:
    tools_or_skip()
    revision = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return build_image(REPO, base_image(), revision or "unknown")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """An empty folder for ``/data``, the image's user's, as a fresh volume is."""
    folder = tmp_path / "data"
    folder.mkdir()
    os.chown(folder, UID, UID)
    return folder


def test_the_image_says_what_it_runs_and_how_to_check_it(image: dict[str, Any]) -> None:
    config = image["OCIv1"]["config"]
    labels = config["Labels"]
    assert labels["org.opencontainers.image.version"] == VERSION
    assert labels["org.opencontainers.image.source"] == REPO.as_uri()
    assert labels["org.opencontainers.image.title"] == "orderdesk"
    assert (config["Entrypoint"], config["Cmd"]) == (["tini", "-s", "--", "orderdesk"], ["serve"])
    assert (config["User"], config["WorkingDir"]) == ("orderdesk", "/data")
    assert (config["ExposedPorts"], config["Volumes"]) == ({"8000/tcp": {}}, {"/data": {}})
    env = dict(item.split("=", 1) for item in config["Env"])
    assert {k: env[k] for k in ("ORDERDESK_HOST", "ORDERDESK_PORT", "ORDERDESK_DATA_DIR")} == {
        "ORDERDESK_HOST": "0.0.0.0",
        "ORDERDESK_PORT": "8000",
        "ORDERDESK_DATA_DIR": "/data",
    }
    assert config["StopSignal"] == "SIGTERM"
    check = image["Docker"]["config"]["Healthcheck"]
    assert check["Test"][:3] == ["CMD", "python3", "-c"] and "/readyz" in check["Test"][3]


def test_the_walkthrough_sigterm_and_a_restart_on_the_same_data(
    image: dict[str, Any], data: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "ORDERDESK_PORT": str(port),
        "ORDERDESK_ADMIN_TOKEN": ADMIN,
        "ORDERDESK_DEMO_CLIENT_ID": CLIENT_ID,
        "ORDERDESK_DEMO_CLIENT_SECRET": SECRET,
    }
    container = Container(image["OCIv1"]["config"], data, env)
    try:
        output = container.start()
        assert "no DATABASE_URL: embedded PostgreSQL in /data/pgdata" in output
        assert f"Uvicorn running on http://0.0.0.0:{port}" in output
        demo = printed_demo(output, base)
        assert (demo.admin_token, demo.client_id, demo.client_secret) == (ADMIN, CLIENT_ID, SECRET)
        status = (Path("/proc") / str(container.server_process()) / "status").read_text()
        assert f"\nUid:\t{UID}\t" in status  # not root
        check = image["Docker"]["config"]["Healthcheck"]["Test"][1:]
        done = subprocess.run(container.buildah_run(*check), capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr  # the image's HEALTHCHECK passes
        r = httpx.get(f"{base}/healthz")
        assert (r.status_code, r.json()) == (200, {"status": "ok", "version": VERSION})
        run_walkthrough(base, demo)

        assert container.stop() == 0, container.output
        assert "embedded PostgreSQL stopped" in container.output
        assert (data / "pgdata" / "PG_VERSION").exists()
        assert not (data / "pgdata" / "postmaster.pid").exists()  # PostgreSQL stopped too

        output = container.start()
        assert "made at the first start" in output
        assert printed_demo(output, base) == demo
        assert ledyer_status(base, demo) == ["partiallyCaptured", "unacknowledged"]
        assert container.stop() == 0, container.output
    finally:
        container.remove()


def test_the_ci_example_service_and_its_seed_step(image: dict[str, Any], data: Path) -> None:
    """examples/github-actions.yml: its service's environment, then its seed step — a second
    process in the running container (``docker exec``; here ``buildah run`` on the same
    container) on the embedded PostgreSQL, which the seed leaves running when it exits."""
    workflow = yaml.safe_load((REPO / "examples" / "github-actions.yml").read_text())
    service = workflow["jobs"]["test"]["services"]["orderdesk"]
    port = free_port()  # the service maps 8000; here the container shares the host's network
    base = f"http://127.0.0.1:{port}"
    container = Container(
        image["OCIv1"]["config"], data, {**service["env"], "ORDERDESK_PORT": str(port)}
    )
    try:
        assert "demo data" not in container.start()
        shutil.copy(REPO / "examples" / "scenario.yaml", data / "scenario.yaml")
        seed = container.buildah_run(
            "orderdesk", "seed", "--quiet", "--json", "/data/scenario.yaml"
        )
        done = subprocess.run(seed, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        seeded = json.loads(done.stdout)
        order = next(o for o in seeded["orders"] if o["reference"] == "ledyer-1001")
        assert httpx.get(f"{base}/readyz").status_code == 200
        r = httpx.post(
            f"{base}/oauth/token?grant_type=client_credentials",
            auth=("od_nordic_ci", "nordic-ci-secret-0001"),
        )
        assert r.status_code == 200, r.text
        bearer = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = httpx.get(f"{base}/v1/orders/{order['orderId']}", headers=bearer)
        assert (r.status_code, r.json()["merchantReference"]) == (200, "ledyer-1001")
        assert container.stop() == 0, container.output
        assert "embedded PostgreSQL stopped" in container.output
    finally:
        container.remove()


async def test_a_database_url_instead_of_the_embedded_postgresql(
    image: dict[str, Any], data: Path, new_database: NewDatabase
) -> None:
    port = free_port()
    env = {
        "DATABASE_URL": await new_database(),
        "ORDERDESK_PORT": str(port),
        "ORDERDESK_DEMO": "false",
    }
    container = Container(image["OCIv1"]["config"], data, env)
    try:
        output = container.start()
        assert "embedded PostgreSQL" not in output
        assert "orderdesk demo data" not in output
        r = httpx.get(f"http://127.0.0.1:{port}/readyz")
        assert (r.status_code, r.json()["database"]) == (200, "ok")
        assert container.stop() == 0, container.output
        assert list(data.iterdir()) == []
    finally:
        container.remove()

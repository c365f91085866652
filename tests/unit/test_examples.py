"""examples/compose.yaml and examples/github-actions.yml against the Containerfile and the
settings: every image, port, variable and health check (neither can be run here; the
container test runs the image and the workflow's service)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from orderdesk import __version__
from orderdesk.config import Settings, env_name

REPO = Path(__file__).resolve().parents[2]
CONTAINERFILE = (REPO / "Containerfile").read_text()
SETTINGS = {env_name(field) for field in Settings.model_fields}


def instruction(name: str) -> str:
    """The arguments of the Containerfile's last ``name`` instruction, continuations joined."""
    joined = CONTAINERFILE.replace("\\\n", " ")
    found = re.findall(rf"^{name} (.+)$", joined, re.MULTILINE)
    assert found, name
    return str(found[-1])


def image_env() -> dict[str, str]:
    return dict(re.findall(r"(\w+)=(\S+)", instruction("ENV")))


def healthcheck() -> tuple[dict[str, str], list[str]]:
    """The HEALTHCHECK's options and its CMD."""
    options, command = instruction("HEALTHCHECK").split(" CMD ", 1)
    return dict(re.findall(r"--([\w-]+)=(\S+)", options)), json.loads(command)


def check_settings(env: dict[str, Any]) -> Settings:
    """Every variable is one of orderdesk's settings, and the values parse."""
    assert set(env) <= SETTINGS, set(env) - SETTINGS
    return Settings.from_env({name: str(value) for name, value in env.items()})


def test_the_containerfile_builds_this_version_on_debian_bookworm_slim() -> None:
    assert re.search(rf"^ARG VERSION={re.escape(__version__)}$", CONTAINERFILE, re.MULTILINE)
    assert re.search(r"^ARG BASE=debian:bookworm-slim$", CONTAINERFILE, re.MULTILINE)
    assert image_env()["ORDERDESK_HOST"] == "0.0.0.0"
    assert instruction("EXPOSE") == image_env()["ORDERDESK_PORT"] == "8000"
    assert instruction("VOLUME") == image_env()["ORDERDESK_DATA_DIR"] == "/data"
    check_settings({k: v for k, v in image_env().items() if k.startswith("ORDERDESK_")})
    _, command = healthcheck()
    assert "/readyz" in command[-1] and "ORDERDESK_PORT" in command[-1]


def test_the_compose_file() -> None:
    compose = yaml.safe_load((REPO / "examples" / "compose.yaml").read_text())
    postgres, orderdesk = compose["services"]["postgres"], compose["services"]["orderdesk"]

    assert postgres["image"] == "docker.io/library/postgres:16"
    pg = postgres["environment"]
    assert postgres["healthcheck"]["test"] == [
        "CMD",
        "pg_isready",
        "--username",
        pg["POSTGRES_USER"],
        "--dbname",
        pg["POSTGRES_DB"],
    ]
    assert postgres["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert set(compose["volumes"]) == {"postgres-data"}

    assert orderdesk["image"] == f"orderdesk:{__version__}"
    assert orderdesk["build"] == {"context": "..", "dockerfile": "Containerfile"}
    assert (REPO / "examples" / orderdesk["build"]["context"] / "Containerfile").is_file()
    assert orderdesk["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert orderdesk["ports"] == [f"8000:{image_env()['ORDERDESK_PORT']}"]

    settings = check_settings(orderdesk["environment"])
    assert settings.database_url is not None
    url = urlsplit(settings.database_url)
    assert (url.hostname, url.port, url.username, url.password, url.path) == (
        "postgres",
        5432,
        pg["POSTGRES_USER"],
        pg["POSTGRES_PASSWORD"],
        f"/{pg['POSTGRES_DB']}",
    )
    assert settings.demo_credential == ("od_ci_demo", "ci-demo-secret-0001")
    assert settings.admin_token == "ci-admin-token"

    options, command = healthcheck()
    check = orderdesk["healthcheck"]
    assert check["test"] == ["CMD", *command]
    assert {k.replace("_", "-"): str(v) for k, v in check.items() if k != "test"} == options


def test_the_github_actions_workflow() -> None:
    workflow = yaml.safe_load((REPO / "examples" / "github-actions.yml").read_text())
    job = workflow["jobs"]["test"]
    service = job["services"]["orderdesk"]
    assert re.fullmatch(rf"[\w.-]+/[\w.-]+/orderdesk:{re.escape(__version__)}", service["image"])
    assert service["ports"] == [f"8000:{image_env()['ORDERDESK_PORT']}"]
    settings = check_settings(service["env"])
    assert (settings.database_url, settings.demo) == (None, False)  # the embedded PostgreSQL

    steps = {step.get("name"): step for step in job["steps"]}
    assert "curl -fsS http://localhost:8000/readyz" in steps["Wait until orderdesk is ready"]["run"]
    seed = steps["Seed the scenario"]["run"]
    container = "${{ job.services.orderdesk.id }}"
    assert f"docker cp ci/orderdesk.yaml {container}:/tmp/scenario.yaml" in seed
    assert f"docker exec {container} orderdesk seed --quiet /tmp/scenario.yaml" in seed
    scenario = yaml.safe_load((REPO / "examples" / "scenario.yaml").read_text())
    fixed = [c for m in scenario["merchants"] for c in m["credentials"] if "clientId" in c]
    tests = steps["The shop's tests"]["env"]
    assert (tests["LEDYER_CLIENT_ID"], tests["LEDYER_CLIENT_SECRET"]) == (
        fixed[0]["clientId"],
        fixed[0]["clientSecret"],
    )
    assert tests["LEDYER_STORE_ID"] in fixed[0]["stores"]

"""The API docs and the start page work offline: every script, stylesheet and icon they load
is the package's own, and `/` links what an operator looks for."""

from __future__ import annotations

import re

import httpx
import pytest

ASSET = re.compile(r'(?:src|href)="([^"]*)"')


@pytest.mark.parametrize(
    ("path", "assets"),
    [
        (
            "/docs",
            {
                "/docs/assets/swagger-ui.css": "text/css",
                "/docs/assets/favicon.png": "image/png",
                "/docs/assets/swagger-ui-bundle.js": "javascript",
            },
        ),
        (
            "/redoc",
            {
                "/docs/assets/favicon.png": "image/png",
                "/docs/assets/redoc.standalone.js": "javascript",
            },
        ),
    ],
)
async def test_the_docs_load_only_the_packages_own_assets(
    client: httpx.AsyncClient, path: str, assets: dict[str, str]
) -> None:
    page = await client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"] == "img-src 'self' data:"  # no logo elsewhere
    assert "//" not in page.text.replace("window.location.origin", "")  # no other host
    assert ASSET.findall(page.text) == list(assets)
    for asset, kind in assets.items():
        answer = await client.get(asset)
        assert answer.status_code == 200, asset
        assert kind in answer.headers["content-type"]
        assert len(answer.content) > 500
    assert "'/openapi.json'" in page.text or '"/openapi.json"' in page.text


async def test_the_swagger_ui_oauth2_redirect_page_is_still_served(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/docs/oauth2-redirect")
    assert r.status_code == 200
    assert "swaggerUIRedirectOauth2" in r.text and "<script src" not in r.text


async def test_the_start_page_links_the_docs_the_back_office_health_and_metrics(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    links = ASSET.findall(r.text)
    assert links == [
        "/docs",
        "/redoc",
        "/openapi.json",
        "/admin/",
        "/healthz",
        "/readyz",
        "/metrics",
    ]
    assert "<script" not in r.text and "<link" not in r.text  # nothing to load
    for link in links:
        answer = await client.get(link)
        assert answer.status_code in (200, 303), link  # /admin/ sends to its sign-in page
    refused = await client.post("/")
    assert refused.status_code == 405
    assert set(refused.headers["allow"].split(", ")) == {"GET", "HEAD"}


async def test_the_pages_are_not_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not {"/", "/docs", "/redoc", "/docs/oauth2-redirect"} & set(paths)

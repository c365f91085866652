"""The API docs and the start page, with nothing loaded from another host.

FastAPI's own ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from a CDN: offline they are
blank pages. These load the copies that PyPI's ``fastapi-offline`` ships in its ``static/``
folder (Swagger UI's bundle and stylesheet, ReDoc's standalone bundle, a favicon), served at
``/docs/assets/``, and ReDoc goes without Google's fonts (it falls back to the browser's).
ReDoc always shows Redocly's logo from Redocly's CDN; both pages forbid images from another
host (``IMAGES``), so the browser does not ask for it and ReDoc leaves the logo out.
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS = "/docs"
REDOC = "/redoc"
ASSETS = "/docs/assets"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
IMAGES = {"content-security-policy": "img-src 'self' data:"}

START_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.5; }}
li {{ margin: .4rem 0; }}
</style>
</head>
<body>
<h1>{title} {version}</h1>
<p>{description}</p>
<ul>
<li><a href="{root}/docs">API documentation</a> (Swagger UI; also as
<a href="{root}/redoc">ReDoc</a> and as the <a href="{root}/openapi.json">OpenAPI document</a>)</li>
<li><a href="{root}/admin/">Back-office</a>: orders, captures, refunds, notifications and the
sandbox's merchants, stores and credentials (sign in with the admin token)</li>
<li>Health: <a href="{root}/healthz">/healthz</a> (the process answers) and
<a href="{root}/readyz">/readyz</a> (the database answers and has every migration)</li>
<li>Metrics: <a href="{root}/metrics">/metrics</a> (Prometheus' text format)</li>
</ul>
</body>
</html>
"""


def _root(request: Request) -> str:
    """The path the app is mounted under (``root_path``), as FastAPI's own docs pages use it."""
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def install(app: FastAPI) -> None:
    """``/`` (the start page), ``/docs``, ``/redoc`` and their assets, as FastAPI installs its
    own docs pages; the app is made with ``docs_url=None`` and ``redoc_url=None``."""

    async def start_page(request: Request) -> HTMLResponse:
        return HTMLResponse(
            START_PAGE.format(
                title=escape(app.title),
                version=escape(app.version),
                description=escape(app.description),
                root=_root(request),
            )
        )

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        page = get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{OAUTH2_REDIRECT}",
            init_oauth=app.swagger_ui_init_oauth,
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
        page.headers.update(IMAGES)
        return page

    async def swagger_ui_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        page = get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
        page.headers.update(IMAGES)
        return page

    app.add_route("/", start_page, include_in_schema=False)
    app.add_route(DOCS, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT, swagger_ui_redirect, include_in_schema=False)
    app.add_route(REDOC, redoc, include_in_schema=False)
    app.mount(ASSETS, StaticFiles(packages=[("fastapi_offline", "static")]), name="docs-assets")

"""The start page, Swagger UI and ReDoc render in Debian's chromium with every request to
another host refused, as on a machine without a network: their scripts are the package's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.server import Server

pytestmark = pytest.mark.e2e


async def test_the_start_page_and_the_api_docs_render_offline(browser: Any, server: Server) -> None:
    elsewhere: list[str] = []

    async def only_the_server(route: Any) -> None:
        if route.request.url.startswith(f"{server.url}/"):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    context = await browser.new_context()
    await context.route("**/*", only_the_server)
    page = await context.new_page()

    await page.goto(f"{server.url}/")
    await page.get_by_role("heading", name="orderdesk").wait_for()
    await page.get_by_role("link", name="API documentation").click()
    title = page.locator(".swagger-ui .info .title")
    await title.wait_for(timeout=20_000)
    assert (await title.inner_text()).startswith("orderdesk")
    assert await page.locator(".swagger-ui .opblock").count() > 20  # the operations listed

    await page.goto(f"{server.url}/redoc")
    heading = page.locator("h1", has_text="orderdesk")
    await heading.wait_for(timeout=20_000)
    assert await page.locator("[data-section-id^='operation/']").count() > 20
    await context.close()
    assert elsewhere == []

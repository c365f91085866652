"""Every back-office answer carries the security headers, and no page needs what its
Content-Security-Policy forbids: no inline script, event handler or style (issue 22, item 7)."""

from __future__ import annotations

import re

import httpx

from tests.support.backoffice import signed_in
from tests.support.sandbox import SHOES, Merchant

POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.I)


def assert_secured(r: httpx.Response) -> None:
    assert r.headers["content-security-policy"] == POLICY, r.request.url
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"


async def test_pages_redirects_and_stylesheets_carry_the_security_headers(
    client: httpx.AsyncClient,
) -> None:
    signed_out = await client.get("/admin/orders")
    assert signed_out.status_code == 303
    assert_secured(signed_out)
    signin = await client.get("/admin/signin")
    assert signin.status_code == 200
    assert_secured(signin)
    for sheet in ("backoffice.css", "inbox.css"):
        css = await client.get(f"/admin/static/{sheet}")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        assert_secured(css)


async def test_no_page_has_inline_script_or_style(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    order = await merchant.order("walley", [SHOES])
    await signed_in(client)
    paths = ["/admin/", "/admin/orders", "/admin/deliveries", "/admin/clocks", "/admin/sandbox"]
    for path in [*paths, f"/admin/orders/{order['orderId']}", "/admin/orders/or_none"]:
        page = await client.get(path)
        assert page.status_code in (200, 404), path
        assert_secured(page)
        assert INLINE.search(page.text) is None, (path, INLINE.search(page.text))
        assert '<link rel="stylesheet" href="/admin/static/backoffice.css">' in page.text

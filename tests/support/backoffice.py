"""Signing a test client in to the back-office."""

from __future__ import annotations

import re

import httpx

from tests.support.sandbox import ADMIN_TOKEN

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def signed_in(client: httpx.AsyncClient) -> str:
    """Sign ``client`` in; returns the session's CSRF token."""
    page = await client.get("/admin/signin")
    token = CSRF.search(page.text)
    assert token is not None, page.text
    r = await client.post("/admin/signin", data={"csrf": token.group(1), "token": ADMIN_TOKEN})
    assert r.status_code == 303, r.text
    found = CSRF.search((await client.get("/admin/")).text)
    assert found is not None
    return found.group(1)

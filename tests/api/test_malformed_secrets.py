"""A malformed secret — not ASCII, the wrong length, garbage — is refused as any wrong secret
is, in the answer's own envelope: never a 500 (issue 22, item 1)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.envelopes import ledyer_code, walley_code

NOT_ASCII = "ñ".encode()  # as a client sends it: UTF-8 bytes in a header


@pytest.mark.parametrize("signature", ["%C3%B1", "%00", "x" * 99, ""])
async def test_an_invoice_link_with_a_malformed_signature_is_refused(
    client: httpx.AsyncClient, signature: str
) -> None:
    r = await client.get(f"/invoices/or_x/in_y.pdf?Expires=9999999999&Signature={signature}")
    assert r.status_code == 403, r.text
    assert r.json() == {"error": {"code": 403, "message": "This invoice link is not valid"}}


@pytest.mark.parametrize("token", [b"Bearer " + NOT_ASCII, b"Bearer \xff\xfe", b"Bearer a"])
async def test_a_sandbox_call_with_a_malformed_admin_token_is_unauthorized(
    client: httpx.AsyncClient, token: bytes
) -> None:
    r = await client.get("/sandbox/stores/s1/notifications", headers={"authorization": token})
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == "UNAUTHORIZED"


async def test_a_provider_call_with_a_non_ascii_token_is_unauthorized(
    client: httpx.AsyncClient,
) -> None:
    walley = await client.get("/manage/orders/x", headers={"authorization": b"Bearer " + NOT_ASCII})
    assert walley.status_code == 401 and walley_code(walley, 401)
    ledyer = await client.get("/v1/orders/x", headers={"authorization": b"Bearer a." + NOT_ASCII})
    assert ledyer.status_code == 401 and ledyer_code(ledyer, 401)


@pytest.mark.parametrize("tag", [NOT_ASCII, b"\xff", b"a"])
async def test_a_back_office_cookie_with_a_malformed_tag_is_signed_out(
    client: httpx.AsyncClient, tag: bytes
) -> None:
    cookie = b"orderdesk_admin=abc.1999999999." + tag
    r = await client.get("/admin/", headers={"cookie": cookie})
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/admin/signin")


@pytest.mark.parametrize("csrf", ["%C3%B1", "%FF", "x"])
async def test_a_sign_in_with_a_malformed_csrf_token_is_refused(
    client: httpx.AsyncClient, csrf: str
) -> None:
    r = await client.post(
        "/admin/signin",
        content=f"csrf={csrf}&token=whatever",
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "cookie": "orderdesk_signin=presession",
        },
    )
    assert r.status_code == 403, r.text
    assert "The sign-in form expired" in r.text

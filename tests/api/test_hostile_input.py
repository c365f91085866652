"""Hostile input on both dialects: a clear 4xx in the provider's envelope, and nothing written."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.support.envelopes import ledyer_code, walley_code
from tests.support.sandbox import ADMIN, SHOES, TSHIRTS, Merchant

LIMIT = 1_048_576  # Settings.max_body_bytes
DEEP = b"[" * 5000 + b"]" * 5000
HUGE = b"[" + b",".join([b"1e308"] * 30_000) + b"]"


@dataclass
class Target:
    """A capture endpoint of one dialect on a fresh order, with a way to read its errors."""

    client: httpx.AsyncClient
    app: FastAPI
    order_id: str
    path: str
    auth: dict[str, str]
    error_code: Callable[[httpx.Response, int], str]
    with_amount: Callable[[str], bytes]  # a capture body with this JSON text as an amount
    ok: int

    async def post(self, body: bytes | AsyncIterator[bytes], **headers: str) -> httpx.Response:
        sent = {"content-type": "application/json", **self.auth, **headers}
        return await self.client.post(self.path, content=body, headers=sent)

    async def refused(self, body: bytes | AsyncIterator[bytes], **headers: str) -> tuple[int, str]:
        """Send ``body``: it must get a 4xx in the dialect's envelope and leave the order as is."""
        before = await self.state()
        r = await self.post(body, **headers)
        assert 400 <= r.status_code < 500, r.text
        code = self.error_code(r, r.status_code)
        assert await self.state() == before
        return r.status_code, code

    async def state(self) -> str:
        state: str = await self.app.state.pool.fetchval(
            "SELECT state::text FROM orders WHERE id = $1", self.order_id
        )
        return state


def _ledyer_capture(amount: str, line_total: str = "9500") -> bytes:
    """A partial capture of the shoes (a line without id); the amounts are raw JSON text."""
    fields = json.dumps({k: v for k, v in SHOES.items() if k != "totalAmount"})[1:-1]
    line = f'{{{fields}, "totalAmount": {line_total}}}'
    return f'{{"orderLines": [{line}], "totalCaptureAmount": {amount}}}'.encode()


@pytest.fixture(params=["walley", "ledyer"])
async def target(request: pytest.FixtureRequest, merchant: Merchant, app: FastAPI) -> Target:
    order_id = (await merchant.order(request.param, [SHOES, TSHIRTS]))["orderId"]
    if request.param == "walley":
        return Target(
            merchant.client,
            app,
            order_id,
            f"/manage/orders/{order_id}/capture",
            await merchant.walley_headers(),
            walley_code,
            lambda amount: b'{"amount": %s}' % amount.encode(),
            202,
        )
    return Target(
        merchant.client,
        app,
        order_id,
        f"/v1/orders/{order_id}/partialcapture",
        await merchant.ledyer_headers(),
        ledyer_code,
        _ledyer_capture,
        200,
    )


def valid(target: Target) -> bytes:
    return target.with_amount("95.00" if target.ok == 202 else "9500")


async def test_a_valid_capture_goes_through(target: Target) -> None:
    assert (await target.post(valid(target))).status_code == target.ok


# -- size and shape ------------------------------------------------------------------------------
async def test_a_declared_oversized_body_is_413(target: Target) -> None:
    assert await target.refused(b" " * (LIMIT + 1)) == (413, "REQUEST_TOO_LARGE")


async def test_a_streamed_oversized_body_is_413(target: Target) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(LIMIT // 65536 + 2):
            yield b" " * 65536

    assert await target.refused(chunks()) == (413, "REQUEST_TOO_LARGE")


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"amount": %s, "orderLines": %s}' % (DEEP, DEEP),
        b'{"amount": %s, "orderLines": %s, "totalCaptureAmount": %s}' % (HUGE, HUGE, HUGE),
        b'{"amount": 1, "items": [' + b",".join([b'{"unitPrice":1,"quantity":1}'] * 30_000) + b"]}",
        b"\xff\xfe\x00{",
        b'{"amount": "\xc3\x28"}',
        b"",
        b"null",
        b"[]",
        b'"amount"',
        b'{"amount": 1} trailing',
        b'{"amount": 1, "amount": 2}',
    ],
    ids=[
        "deep-arrays",
        "deep-objects",
        "deep-inside",
        "huge-array",
        "30k-items",
        "utf16",
        "bad-utf8",
        "empty",
        "null",
        "array",
        "string",
        "trailing",
        "duplicate-key",
    ],
)
async def test_malformed_json_is_a_clear_4xx(target: Target, body: bytes) -> None:
    await target.refused(body, **{"x-idempotency": "k", "idempotency-key": "k"})


# -- content types -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/json; charset=iso-8859-1",
        "json",
    ],
)
async def test_a_body_that_is_not_json_is_415(target: Target, content_type: str) -> None:
    refusal = await target.refused(valid(target), **{"content-type": content_type})
    assert refusal == (415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    "content_type",
    [None, "application/json; charset=UTF-8", "Application/JSON", "application/vnd.api+json"],
)
async def test_json_content_types_and_none_are_accepted(
    target: Target, content_type: str | None
) -> None:
    headers = {**target.auth}
    if content_type is not None:
        headers["content-type"] = content_type
    request = target.client.build_request("POST", target.path, content=valid(target))
    request.headers.pop("content-type", None)
    request.headers.update(headers)
    assert (await target.client.send(request)).status_code == target.ok


# -- numbers -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "amount",
    [
        "1e309",
        "-1e309",
        "NaN",
        "Infinity",
        "-Infinity",
        "-0",
        "-0.0",
        "12345678901234567890",
        "-12345678901234567890",
        "1e-400",
        "9" * 5000,
        '"1e3"',
        '"NaN"',
        "true",
        "null",
        "{}",
        "[]",
        "0.001",
        "-1",
    ],
)
async def test_odd_amounts_are_a_clear_4xx(target: Target, amount: str) -> None:
    await target.refused(target.with_amount(amount))


@pytest.mark.parametrize("total", ["1e309", "NaN", "-0", "12345678901234567890", "9500.5"])
async def test_odd_line_amounts_are_a_clear_4xx(target: Target, total: str) -> None:
    if target.ok == 202:
        body = b'{"amount": 95, "items": [{"unitPrice": %s, "quantity": 1}]}' % total.encode()
    else:
        body = _ledyer_capture("9500", total)
    await target.refused(body)


# -- text PostgreSQL cannot hold -----------------------------------------------------------------
@pytest.mark.parametrize("text", ["a\\u0000b", "\\ud800", "\\udc00x", "\\ud800\\u0041"])
async def test_nul_and_unpaired_surrogates_are_400(target: Target, text: str) -> None:
    body = valid(target).replace(b"}", b', "description": "%s"}' % text.encode(), 1)
    if target.ok == 200:
        body = valid(target).replace(b'"Shoes"', b'"%s"' % text.encode())
    assert await target.refused(body) == (400, "INVALID_REQUEST")


async def test_escaped_backslashes_and_emoji_are_fine(target: Target) -> None:
    if target.ok == 202:
        body = b'{"amount": 95, "description": "C:\\\\u0000 \\ud83d\\ude00"}'
    else:
        body = valid(target).replace(b'"Shoes"', b'"C:\\\\u0000 \\ud83d\\ude00"')
    assert (await target.post(body)).status_code == target.ok


async def test_a_nul_in_the_path_is_400(target: Target) -> None:
    path = target.path.replace(target.order_id, "%00")
    r = await target.client.post(path, content=valid(target), headers=target.auth)
    assert target.error_code(r, 400) == "INVALID_REQUEST"
    r = await target.client.get(path.rsplit("/", 1)[0], headers=target.auth)
    assert target.error_code(r, 400) == "INVALID_REQUEST"


async def test_a_nul_in_a_client_id_is_401(client: httpx.AsyncClient) -> None:
    form = {"grant_type": "client_credentials", "client_id": "a\x00", "client_secret": "s"}
    assert (await client.post("/oauth2/v2.0/token", data=form)).status_code == 401
    r = await client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"authorization": "Basic YQBiOnM="},  # "a\0b:s"
    )
    assert r.status_code == 401


async def test_sandbox_bodies_with_nul_are_400(client: httpx.AsyncClient) -> None:
    body: dict[str, Any] = {"name": "a\x00b"}
    r = await client.post("/sandbox/merchants", json=body, headers=ADMIN)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "INVALID_REQUEST"


# -- found by the fuzzer (tests/e2e/test_schemathesis.py) ----------------------------------------
async def test_an_edit_to_lines_worth_nothing_is_no_500(merchant: Merchant) -> None:
    order_id = (await merchant.order("ledyer", [SHOES]))["orderId"]
    auth = await merchant.ledyer_headers()
    free = {**SHOES, "quantity": 0, "unitPrice": 0, "totalAmount": 0, "totalVatAmount": 0}
    body = {
        "orderLines": [free],
        "totalOrderAmount": 0,
        "totalOrderAmountExclVat": 0,
        "totalOrderVatAmount": 0,
    }
    r = await merchant.client.post(f"/v1/orders/{order_id}", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["orderAmount"]["minorUnits"] == 0
    assert (await merchant.client.get(f"/v1/orders/{order_id}", headers=auth)).status_code == 200

"""An unexpected error is a 500 in the API's envelope that carries ``X-Request-Id`` like every
other answer, with its traceback logged once under that id (issue 22, item 1)."""

from __future__ import annotations

import logging

import httpx
import pytest
from fastapi import FastAPI

from tests.support.sandbox import SHOES, Merchant
from tests.support.seams import FailingSaves, rows_in_place
from tests.support.walley_api import walley_order


async def test_a_500_carries_the_request_id_in_the_api_s_envelope(
    app: FastAPI, merchant: Merchant, caplog: pytest.LogCaptureFixture
) -> None:
    order_id = await walley_order(merchant)
    headers = {**await merchant.walley_headers(), "x-request-id": "trace-500"}
    body = {"amount": SHOES["totalAmount"] / 100}
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        with rows_in_place(app, FailingSaves(RuntimeError("disk full"))):
            r = await client.post(f"/manage/orders/{order_id}/capture", json=body, headers=headers)
    assert r.status_code == 500, r.text
    assert r.headers["x-request-id"] == "trace-500"
    error = r.json()["error"]
    assert error["code"] == 500 and error["errors"][0]["reason"] == "INTERNAL_ERROR"
    logged = [rec for rec in caplog.records if rec.levelno == logging.ERROR]
    assert [rec.getMessage() for rec in logged] == [
        f"unhandled error on POST /manage/orders/{order_id}/capture"
    ]
    assert logged[0].exc_info is not None and "disk full" in str(logged[0].exc_info[1])

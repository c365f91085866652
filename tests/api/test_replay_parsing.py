"""A capture's body is parsed after its key is looked up (``service/unit_of_work.py::Parsed``):
a replay is answered without parsing, and every other answer is what parsing first gave."""

from __future__ import annotations

import uuid

import httpx
import orjson
import pytest
from fastapi import FastAPI

from tests.support.envelopes import ledyer_code, walley_code
from tests.support.sandbox import SAMSUNG, SHOES, TSHIRTS, Merchant
from tests.support.seams import watching_parses

WALLEY_BODY = b'{"amount":95.00,"items":[{"id":"10001","description":"Shoes","unitPrice":95.00,"quantity":1}]}'  # noqa: E501
MALFORMED = b'{"amount":'


def ledyer_body(line_id: str) -> bytes:
    return orjson.dumps({"orderLines": [{**SAMSUNG, "id": line_id}], "totalCaptureAmount": 489000})


async def post(
    merchant: Merchant, dialect: str, order_id: str, body: bytes, key: str | None
) -> httpx.Response:
    """A capture in ``dialect``'s wire format (Ledyer's a partial capture), keyed or not."""
    walley = dialect == "walley"
    auth = await (merchant.walley_headers() if walley else merchant.ledyer_headers())
    headers = {"content-type": "application/json", **auth}
    if key is not None:
        headers["x-idempotency" if walley else "idempotency-key"] = key
    path = (
        f"/manage/orders/{order_id}/capture" if walley else f"/v1/orders/{order_id}/partialcapture"
    )
    return await merchant.client.post(path, content=body, headers=headers)


async def test_a_walley_replay_is_answered_without_parsing_the_body(
    merchant: Merchant, app: FastAPI
) -> None:
    order = await merchant.order("walley", [SHOES, TSHIRTS])
    key = str(uuid.uuid4())
    first = await post(merchant, "walley", order["orderId"], WALLEY_BODY, key)
    assert first.status_code == 202
    with watching_parses(app) as watcher:
        again = await post(merchant, "walley", order["orderId"], WALLEY_BODY, key)
    assert (again.status_code, again.headers["location"], again.content) == (
        first.status_code,
        first.headers["location"],
        first.content,
    )
    assert watcher.parsed == []


async def test_a_ledyer_replay_is_answered_without_parsing_the_body(
    merchant: Merchant, app: FastAPI
) -> None:
    order = await merchant.order("ledyer", [SAMSUNG])
    key = str(uuid.uuid4())
    body = ledyer_body(order["lineIds"][0])
    first = await post(merchant, "ledyer", order["orderId"], body, key)
    assert first.status_code == 200
    with watching_parses(app) as watcher:
        again = await post(merchant, "ledyer", order["orderId"], body, key)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert watcher.parsed == []


async def test_a_first_request_and_a_reused_key_are_still_parsed(
    merchant: Merchant, app: FastAPI
) -> None:
    order = await merchant.order("walley", [SHOES, TSHIRTS])
    key = str(uuid.uuid4())
    assert (await post(merchant, "walley", order["orderId"], WALLEY_BODY, key)).status_code == 202
    other = WALLEY_BODY.replace(b"95.00,", b"95.0,", 1)  # same meaning, other bytes
    with watching_parses(app) as watcher:  # the watcher's parse fails: a 500, after parsing
        r = await post(merchant, "walley", order["orderId"], other, key)
    assert r.status_code == 500
    assert watcher.parsed == ["parsed"]


@pytest.mark.parametrize(
    ("case", "key", "exists"),
    [
        ("a malformed key too", "k" * 300, True),
        ("a key used for another body", "USED", True),
        ("no such order", None, False),
        ("no such order, with a key", "NEW", False),
    ],
)
async def test_a_malformed_body_is_the_answer_before_anything_else(
    merchant: Merchant, case: str, key: str | None, exists: bool
) -> None:
    order = await merchant.order("walley", [SHOES, TSHIRTS])
    order_id = order["orderId"] if exists else str(uuid.uuid4())
    if key == "USED":
        key = str(uuid.uuid4())
        assert (await post(merchant, "walley", order_id, WALLEY_BODY, key)).status_code == 202
    elif key == "NEW":
        key = str(uuid.uuid4())
    r = await post(merchant, "walley", order_id, MALFORMED, key)
    assert walley_code(r, 400) == "INVALID_REQUEST"


async def test_ledyer_a_malformed_body_and_key_answer_for_the_body(merchant: Merchant) -> None:
    order = await merchant.order("ledyer", [SAMSUNG])
    r = await post(merchant, "ledyer", order["orderId"], b"[]", "k" * 300)
    assert ledyer_code(r, 400) == "INVALID_REQUEST"
    r = await post(
        merchant, "ledyer", order["orderId"], ledyer_body(order["lineIds"][0]), "k" * 300
    )
    assert ledyer_code(r, 400) == "IDEMPOTENCY_KEY_INVALID"

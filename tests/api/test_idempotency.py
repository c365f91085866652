"""Idempotency keys (Walley ``X-Idempotency``, Ledyer ``Idempotency-Key``) on every write.

Each write endpoint is listed in WRITES with a request that succeeds on a fresh order; the
generic tests run against all of them, and a guard fails when a write route is missing.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from orderdesk.service.purge import purge_expired
from orderdesk.store import idempotency
from tests.support.envelopes import error_code
from tests.support.sandbox import ADMIN, SHOES, TSHIRTS, Merchant, line
from tests.support.seams import FailingSaves, rows_in_place

Body = Callable[[dict[str, Any]], bytes]


def _lines(order: dict[str, Any], count: int | None = None) -> list[dict[str, Any]]:
    """SHOES and TSHIRTS with their line ids, as a Ledyer client sends them back."""
    ids = order["lineIds"]
    lines = [{**line, "id": line_id} for line, line_id in zip((SHOES, TSHIRTS), ids, strict=True)]
    return lines[:count]


def _ledyer_capture(order: dict[str, Any], count: int | None = None) -> bytes:
    lines = _lines(order, count)
    total = sum(line["totalAmount"] for line in lines)
    return json.dumps({"orderLines": lines, "totalCaptureAmount": total}).encode()


def _ledyer_edit(order: dict[str, Any], keep: int = 0) -> bytes:
    """Edit the order down to one of its lines."""
    line = _lines(order)[keep]
    vat = line["totalVatAmount"]
    body = {
        "orderLines": [line],
        "totalOrderAmount": line["totalAmount"],
        "totalOrderAmountExclVat": line["totalAmount"] - vat,
        "totalOrderVatAmount": vat,
    }
    return json.dumps(body).encode()


T_SHIRT = line("10002", "T-Shirt", 1, 9500)


def _ledyer_refund(refunded: dict[str, Any]) -> bytes:
    """A partial refund of one line, as Ledyer's WooCommerce plugin sends it (no id)."""
    body = {"orderLines": [refunded], "totalRefundAmount": refunded["totalAmount"]}
    return json.dumps(body).encode()


@dataclass(frozen=True)
class Write:
    """A write endpoint: a request that succeeds on a fresh order, and a different one."""

    method: str
    route: str
    body: Body
    other: Body | None  # another valid body for the same endpoint (None: it takes no body)
    status: int | None = None  # the success status, when not the dialect's usual one
    #: What the fresh order needs: "captured" (``{ledgerId}`` is its capture), "uncaptured"
    #: (``{ledgerId}`` is its uncaptured part), "walley captured" (captured whole, for refunds)
    #: and the sandbox order's extra fields.
    setup: str = ""
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def provider(self) -> str:
        return "walley" if self.route.startswith("/manage/") else "ledyer"

    @property
    def key_header(self) -> str:
        return "X-Idempotency" if self.provider == "walley" else "Idempotency-Key"

    @property
    def ok(self) -> int:
        if self.status is not None:
            return self.status
        return 202 if self.provider == "walley" else 200

    def __str__(self) -> str:
        return f"{self.method} {self.route}"


WRITES = [
    Write(
        "POST",
        "/manage/orders/{orderId}/capture",
        lambda o: b'{"amount": 50.00}',
        lambda o: b'{"amount": 60.00}',
    ),
    Write(
        "POST",
        "/manage/orders/{orderId}/cancel",
        lambda o: b'{"actionReference": "c-1"}',
        lambda o: b'{"actionReference": "c-2"}',
    ),
    Write("POST", "/manage/orders/{orderId}/extend", lambda o: b"", lambda o: b"{}"),
    Write(
        "POST",
        "/manage/orders/{orderId}/refund",
        lambda o: b'{"amount": 50.00}',
        lambda o: b'{"amount": 60.00}',
        setup="walley captured",
    ),
    Write(
        "POST",
        "/manage/orders/{orderId}/reauthorize",
        lambda o: b'{"amount": 190.00}',
        lambda o: b'{"amount": 95.00}',
    ),
    Write(
        "POST",
        "/v1/orders/{orderId}/partialcapture",
        lambda o: _ledyer_capture(o, 1),
        lambda o: _ledyer_capture(o),
    ),
    Write("POST", "/v1/orders/{orderId}/capture", _ledyer_capture, lambda o: _ledyer_capture(o, 1)),
    Write("POST", "/v1/orders/{orderId}", _ledyer_edit, lambda o: _ledyer_edit(o, 1)),
    Write("DELETE", "/v1/orders/{orderId}", lambda o: b"", None),
    Write(
        "POST",
        "/v1/orders/{orderId}/customer",
        lambda o: b'{"email": "a@example.com"}',
        lambda o: b'{"email": "b@example.com"}',
    ),
    Write("POST", "/v1/orders/{orderId}/extendexpiry", lambda o: b"", lambda o: b"{}"),
    Write(
        "POST",
        "/v1/orders/{orderId}/refund/{ledgerId}",
        lambda o: b"",
        lambda o: b'{"note": "returned"}',
        setup="captured",
    ),
    Write(
        "POST",
        "/v1/orders/{orderId}/partialrefund/{ledgerId}",
        lambda o: _ledyer_refund(SHOES),
        lambda o: _ledyer_refund(T_SHIRT),
        setup="captured",
    ),
    Write("DELETE", "/v1/orders/{orderId}/{ledgerId}", lambda o: b"", None, setup="uncaptured"),
    Write(
        "POST",
        "/v1/orders/{orderId}/reference",
        lambda o: b'{"reference": "1001"}',
        lambda o: b'{"reference": "1002"}',
    ),
    Write(
        "POST",
        "/v1/orders/{orderId}/acknowledge",
        lambda o: b"",
        lambda o: b"[]",
        status=201,
        extra=(("acknowledged", False),),
    ),
    Write(
        "POST",
        "/v1/orders/{orderId}/paymentmethod",
        lambda o: b'{"paymentMethod": {"provider": "ledyer", "type": "advanceInvoice"}}',
        lambda o: b'{"paymentMethod":{"provider":"ledyer","type":"advanceInvoice"}}',
        extra=(("paymentMethod", "serviceInvoice"),),
    ),
]


def test_every_write_endpoint_is_covered(app: FastAPI) -> None:
    """A new write route offering a key must join WRITES, so the tests below prove it is
    idempotent too (a checkout session's writes offer none: their APIs document none)."""
    keys = {"x-idempotency", "idempotency-key"}
    routes = {
        f"{method.upper()} {path}"
        for path, operations in app.openapi()["paths"].items()
        if path.startswith(("/manage/", "/v1/"))
        for method, operation in operations.items()
        if any(p["name"].lower() in keys for p in operation.get("parameters", []))
    }
    assert routes == {str(write) for write in WRITES}


class Caller:
    """Sends a Write's requests for one merchant and reads the order's ledger."""

    def __init__(self, merchant: Merchant, app: FastAPI, write: Write) -> None:
        self.merchant, self.pool, self.write = merchant, app.state.pool, write
        self.auth: dict[str, str] = {}

    async def order(self) -> dict[str, Any]:
        if not self.auth:
            provider = self.write.provider
            self.auth = await getattr(self.merchant, f"{provider}_headers")()
        extra = dict(self.write.extra)
        order = await self.merchant.order(self.write.provider, [SHOES, TSHIRTS], **extra)
        path = f"/v1/orders/{order['orderId']}"
        if self.write.setup == "captured":
            r = await self.merchant.client.post(
                f"{path}/capture", content=_ledyer_capture(order), headers=self.auth
            )
            assert r.status_code == 200, r.text
            order["ledgerId"] = r.json()["captured"][0]["ledgerId"]
        elif self.write.setup == "uncaptured":
            r = await self.merchant.client.get(path, headers=self.auth)
            order["ledgerId"] = r.json()["uncaptured"]["ledgerId"]
        elif self.write.setup == "walley captured":
            r = await self.merchant.client.post(
                f"/manage/orders/{order['orderId']}/capture",
                json={"amount": 285},
                headers=self.auth,
            )
            assert r.status_code == 202, r.text
        return order

    async def send(
        self,
        order: dict[str, Any],
        key: str | None,
        body: bytes | None = None,
        write: Write | None = None,
        auth: dict[str, str] | None = None,
    ) -> httpx.Response:
        write = write or self.write
        headers = {**(self.auth if auth is None else auth), "content-type": "application/json"}
        if key is not None:
            headers[write.key_header] = key
        return await self.merchant.client.request(
            write.method,
            write.route.replace("{orderId}", order["orderId"]).replace(
                "{ledgerId}", order.get("ledgerId", "")
            ),
            content=write.body(order) if body is None else body,
            headers=headers,
        )

    async def events(self, order: dict[str, Any]) -> int:
        """How many operations were applied to the order (each one appends an event)."""
        count: int = await self.pool.fetchval(
            "SELECT count(*) FROM order_events WHERE order_id = $1",
            order["orderId"],
        )
        return count

    async def stored(self, key: str) -> bool:
        found = await self.pool.fetchval(
            "SELECT count(*) FROM idempotency_keys WHERE client_id = $1 AND key = $2",
            self.merchant.client_id,
            key,
        )
        return bool(found)


def same_answer(a: httpx.Response, b: httpx.Response) -> None:
    assert (a.status_code, a.content) == (b.status_code, b.content)
    # X-Request-Id names each request (a retry is another request), not the stored answer
    assert [h for h in a.headers.multi_items() if h[0] != "x-request-id"] == [
        h for h in b.headers.multi_items() if h[0] != "x-request-id"
    ]


@pytest.fixture(params=WRITES, ids=str)
def caller(request: pytest.FixtureRequest, merchant: Merchant, app: FastAPI) -> Caller:
    return Caller(merchant, app, request.param)


# -- every write endpoint ------------------------------------------------------------------------
async def test_a_retry_gets_the_stored_answer_and_applies_nothing(caller: Caller) -> None:
    order = await caller.order()
    first = await caller.send(order, "retry-1")
    assert first.status_code == caller.write.ok, first.text
    applied = await caller.events(order)
    for _ in range(3):
        same_answer(first, await caller.send(order, "retry-1"))
    assert await caller.events(order) == applied


async def test_the_key_on_another_order_is_refused(caller: Caller) -> None:
    order, other = await caller.order(), await caller.order()
    assert (await caller.send(order, "reuse-1")).status_code == caller.write.ok
    before = await caller.events(other)
    r = await caller.send(other, "reuse-1")
    assert (r.status_code, error_code(r)) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert await caller.events(other) == before


@pytest.fixture(params=[write for write in WRITES if write.other is not None], ids=str)
def body_caller(request: pytest.FixtureRequest, merchant: Merchant, app: FastAPI) -> Caller:
    """The write endpoints that take a body (a different body is a different request)."""
    return Caller(merchant, app, request.param)


async def test_the_key_with_another_body_is_refused(body_caller: Caller) -> None:
    caller = body_caller
    assert caller.write.other is not None
    order = await caller.order()
    assert (await caller.send(order, "reuse-2")).status_code == caller.write.ok
    applied = await caller.events(order)
    r = await caller.send(order, "reuse-2", caller.write.other(order))
    assert (r.status_code, error_code(r)) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert await caller.events(order) == applied


async def test_the_key_while_its_request_runs_is_409(caller: Caller) -> None:
    order = await caller.order()
    before = await caller.events(order)
    async with key_in_flight(caller.pool, caller.merchant.client_id, "busy-1"):
        r = await caller.send(order, "busy-1")
        assert (r.status_code, error_code(r)) == (409, "IDEMPOTENCY_REQUEST_IN_PROGRESS")
    assert await caller.events(order) == before
    assert not await caller.stored("busy-1")
    assert (await caller.send(order, "busy-1")).status_code == caller.write.ok


async def test_a_refusal_is_stored_and_replayed_unchanged(caller: Caller) -> None:
    order = await caller.order()
    r = await caller.merchant.client.post(
        f"/sandbox/orders/{order['orderId']}/close", headers=ADMIN
    )
    assert r.status_code == 200, r.text
    first = await caller.send(order, "refused-1")
    assert first.status_code in (409, 422), first.text
    assert await caller.stored("refused-1")
    same_answer(first, await caller.send(order, "refused-1"))  # Walley's random error id too


@asynccontextmanager
async def key_in_flight(pool: asyncpg.Pool, client_id: str, key: str) -> AsyncIterator[None]:
    """Hold the key's lock as a request still running in another process would."""
    async with pool.acquire() as conn, conn.transaction():
        locked, _stored = await idempotency.claim(conn, client_id, key)
        assert locked
        yield


# -- what is not stored, and what a key is scoped to -----------------------------------------------
WALLEY_CAPTURE, LEDYER_PARTIAL = WRITES[0], WRITES[5]


@pytest.fixture
def walley(merchant: Merchant, app: FastAPI) -> Caller:
    return Caller(merchant, app, WALLEY_CAPTURE)


async def test_without_a_key_requests_are_not_deduplicated(walley: Caller) -> None:
    order = await walley.order()
    before = await walley.events(order)
    for _ in range(2):
        assert (await walley.send(order, None)).status_code == 202
    assert await walley.events(order) == before + 2


async def test_the_key_on_another_endpoint_is_refused(walley: Caller) -> None:
    order = await walley.order()
    assert (await walley.send(order, "endpoint-1")).status_code == 202
    applied = await walley.events(order)
    cancel = WRITES[1]
    r = await walley.send(order, "endpoint-1", cancel.body(order), write=cancel)
    assert (r.status_code, error_code(r)) == (422, "IDEMPOTENCY_KEY_REUSED")
    assert await walley.events(order) == applied


async def test_keys_are_scoped_to_the_credential(walley: Caller) -> None:
    order = await walley.order()
    before = await walley.events(order)
    assert (await walley.send(order, "scope-1")).status_code == 202
    client_id, secret = await walley.merchant.credential()
    other_auth = await walley.merchant.walley_headers(client_id, secret)
    r = await walley.send(order, "scope-1", b'{"amount": 60.00}', auth=other_auth)
    assert r.status_code == 202  # another credential's key: a new request, applied
    assert await walley.events(order) == before + 2


async def test_auth_failures_are_not_stored(walley: Caller) -> None:
    order = await walley.order()
    r = await walley.send(order, "auth-1", auth={"authorization": "Bearer nope"})
    assert r.status_code == 401
    assert not await walley.stored("auth-1")
    assert (await walley.send(order, "auth-1")).status_code == 202


async def test_not_found_forbidden_and_malformed_are_not_stored(walley: Caller) -> None:
    order = await walley.order()
    unknown = {**order, "orderId": "00000000-0000-4000-8000-000000000000"}
    assert (await walley.send(unknown, "nf-1")).status_code == 404
    assert (await walley.send(order, "nf-2", b'{"amount": "lots"}')).status_code == 400
    store = await walley.merchant.store("walley")
    client_id, secret = await walley.merchant.credential([store])
    other_auth = await walley.merchant.walley_headers(client_id, secret)
    assert (await walley.send(order, "nf-3", auth=other_auth)).status_code == 403
    for key in ("nf-1", "nf-2", "nf-3"):
        assert not await walley.stored(key)
    assert (await walley.send(order, "nf-2")).status_code == 202  # the key is still free


async def test_a_server_error_is_not_stored_and_the_retry_applies_once(
    walley: Caller, app: FastAPI
) -> None:
    order = await walley.order()
    before = await walley.events(order)
    with rows_in_place(app, FailingSaves(RuntimeError("disk full"))):
        r = await send_tolerating_errors(app, walley, order, "crash-1")
    assert r.status_code == 500
    assert not await walley.stored("crash-1")
    assert await walley.events(order) == before
    assert (await walley.send(order, "crash-1")).status_code == 202
    assert (await walley.send(order, "crash-1")).status_code == 202
    assert await walley.events(order) == before + 1


async def test_the_answer_is_stored_in_the_operation_s_transaction(
    walley: Caller, app: FastAPI
) -> None:
    """If PostgreSQL refuses to store the answer, the capture it records is rolled back with it."""
    order = await walley.order()
    refuse = "ALTER TABLE idempotency_keys ADD CONSTRAINT refuse_atomic CHECK (key <> 'atomic-1')"
    await walley.pool.execute(refuse)
    try:
        before = await walley.events(order)
        r = await send_tolerating_errors(app, walley, order, "atomic-1")
        assert r.status_code == 500
        assert await walley.events(order) == before
        assert not await walley.stored("atomic-1")
    finally:
        await walley.pool.execute("ALTER TABLE idempotency_keys DROP CONSTRAINT refuse_atomic")
    assert (await walley.send(order, "atomic-1")).status_code == 202
    assert await walley.events(order) == before + 1


async def send_tolerating_errors(
    app: FastAPI, caller: Caller, order: dict[str, Any], key: str
) -> httpx.Response:
    """A request whose 500 reaches us as the client sees it, not as a raised exception."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        original = caller.merchant.client
        caller.merchant.client = client
        try:
            return await caller.send(order, key)
        finally:
            caller.merchant.client = original


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
async def test_an_invalid_key_is_400(walley: Caller, key: str) -> None:
    order = await walley.order()
    before = await walley.events(order)
    r = await walley.send(order, key)
    assert (r.status_code, error_code(r)) == (400, "IDEMPOTENCY_KEY_INVALID")
    assert await walley.events(order) == before


async def test_a_key_of_255_characters_is_fine(walley: Caller) -> None:
    order = await walley.order()
    assert (await walley.send(order, "k" * 255)).status_code == 202


async def test_a_purged_key_is_a_new_request(walley: Caller) -> None:
    order = await walley.order()
    before = await walley.events(order)
    assert (await walley.send(order, "old-1")).status_code == 202
    await walley.pool.execute(
        "UPDATE idempotency_keys SET created_at = now() - interval '25 hours'"
        " WHERE client_id = $1 AND key = 'old-1'",
        walley.merchant.client_id,
    )
    await purge_expired(walley.pool, timedelta(hours=24))
    assert (await walley.send(order, "old-1")).status_code == 202
    assert await walley.events(order) == before + 2


async def test_a_ledyer_replay_is_the_order_as_it_was_then(
    merchant: Merchant, app: FastAPI
) -> None:
    ledyer = Caller(merchant, app, LEDYER_PARTIAL)
    order = await ledyer.order()
    first = await ledyer.send(order, "then-1")
    assert first.json()["capturedAmount"]["minorUnits"] == SHOES["totalAmount"]
    [tshirts] = _lines(order)[1:]
    body = {"orderLines": [tshirts], "totalCaptureAmount": tshirts["totalAmount"]}
    second = await ledyer.send(order, "then-2", json.dumps(body).encode())
    assert second.json()["uncapturedAmount"]["minorUnits"] == 0
    same_answer(first, await ledyer.send(order, "then-1"))

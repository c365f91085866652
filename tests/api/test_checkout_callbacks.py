"""A provider's checkout as the core runs it (``CheckoutDialect``), with a test checkout in
place of a provider's: its loader served at its root path, its validation hook called before
pay (accepted, refused, unanswered), and its callback — a GET without a body to the shop's
URL with the order's id filled in, retried until the order is acknowledged — sent by the
outbox and shown in the delivery inbox."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from fastapi import FastAPI

from orderdesk.domain.checkout import (
    Callback,
    CheckoutSession,
    HookAnswer,
    Moment,
    Outbound,
    Persona,
    Validation,
    Verdict,
    fill,
)
from orderdesk.domain.order import Order
from tests.support.apps import running_app
from tests.support.checkouts import swapped
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, ADMIN_TOKEN, SHOES, Merchant, advance, new_merchant

LOADER = Path(__file__).parents[1] / "support" / "checkout_loader.js"


def _judge(answer: HookAnswer | None) -> Verdict:
    if answer is not None and answer.status == 200:
        return Verdict(True)
    said = "no answer" if answer is None else f"{answer.status} {answer.body.decode()}"
    return Verdict(False, f"refused: {said}", "https://shop.example/cart")


class TestCheckout:
    """A checkout as a provider's package would declare it."""

    loaders: ClassVar[dict[str, Path]] = {"/test-checkout-loader.js": LOADER}
    events: ClassVar[dict[str, str]] = {"completed": "testCheckoutCompleted"}

    def validation(self, session: CheckoutSession) -> Validation | None:
        url = session.urls.get("validation")
        if url is None:
            return None
        body = f'{{"checkout":"{session.id}"}}'
        request = Outbound("POST", url, body, {"Content-Type": "application/json"})
        return Validation(request, timedelta(seconds=3), _judge)

    def callbacks(
        self, session: CheckoutSession, order: Order, moment: Moment
    ) -> Sequence[Callback]:
        url = fill(session.urls["notification"], {"checkout.order.id": order.id})
        return [
            Callback(
                "test.push",
                Outbound("GET", url, "", {"X-Test": moment}),
                accept=frozenset({200}),
                until_acknowledged=True,
                retry_schedule=(timedelta(seconds=60),) * 3,
            )
        ]

    def confirmation_url(self, session: CheckoutSession, persona: Persona) -> str | None:
        return session.urls.get("confirmation")


@pytest.fixture(scope="module")
async def test_app(database_url: str) -> AsyncIterator[FastAPI]:
    """The Ledyer stores' provider with the test checkout as its ``checkout``."""
    async with running_app(
        database_url, ADMIN_TOKEN, swapped(TestCheckout(), "ledyer")
    ) as application:
        yield application


@pytest.fixture
async def test_client(test_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=test_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def _session(merchant: Merchant, receiver: Receiver, **urls: str) -> dict[str, Any]:
    r = await merchant.client.post(
        "/sandbox/checkouts",
        json={
            "storeId": merchant.stores["ledyer"],
            "orderLines": [SHOES],
            "urls": {"notification": receiver.url + "?id={checkout.order.id}", **urls},
        },
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


async def _callbacks(
    client: httpx.AsyncClient, checkout_id: str, tried: int
) -> list[dict[str, Any]]:
    """The session's callbacks once the first has been tried ``tried`` times."""
    deadline = time.monotonic() + 15
    while True:
        r = await client.get(f"/sandbox/checkouts/{checkout_id}", headers=ADMIN)
        found: list[dict[str, Any]] = r.json()["callbacks"]
        if found and len(found[0]["attempts"]) >= tried:
            return found
        assert time.monotonic() < deadline, found
        await asyncio.sleep(0.05)


async def test_the_loader_is_served_at_its_root_path(test_client: httpx.AsyncClient) -> None:
    r = await test_client.get("/test-checkout-loader.js")
    assert r.status_code == 200
    assert r.content == LOADER.read_bytes()
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["access-control-allow-origin"] == "*"


async def test_a_get_callback_is_retried_until_the_order_is_acknowledged(
    test_client: httpx.AsyncClient, receiver: Receiver
) -> None:
    merchant = await new_merchant(test_client)
    made = await _session(merchant, receiver)
    r = await test_client.post(
        f"/sandbox/checkouts/{made['checkoutId']}/pay", json={}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    order_id = r.json()["orderId"]
    [pending] = await _callbacks(test_client, made["checkoutId"], tried=1)
    [first] = receiver.received
    assert (first.method, first.path, first.body) == ("GET", f"/hooks?id={order_id}", b"")
    assert first.headers["x-test"] == "completed"
    assert "content-length" not in first.headers and "content-type" not in first.headers
    assert (pending["method"], pending["state"], pending["eventType"]) == (
        "GET",
        "pending",
        "test.push",
    )
    assert [(a["status"], a["error"]) for a in pending["attempts"]] == [
        (200, "the order is not acknowledged")
    ]

    r = await test_client.post(
        f"/v1/orders/{order_id}/acknowledge", headers=await merchant.ledyer_headers()
    )
    assert r.status_code == 201, r.text
    await advance(merchant, "ledyer", 60)
    [done] = (
        await test_client.get(f"/sandbox/checkouts/{made['checkoutId']}", headers=ADMIN)
    ).json()["callbacks"]
    assert done["state"] == "delivered"  # stopped, not sent again, once acknowledged
    assert [(a["status"], a["error"]) for a in done["attempts"]] == [
        (200, "the order is not acknowledged")
    ]
    assert len(receiver.received) == 1


async def test_the_validation_hook_refuses_then_accepts(
    test_client: httpx.AsyncClient, receiver: Receiver
) -> None:
    merchant = await new_merchant(test_client)
    hook = Receiver(statuses=[409]).start()
    try:
        made = await _session(
            merchant, receiver, validation=hook.url, confirmation="https://shop.example/ok"
        )
        path = f"/sandbox/checkouts/{made['checkoutId']}/pay"
        refused = (await test_client.post(path, json={}, headers=ADMIN)).json()
        assert (refused["status"], refused["orderId"]) == ("open", None)
        assert refused["validation"] == {"accepted": False, "message": "refused: 409 ok"}
        assert refused["redirectUrl"] == "https://shop.example/cart"
        [asked] = hook.received
        assert asked.method == "POST"
        assert asked.json() == {"checkout": made["checkoutId"]}
        paid = (await test_client.post(path, json={}, headers=ADMIN)).json()
        assert paid["status"] == "completed"
        assert paid["validation"] == {"accepted": True, "message": ""}
        assert paid["redirectUrl"] == "https://shop.example/ok"
        skipped = await _session(merchant, receiver, validation=hook.url)
        r = await test_client.post(
            f"/sandbox/checkouts/{skipped['checkoutId']}/pay",
            json={"persona": "decline"},
            headers=ADMIN,
        )
        assert r.json()["validation"] is None and len(hook.received) == 2
    finally:
        hook.stop()


async def test_an_unanswered_validation_hook_refuses(
    test_client: httpx.AsyncClient, receiver: Receiver
) -> None:
    merchant = await new_merchant(test_client)
    made = await _session(merchant, receiver, validation="http://127.0.0.1:9/closed")
    r = await test_client.post(
        f"/sandbox/checkouts/{made['checkoutId']}/pay", json={}, headers=ADMIN
    )
    assert r.json()["validation"] == {"accepted": False, "message": "refused: no answer"}
    assert r.json()["status"] == "open"

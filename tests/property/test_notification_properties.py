"""For any sequence of changes, the notifications a shop gets (answered 200, some after a
failed first attempt) are exactly the recorded events' notifications, in event order."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderdesk.providers.ledyer import notifications as ledyer_notifications
from orderdesk.providers.walley import notifications as walley_notifications
from tests.support.receiver import Receiver
from tests.support.sandbox import SAMSUNG, SHOES, TSHIRTS, Merchant, advance, notify

steps = st.lists(
    st.tuples(st.sampled_from(["capture", "cancel", "extend"]), st.booleans()),
    min_size=0,
    max_size=6,
)


async def _change(merchant: Merchant, provider: str, order_id: str, step: str) -> None:
    if provider == "walley":
        headers = await merchant.walley_headers()
        body: Any = {"amount": 10.00} if step == "capture" else None
        path = f"/manage/orders/{order_id}/{step}"
        r = await merchant.client.post(path, json=body, headers=headers)
        assert r.status_code in (202, 422), r.text
        return
    headers = await merchant.ledyer_headers()
    if step == "cancel":
        r = await merchant.client.delete(f"/v1/orders/{order_id}", headers=headers)
    elif step == "extend":
        r = await merchant.client.post(f"/v1/orders/{order_id}/extendexpiry", headers=headers)
    else:
        part = dict(SAMSUNG, unitPrice=1000, totalAmount=1000, totalVatAmount=200)
        body = {"orderLines": [part], "totalCaptureAmount": 1000}
        r = await merchant.client.post(
            f"/v1/orders/{order_id}/partialcapture", json=body, headers=headers
        )
    assert r.status_code in (200, 409, 422), r.text


def _event_name(provider: str, event: Any) -> str | None:
    """The notification type the provider sends for an event, or None. Walley sends no
    ``authorized`` for an order authorised at creation, no ``extended`` when nothing had
    expired (these orders' clocks stay well before their expiry)."""
    if provider == "walley" and event["type"] in ("readyForCapture", "extendExpiry"):
        return None
    module = walley_notifications if provider == "walley" else ledyer_notifications
    return module.NAMING.of(event["type"])


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(provider=st.sampled_from(["walley", "ledyer"]), fail_first=st.booleans(), plan=steps)
async def test_delivered_notifications_are_the_recorded_events_in_order(
    merchant: Merchant,
    receiver: Receiver,
    provider: str,
    fail_first: bool,
    plan: list[tuple[str, bool]],
) -> None:
    await notify(merchant, provider, receiver.url)
    # the answers: a 500 before the first attempt of some notifications (then the retry —
    # Ledyer's at once, Walley's 5 s later — gets a 200), decided by the plan; one order at a
    # time, so they go in this order
    answers = [500, 200] if fail_first else [200]
    answers += [200] if provider == "walley" else [200, 200]  # Ledyer's ready_for_capture
    for _, fails in plan:
        answers += [500, 200] if fails else [200]
    with receiver.lock:
        receiver.statuses = answers
    lines = [SHOES, TSHIRTS] if provider == "walley" else [SAMSUNG]
    order_id = (await merchant.order(provider, lines))["orderId"]
    for step, _ in plan:
        await _change(merchant, provider, order_id, step)

    app = merchant.client._transport.app  # type: ignore[attr-defined]
    async with app.state.pool.acquire() as conn:
        events = await conn.fetch(
            "SELECT id, type, amount FROM order_events WHERE order_id = $1 ORDER BY seq",
            order_id,
        )
        queued = await conn.fetch(
            "SELECT event_id, event_type, body FROM deliveries WHERE order_id = $1 ORDER BY id",
            order_id,
        )
    # one notification per recorded event the provider notifies of, in event order
    wanted = [(e["id"], name) for e in events if (name := _event_name(provider, e)) is not None]
    assert [(q["event_id"], q["event_type"]) for q in queued] == wanted
    expected = [q["body"].encode() for q in queued]

    def got() -> list[bytes]:
        with receiver.lock:
            return [
                r.body for r in receiver.received if r.status == 200 and order_id.encode() in r.body
            ]

    deadline = time.monotonic() + 15
    while len(got()) < len(expected) and time.monotonic() < deadline:
        before = len(got())
        await asyncio.sleep(0.1)
        if provider == "walley" and len(got()) == before:
            await advance(merchant, "walley", 5)  # Walley retries a failed attempt after 5 s
    await asyncio.sleep(0.1)  # nothing more arrives
    assert got() == expected
    with receiver.lock:
        receiver.statuses = []

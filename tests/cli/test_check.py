"""``orderdesk check``: every order recomputed from its ledger rows, events and lines; each
amount that disagrees with the order's row printed, and exit 1."""

from __future__ import annotations

import asyncpg

from tests.support.ledger import orderdesk_check
from tests.support.sandbox import SAMSUNG, SHOES, TSHIRTS, Merchant


async def test_orders_after_every_kind_of_change_check_clean_and_a_tampered_one_does_not(
    merchant: Merchant, database_url: str
) -> None:
    wh = await merchant.walley_headers()
    lh = await merchant.ledyer_headers()
    walley = (await merchant.order("walley", [SHOES, TSHIRTS]))["orderId"]
    for op, body in (
        ("capture", {"amount": 95}),
        ("refund", {"amount": 50}),
        ("reauthorize", {"amount": 150}),
        ("cancel", {}),
    ):
        r = await merchant.client.post(f"/manage/orders/{walley}/{op}", json=body, headers=wh)
        assert r.status_code in (201, 202), r.text
    ledyer = await merchant.order("ledyer", [SAMSUNG])
    body = {"orderLines": [SAMSUNG], "totalCaptureAmount": SAMSUNG["totalAmount"]}
    r = await merchant.client.post(f"/v1/orders/{ledyer['orderId']}/capture", json=body, headers=lh)
    assert r.status_code == 200, r.text
    store = merchant.stores["walley"]

    done = orderdesk_check(database_url, "--store", store)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.endswith(f"of store {store} checked against their ledger: 0 differences\n")

    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("UPDATE orders SET captured = captured - 1 WHERE id = $1", walley)
    finally:
        await conn.close()
    done = orderdesk_check(database_url, "--store", store)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[:3] == [
        f"order {walley}: captured, by the ledger's capture rows: 9499 stored, 9500 derived",
        f"order {walley}: captured, by the capture events: 9499 stored, 9500 derived",
        f"order {walley}: captured, by the captured chunks' lines: 9499 stored, 9500 derived",
    ]
    assert lines[-1].endswith("checked against their ledger: 3 differences")

"""Expiry on the store's test clock, and settlements that reconcile with the orders."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from orderdesk.domain.order import CaptureMeta
from orderdesk.store import orders
from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, SAMSUNG, SHOES, Merchant, advance, line, notify


async def test_orders_expire_on_the_store_s_clock_and_extend_afterwards(
    merchant: Merchant,
    receiver: Receiver,
) -> None:
    await notify(merchant, "walley", receiver.url)
    await notify(merchant, "ledyer", receiver.url)
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    walley_id = (await merchant.order("walley", [SHOES], expiresAt=soon))["orderId"]
    ledyer_id = (await merchant.order("ledyer", [SAMSUNG], expiresAt=soon))["orderId"]
    wh, lh = await merchant.walley_headers(), await merchant.ledyer_headers()
    r = await merchant.client.get(f"/manage/orders/{walley_id}", headers=wh)
    assert r.json()["data"]["status"] == "NotActivated"

    await advance(merchant, "walley", 3601)
    await advance(merchant, "ledyer", 3601)
    r = await merchant.client.get(f"/manage/orders/{walley_id}", headers=wh)
    assert r.json()["data"]["status"] == "Expired"
    r = await merchant.client.get(f"/v1/orders/{ledyer_id}", headers=lh)
    assert r.json()["status"] == ["uncaptured", "expired"]
    assert "expire" in [event["type"] for event in r.json()["events"]]
    got = await receiver.wait_for(1, lambda d: d.get("Type") == "walley:order:expired")
    assert got[0]["Payload"] == {
        "OrderId": walley_id,
        "Reference": "",
        "Amount": 95.0,
        "Currency": "SEK",
    }
    await receiver.wait_for(
        1, lambda d: d.get("eventType") == "com.ledyer.order.expired" and d["orderId"] == ledyer_id
    )
    # extend as each documents it afterwards: Walley only before the order expired, Ledyer
    # also after; the order can expire again later
    r = await merchant.client.post(f"/manage/orders/{walley_id}/extend", headers=wh)
    assert r.status_code == 422
    r = await merchant.client.post(f"/v1/orders/{ledyer_id}/extendexpiry", headers=lh)
    assert r.status_code == 200 and r.json()["status"] == ["uncaptured"]
    assert datetime.fromisoformat(r.json()["expiresAt"]) > datetime.now(UTC) + timedelta(days=13)
    await advance(merchant, "ledyer", 15 * 86400)
    r = await merchant.client.get(f"/v1/orders/{ledyer_id}", headers=lh)
    assert r.json()["status"] == ["uncaptured", "expired"]
    await receiver.wait_for(
        2, lambda d: d.get("eventType") == "com.ledyer.order.expired" and d["orderId"] == ledyer_id
    )


async def _refund(merchant: Merchant, order_id: str, amount_line: dict[str, Any]) -> None:
    """A refund straight through the domain (the refund endpoints are other issues')."""
    from orderdesk.domain.lines import new_line
    from orderdesk.service.unit_of_work import clock, utcnow

    app = merchant.client._transport.app  # type: ignore[attr-defined]
    pool: asyncpg.Pool = app.state.pool
    async with pool.acquire() as conn, conn.transaction():
        found = await orders.get(conn, order_id, for_update=True)
        assert found is not None
        clock.set(found.clock)
        order = found.order
        from orderdesk.web.bodies import OrderLine

        command = OrderLine.model_validate(amount_line).command()
        order.record_refund([new_line(command)], CaptureMeta(action_reference="ret-1"), utcnow())
        await app.state.uow.write(conn, found)


async def test_settlements_reconcile_with_the_orders(merchant: Merchant) -> None:
    store = merchant.stores["ledyer"]
    lh = await merchant.ledyer_headers()
    captured = 0
    order_ids = []
    for n in range(3):
        lines = [line(f"a{n}", "A", 1, 10001 + n), line(f"b{n}", "B", 2, 333)]
        order_id = (await merchant.order("ledyer", lines, merchantReference=f"s-{n}"))["orderId"]
        order_ids.append(order_id)
        body = {"orderLines": [lines[0]], "totalCaptureAmount": lines[0]["totalAmount"]}
        r = await merchant.client.post(
            f"/v1/orders/{order_id}/partialcapture", json=body, headers=lh
        )
        assert r.status_code == 200, r.text
        captured += lines[0]["totalAmount"]
    await _refund(merchant, order_ids[0], line("a0", "A", 1, 2500))
    # nothing is settled while the day lasts
    r = await merchant.client.get("/v1/settlements", headers=lh, params={"storeId": store})
    assert r.json() == {"lastId": None, "settlements": []}
    day_one = (await advance(merchant, "ledyer", 0 + 1))["now"]
    await advance(merchant, "ledyer", 86400)
    r = await merchant.client.get("/v1/settlements", headers=lh, params={"storeId": store})
    assert r.status_code == 200, r.text
    [settlement] = r.json()["settlements"]
    day = datetime.fromisoformat(day_one).date()
    assert settlement["id"].startswith("sl_") and len(settlement["id"]) == 30
    assert settlement["reference"] == f"{day:%Y%m%d}-{store}"
    assert settlement["saleAmount"]["minorUnits"] == captured
    assert settlement["creditAmount"]["minorUnits"] == -2500
    assert settlement["fixedFeeAmount"]["minorUnits"] == 0
    assert settlement["payoutAmount"]["minorUnits"] == captured - 2500
    assert r.json()["lastId"] == settlement["id"]
    # the orders agree, to the minor unit
    app = merchant.client._transport.app  # type: ignore[attr-defined]
    row = await app.state.pool.fetchrow(
        "SELECT sum(captured) AS c, sum(refunded) AS r FROM orders WHERE store_id = $1", store
    )
    assert (row["c"], row["r"]) == (captured, 2500)
    # the next page is empty
    r = await merchant.client.get(
        "/v1/settlements", headers=lh, params={"storeId": store, "fromId": settlement["id"]}
    )
    assert r.json() == {"lastId": None, "settlements": []}
    # its transactions, paged two at a time
    seen: list[dict[str, Any]] = []
    last = None
    while True:
        params: dict[str, Any] = {"size": 2, **({"fromId": last} if last else {})}
        r = await merchant.client.get(
            f"/v1/settlements/{settlement['id']}/tx", headers=lh, params=params
        )
        assert r.status_code == 200, r.text
        page = r.json()
        if not page["tx"]:
            break
        seen += page["tx"]
        last = page["lastId"]
    payout = settlement["payoutAmount"]["minorUnits"]
    assert sum(tx["amount"]["minorUnits"] for tx in seen) == payout
    assert [tx["txType"] for tx in seen] == ["sale"] * 3 + ["credit"]
    assert seen[3]["amount"]["minorUnits"] == -2500
    assert [tx["merchantReference"] for tx in seen] == ["s-0", "s-1", "s-2", "s-0"]
    # the CSV report of the same
    r = await merchant.client.get(
        f"/sandbox/stores/{store}/settlements.csv",
        params={"from": day.isoformat(), "to": day.isoformat()},
        headers=ADMIN,
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 4
    assert sum(int(x["amount_minor"]) for x in rows) == payout
    assert {x["settlement_id"] for x in rows} == {settlement["id"]}
    assert rows[3]["action_reference"] == "ret-1" and rows[3]["amount"] == "-25.00"
    # another credential's settlement id is not found
    r = await merchant.client.get("/v1/settlements/sl_2OC51O5BycRRDboM4PPjYSz0vm5/tx", headers=lh)
    assert r.status_code == 404

"""Settlements as each provider documents them: Ledyer's ``/v1/settlements`` and its ``/tx``
(developers.ledyer.com/docs/settlement/…), Walley's reports API
(dev.walleypay.com/docs/reports/settlements-api/…) — from the ledger, store by store."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from orderdesk.domain.settlement import settlement_id
from tests.support.sandbox import SHOES, Merchant, advance, line

A = line("a", "A", 1, 10000)
B = line("b", "B", 2, 1000, vat=1200)
B_RETURNED = line("b", "B", 1, 1000, vat=1200)


def money(minor: int) -> dict[str, Any]:
    """Ledyer's amount object, as its documents write one (SEK)."""
    sign = "-" if minor < 0 else ""
    major = f"{abs(minor) // 100:,}.{abs(minor) % 100:02d}"
    return {
        "amount": f"{sign}{major.replace(',', '')}",
        "currency": "SEK",
        "formatted": f"{sign}{major}",
        "formattedWithCurrency": f"{sign}SEK {major}",
        "minorUnits": minor,
    }


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def pool(merchant: Merchant) -> asyncpg.Pool:
    return merchant.client._transport.app.state.pool  # type: ignore[attr-defined]


async def ledger_times(merchant: Merchant, store: str) -> list[datetime]:
    rows = await pool(merchant).fetch(
        "SELECT created_at FROM ledger WHERE store_id = $1 AND kind IN ('capture', 'refund')"
        " ORDER BY seq",
        store,
    )
    return [row["created_at"] for row in rows]


async def ledyer_sale_and_credit(merchant: Merchant, reference: str) -> str:
    """A Ledyer order of A (25 % VAT) and 2 B (12 %), captured whole; one B refunded.
    Returns the invoice's number."""
    lh = await merchant.ledyer_headers()
    order_id = (await merchant.order("ledyer", [A, B], merchantReference=reference))["orderId"]
    r = await merchant.client.post(
        f"/v1/orders/{order_id}/capture",
        json={"orderLines": [A, B], "totalCaptureAmount": 12000},
        headers=lh,
    )
    assert r.status_code == 200, r.text
    chunk = r.json()["captured"][0]
    r = await merchant.client.post(
        f"/v1/orders/{order_id}/partialrefund/{chunk['ledgerId']}",
        json={"orderLines": [B_RETURNED], "totalRefundAmount": 1000},
        headers=lh,
    )
    assert r.status_code == 200, r.text
    number: str = chunk["documentReference"]
    return number


async def ledyer_capture(merchant: Merchant, reference: str) -> None:
    lh = await merchant.ledyer_headers()
    order_id = (await merchant.order("ledyer", [A], merchantReference=reference))["orderId"]
    body = {"orderLines": [A], "totalCaptureAmount": 10000}
    r = await merchant.client.post(f"/v1/orders/{order_id}/capture", json=body, headers=lh)
    assert r.status_code == 200, r.text


async def walley_capture(merchant: Merchant, store: str = "walley") -> dict[str, Any]:
    wh = await merchant.walley_headers()
    order = await merchant.order(store, [SHOES], merchantReference="w-1")
    r = await merchant.client.post(
        f"/manage/orders/{order['orderId']}/capture", json={"amount": 95.0}, headers=wh
    )
    assert r.status_code == 202, r.text
    return order


Vat = list[tuple[int, int]]


def ledyer_settlement(
    store: str, day: date, times: list[datetime], sale: int, credit: int, vat: tuple[Vat, Vat]
) -> dict[str, Any]:
    """The settlement Ledyer's document describes, with no fees."""
    sale_vat, credit_vat = vat
    zero = money(0)
    return {
        "captureDateMax": rfc3339(times[-1]),
        "captureDateMin": rfc3339(times[0]),
        "creditAmount": money(-credit),
        "creditVatAmount": money(-sum(x for _, x in credit_vat)),
        "creditVatBreakdown": [{"vat": v, "amount": money(-x)} for v, x in credit_vat],
        "currency": "SEK",
        "feeVatAmount": zero,
        "fixedFeeAmount": zero,
        "id": settlement_id(store, day),
        "payoutAmount": money(sale - credit),
        "reference": f"{day:%Y%m%d}-{store}",
        "saleAmount": money(sale),
        "saleVatAmount": money(sum(x for _, x in sale_vat)),
        "saleVatBreakdown": [{"vat": v, "amount": money(x)} for v, x in sale_vat],
        "storeId": store,
        "variableFeeAmount": zero,
    }


async def two_ledyer_days(merchant: Merchant) -> tuple[date, date, str]:
    """Day one: a sale and a credit on Ledyer, a Walley capture; day two: a Ledyer sale.
    Both days have ended on both stores' clocks. Returns the days and day one's invoice."""
    invoice = await ledyer_sale_and_credit(merchant, "s-1")
    await walley_capture(merchant)
    day_one = datetime.fromisoformat((await advance(merchant, "ledyer", 86400))["now"]).date()
    day_one -= timedelta(days=1)
    await ledyer_capture(merchant, "s-2")
    await advance(merchant, "ledyer", 86400)
    await advance(merchant, "walley", 2 * 86400)
    return day_one, day_one + timedelta(days=1), invoice


async def test_ledyer_settlements_page_with_size_and_from_id_and_show_no_walley_store(
    merchant: Merchant,
) -> None:
    store = merchant.stores["ledyer"]
    day_one, day_two, _ = await two_ledyer_days(merchant)
    times = await ledger_times(merchant, store)
    lh = await merchant.ledyer_headers()
    first = ledyer_settlement(
        store, day_one, times[:2], 12000, 1000, ([(1200, 214), (2500, 2000)], [(1200, 107)])
    )
    second = ledyer_settlement(store, day_two, times[2:], 10000, 0, ([(2500, 2000)], []))

    r = await merchant.client.get("/v1/settlements", headers=lh, params={"size": 1})
    assert r.status_code == 200, r.text
    assert r.json() == {"lastId": first["id"], "settlements": [first]}
    r = await merchant.client.get(
        "/v1/settlements", headers=lh, params={"size": 1, "fromId": first["id"]}
    )
    assert r.json() == {"lastId": second["id"], "settlements": [second]}
    r = await merchant.client.get("/v1/settlements", headers=lh, params={"fromId": second["id"]})
    assert r.json() == {"lastId": None, "settlements": []}
    # the Walley store's settlement is not Ledyer's: the default page holds only these two
    r = await merchant.client.get("/v1/settlements", headers=lh)
    assert r.json() == {"lastId": second["id"], "settlements": [first, second]}


async def test_ledyer_settlements_filter_as_documented(merchant: Merchant) -> None:
    store, walley = merchant.stores["ledyer"], merchant.stores["walley"]
    day_one, day_two, _ = await two_ledyer_days(merchant)
    lh = await merchant.ledyer_headers()
    one, two = settlement_id(store, day_one), settlement_id(store, day_two)

    async def ids(**params: str) -> list[str]:
        r = await merchant.client.get("/v1/settlements", headers=lh, params=params)
        assert r.status_code == 200, r.text
        return [item["id"] for item in r.json()["settlements"]]

    assert await ids(storeId=f"{walley},{store}") == [one, two]
    assert await ids(storeId=walley) == []
    assert await ids(currency="NOK,SEK") == [one, two]
    assert await ids(currency="NOK") == []
    assert await ids(id=f"{two},{settlement_id(walley, day_one)}") == [two]
    assert await ids(reference=f"{day_one:%Y%m%d}-{store}") == [one]
    # a settlement is created when its day ends
    end_one = f"{day_two.isoformat()}T00:00:00.000Z"
    assert await ids(createdFrom=end_one, createdTo=end_one) == [one]
    assert await ids(createdFrom=f"{day_two.isoformat()}T00:00:00.001Z") == [two]
    assert await ids(createdTo=f"{day_two.isoformat()}T23:59:59Z") == [one]


async def test_ledyer_settlement_tx_as_documented(merchant: Merchant) -> None:
    store = merchant.stores["ledyer"]
    day_one, _, invoice = await two_ledyer_days(merchant)
    sale_at, credit_at = (await ledger_times(merchant, store))[:2]
    lh = await merchant.ledyer_headers()
    sid = settlement_id(store, day_one)
    zero = money(0)
    common = {
        "accountId": merchant.merchant_id,
        "feeVatAmount": zero,
        "fixedFeeAmount": zero,
        "merchantReference": "s-1",
        "storeId": store,
        "variableFeeAmount": zero,
    }
    sale = {
        **common,
        "amount": money(12000),
        "capturedAt": rfc3339(sale_at),
        "invoiceCreatedAt": rfc3339(sale_at),
        "invoiceNumber": invoice,
        "payoutAmount": money(12000),
        "txType": "sale",
        "vatAmount": money(2214),
        "vatBreakdown": [
            {"vat": 1200, "amount": money(214)},
            {"vat": 2500, "amount": money(2000)},
        ],
    }
    credit = {
        **common,
        "amount": money(-1000),
        "capturedAt": rfc3339(credit_at),
        "invoiceCreatedAt": rfc3339(credit_at),
        "invoiceNumber": f"{invoice[:-4]}0002",  # the order's second document
        "payoutAmount": money(-1000),
        "txType": "credit",
        "vatAmount": money(-107),
        "vatBreakdown": [{"vat": 1200, "amount": money(-107)}],
    }
    r = await merchant.client.get(f"/v1/settlements/{sid}/tx", headers=lh, params={"size": 1})
    assert r.status_code == 200, r.text
    page = r.json()
    assert page == {"lastId": page["lastId"], "settlementId": sid, "tx": [sale]}
    r = await merchant.client.get(
        f"/v1/settlements/{sid}/tx", headers=lh, params={"fromId": page["lastId"]}
    )
    assert r.json() == {"lastId": r.json()["lastId"], "settlementId": sid, "tx": [credit]}
    r = await merchant.client.get(
        f"/v1/settlements/{sid}/tx", headers=lh, params={"fromId": r.json()["lastId"]}
    )
    assert r.json() == {"lastId": None, "settlementId": sid, "tx": []}
    # the Walley store's settlement is no Ledyer settlement
    walley_day = settlement_id(merchant.stores["walley"], day_one)
    r = await merchant.client.get(f"/v1/settlements/{walley_day}/tx", headers=lh)
    assert r.status_code == 404
    assert r.json() == {
        "errors": [{"message": f"Settlement {walley_day} was not found", "code": "NOT_FOUND"}]
    }


async def walley_day(merchant: Merchant) -> tuple[str, dict[str, Any]]:
    """A Walley capture of 95.00 (25 % VAT) and a return of 10.00 by amount, on a day that
    has ended. Returns the settlement's id and the order."""
    wh = await merchant.walley_headers()
    order = await walley_capture(merchant)
    r = await merchant.client.post(
        f"/manage/orders/{order['orderId']}/refund",
        json={"amount": 10.0, "description": "goodwill", "actionReference": "ret-1"},
        headers=wh,
    )
    assert r.status_code == 202, r.text
    now = datetime.fromisoformat((await advance(merchant, "walley", 86400))["now"])
    return settlement_id(merchant.stores["walley"], now.date() - timedelta(days=1)), order


async def test_walley_settlement_search_as_documented(merchant: Merchant) -> None:
    sid, _ = await walley_day(merchant)
    await ledyer_capture(merchant, "s-1")
    await advance(merchant, "ledyer", 86400)
    store = merchant.stores["walley"]
    day = (await ledger_times(merchant, store))[0].date()
    wh = await merchant.walley_headers()
    r = await merchant.client.get("/reports/settlements", headers=wh)
    assert r.status_code == 200, r.text
    base = f"/reports/settlements/{sid}"
    assert r.json() == {
        "data": [
            {
                "id": sid,
                "startDate": f"{day.isoformat()}T00:00:00",
                "endDate": f"{day.isoformat()}T00:00:00",
                "storeId": store,
                "ingoingBalance": 0.0,
                "totalAmount": 85.0,
                "currency": "SEK",
                "netSales": 85.0,
                "paidOutAt": f"{day + timedelta(days=1)}T00:00:00.000000+00:00",
                "generatedAt": f"{day + timedelta(days=1)}T00:00:00.000000+00:00",
                "captured": 95.0,
                "refunded": -10.0,
                "reference": f"{day:%Y%m%d}-{store}",
                "compensations": 0.0,
                "adjustments": 0.0,
                "links": {
                    "pdf": {"method": "GET", "href": f"{base}/file/pdf", "query": ""},
                    "transactions": {"method": "GET", "href": f"{base}/transactions", "query": ""},
                },
            }
        ],
        "links": {
            "self": {
                "method": "GET",
                "href": "/reports/settlements?page=1&perPage=10",
                "query": "page=1&perPage=10",
            }
        },
        "metaData": {
            "totalNumberOfRecords": 1,
            "numberOfPages": 1,
            "currentPage": 1,
            "range": {"from": 1, "to": 1},
        },
    }

    async def found(query: str) -> list[str]:
        r = await merchant.client.get("/reports/settlements", headers=wh, params={"query": query})
        assert r.status_code == 200, r.text
        return [item["id"] for item in r.json()["data"]]

    assert await found(f"startDate:{day} AND endDate:{day}") == [sid]
    assert await found(f"startDate:>{day}") == []
    assert await found(f"startDate:>={day} AND endDate:<={day + timedelta(days=7)}") == [sid]
    assert await found(f"reference:{day:%Y%m%d}-{store}") == [sid]
    assert await found(sid) == [sid]
    assert await found("currency:NOK") == []
    r = await merchant.client.get(
        "/reports/settlements", headers=wh, params={"query": "startDate:>yesterday"}
    )
    assert r.status_code == 422
    assert r.json()["error"]["errors"] == [
        {"reason": "INVALID_QUERY", "message": "startDate: 'yesterday' is not a date (YYYY-MM-DD)"}
    ]
    r = await merchant.client.get("/reports/settlements", headers=wh, params={"perPage": 1001})
    assert r.status_code == 422


async def test_walley_settlement_transactions_csv_and_pdf(merchant: Merchant) -> None:
    sid, order = await walley_day(merchant)
    wh = await merchant.walley_headers()
    r = await merchant.client.get(f"/manage/orders/{order['orderId']}", headers=wh)
    invoice, credit = (x["invoiceNumber"] for x in r.json()["data"]["invoices"])
    day = (await ledger_times(merchant, merchant.stores["walley"]))[0].date().isoformat()
    paid = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    reference = f"{day.replace('-', '')}-{merchant.stores['walley']}"
    common = {
        "customerNumber": "",
        "firstName": "",
        "lastName": "",
        "purchaseDate": day,
        "transactionDate": day,
        "orderNumber": "w-1",
        "currency": "SEK",
        "settlementDate": paid,
        "payoutReference": reference,
        "orderId": order["orderId"],
    }
    purchase = {
        **common,
        "amount": 95.0,
        "invoiceNumber": invoice,
        "type": "Purchase",
        "totalVatAmountPerRate": [{"vatRate": 25.0, "amount": 19.0}],
        "actionReference": None,
    }
    ret = {
        **common,
        "amount": -10.0,
        "invoiceNumber": credit,
        "type": "Return",
        "totalVatAmountPerRate": [{"vatRate": 0.0, "amount": 0.0}],  # returned by amount
        "actionReference": "ret-1",
    }
    path = f"/reports/settlements/{sid}/transactions"
    r = await merchant.client.get(path, headers=wh)
    assert r.status_code == 200, r.text
    assert r.json()["data"] == [purchase, ret]
    r = await merchant.client.get(path, headers=wh, params={"page": 2, "perPage": 1})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "data": [ret],
        "links": {
            "self": {
                "method": "GET",
                "href": f"{path}?page=2&perPage=1",
                "query": "page=2&perPage=1",
            }
        },
        "metaData": {
            "totalNumberOfRecords": 2,
            "numberOfPages": 2,
            "currentPage": 2,
            "range": {"from": 2, "to": 2},
        },
    }
    r = await merchant.client.get(path, headers={**wh, "accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["type"], x["amount"], x["invoiceNumber"]) for x in rows] == [
        ("Purchase", "95.00", invoice),
        ("Return", "-10.00", credit),
    ]
    assert (
        rows[0]["totalVatAmountPerRate"] == "25.00=19.00" and rows[1]["actionReference"] == "ret-1"
    )
    r = await merchant.client.get(f"/reports/settlements/{sid}/file/pdf", headers=wh)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-") and r.content.rstrip().endswith(b"%%EOF")
    again = await merchant.client.get(f"/reports/settlements/{sid}/file/pdf", headers=wh)
    assert again.content == r.content


async def test_walley_settlements_are_store_scoped(merchant: Merchant) -> None:
    sid, _ = await walley_day(merchant)
    # a credential for the merchant's Ledyer store only: Walley's 403 for the Walley store
    client_id, secret = await merchant.credential([merchant.stores["ledyer"]])
    wh = await merchant.walley_headers(client_id, secret)
    for path in (
        f"/reports/settlements/{sid}/transactions",
        f"/reports/settlements/{sid}/file/pdf",
    ):
        r = await merchant.client.get(path, headers=wh)
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == 403
    r = await merchant.client.get("/reports/settlements", headers=wh)
    assert r.json()["data"] == [] and r.json()["metaData"]["totalNumberOfRecords"] == 0
    # a Ledyer store's settlement is not Walley's; an unknown id is not found
    wh = await merchant.walley_headers()
    await ledyer_capture(merchant, "s-1")
    now = datetime.fromisoformat((await advance(merchant, "ledyer", 86400))["now"])
    ledyer_sid = settlement_id(merchant.stores["ledyer"], now.date() - timedelta(days=1))
    for missing in (ledyer_sid, "sl_2OC51O5BycRRDboM4PPjYSz0vm5", "1"):
        r = await merchant.client.get(f"/reports/settlements/{missing}/file/pdf", headers=wh)
        assert r.status_code == 404, r.text
        assert r.json()["error"]["errors"][0] == {"reason": "NOT_FOUND", "message": "Pdf not found"}
    r = await merchant.client.get("/reports/settlements")
    assert r.status_code == 401 and "error" in r.json()

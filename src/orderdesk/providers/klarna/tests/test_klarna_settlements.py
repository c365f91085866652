"""Klarna's Settlements API v1 over the real app and database: payouts (paged, filtered by
payout date and currency), a payout, the summary, transactions (by payout, by order, paged),
the CSV and PDF reports — from the ledger, store by store, Klarna stores only."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from orderdesk.providers.klarna.tests.klarna_api import BASE, BIKE, LAMP, Klarna, error
from tests.support.sandbox import ADMIN, SHOES, Merchant

S = "/settlements/v1"
ZERO_TOTALS = dict.fromkeys(
    (
        "commission_amount",
        "repay_amount",
        "holdback_amount",
        "tax_amount",
        "fee_correction_amount",
        "reversal_amount",
        "release_amount",
        "fee_amount",
        "charge_amount",
        "credit_amount",
        "fee_refund_amount",
        "tax_refund_amount",
        "deposit_amount",
        "opening_debt_balance_amount",
        "closing_debt_balance_amount",
    ),
    0,
)


@dataclass
class Days:
    """Day one: order one's bike captured, 100.00 of it refunded (and a Walley capture);
    day two: order two captured whole. Both days have ended on the Klarna store's clock."""

    one: date
    two: date
    first: str  # order ids
    second: str
    capture: str  # capture and refund ids of day one, then day two's capture
    refund: str
    later: str
    times: tuple[str, str, str]  # of the capture, the refund and the later capture


def seconds(moment: str) -> str:
    """Klarna's order time (``…T10:15:00.123Z``) as settlements write it (``…T10:15:00Z``)."""
    return moment[:19] + "Z"


async def advance(api: Klarna, seconds: int) -> None:
    r = await api.client.post(
        f"/sandbox/stores/{api.store}/clock/advance", json={"seconds": seconds}, headers=ADMIN
    )
    assert r.status_code == 200, r.text


async def created(r: httpx.Response, header: str) -> str:
    assert r.status_code == 201, r.text
    return r.headers[header]


@pytest.fixture
async def api(merchant: Merchant) -> Klarna:
    return await Klarna.of(merchant)


@pytest.fixture
async def days(api: Klarna) -> Days:
    first = await api.new_order(merchantReference="k-1")
    capture = await created(
        await api.send(
            "POST",
            f"{BASE}/{first}/captures",
            {"captured_amount": BIKE["total_amount"], "order_lines": [BIKE], "reference": "c-1"},
        ),
        "capture-id",
    )
    refund = await created(
        await api.send(
            "POST", f"{BASE}/{first}/refunds", {"refunded_amount": 10000, "reference": "r-1"}
        ),
        "refund-id",
    )
    wh = await api.merchant.walley_headers()
    walley = await api.merchant.order("walley", [SHOES])
    r = await api.client.post(
        f"/manage/orders/{walley['orderId']}/capture", json={"amount": 95.0}, headers=wh
    )
    assert r.status_code == 202, r.text
    order = await api.order(first)
    one = date.fromisoformat(order["captures"][0]["captured_at"][:10])
    await advance(api, 86400)
    second = await api.new_order([LAMP], merchantReference="k-2")
    later = await created(
        await api.send(
            "POST", f"{BASE}/{second}/captures", {"captured_amount": LAMP["total_amount"]}
        ),
        "capture-id",
    )
    later_at = (await api.order(second))["captures"][0]["captured_at"]
    assert later_at.startswith(str(one + timedelta(days=1)))
    await advance(api, 86400)
    r = await api.client.post(
        f"/sandbox/stores/{api.merchant.stores['walley']}/clock/advance",
        json={"seconds": 2 * 86400},
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    times = (order["captures"][0]["captured_at"], order["refunds"][0]["refunded_at"], later_at)
    return Days(
        one,
        one + timedelta(days=1),
        first,
        second,
        capture,
        refund,
        later,
        (seconds(times[0]), seconds(times[1]), seconds(later_at)),
    )


def reference(api: Klarna, day: date) -> str:
    return f"{day:%Y%m%d}-{api.store}"


def payout(api: Klarna, day: date, sale: int, returned: int) -> dict[str, Any]:
    ref = reference(api, day)
    return {
        "totals": {
            **ZERO_TOTALS,
            "sale_amount": sale,
            "return_amount": returned,
            "settlement_amount": sale - returned,
        },
        "payment_reference": ref,
        "payout_date": f"{day + timedelta(days=1)}T00:00:00Z",
        "currency_code": "SEK",
        "merchant_settlement_type": "NET",
        "merchant_id": api.store,
        "transactions": f"{S}/transactions?payment_reference={ref}",
    }


def payouts(api: Klarna, d: Days) -> list[dict[str, Any]]:
    return [
        payout(api, d.one, BIKE["total_amount"], 10000),
        payout(api, d.two, LAMP["total_amount"], 0),
    ]


def transactions(api: Klarna, d: Days) -> list[dict[str, Any]]:
    def tx(day: date, order_id: str, mref: str, at: str, **rest: Any) -> dict[str, Any]:
        ref = reference(api, day)
        return {
            "merchant_reference1": mref,
            "sale_date": at,
            "capture_date": at,
            "payment_reference": ref,
            "order_id": order_id,
            "payout": f"{S}/payouts/{ref}",
            "currency_code": "SEK",
            "purchase_country": "SE",
            **rest,
        }

    sale = {"type": "SALE", "detailed_type": "PURCHASE"}
    return [
        tx(
            d.one,
            d.first,
            "k-1",
            d.times[0],
            **sale,
            amount=BIKE["total_amount"],
            capture_id=d.capture,
            merchant_capture_reference="c-1",
        ),
        tx(
            d.one,
            d.first,
            "k-1",
            d.times[1],
            type="RETURN",
            detailed_type="PURCHASE_RETURN",
            amount=10000,
            capture_id="",
            refund_id=d.refund,
            merchant_refund_reference="r-1",
        ),
        tx(
            d.two,
            d.second,
            "k-2",
            d.times[2],
            **sale,
            amount=LAMP["total_amount"],
            capture_id=d.later,
        ),
    ]


async def get(api: Klarna, path: str, **params: Any) -> httpx.Response:
    """A GET as Klarna's PHP SDK sends it (no Content-Type)."""
    return await api.client.get(path, params=params, headers=api.auth)


async def test_payouts_are_paged_and_filtered_as_klarna_documents(api: Klarna, days: Days) -> None:
    both = payouts(api, days)
    r = await get(api, f"{S}/payouts")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == {"payouts": both, "pagination": {"count": 2, "total": 2, "offset": 0}}
    r = await get(api, f"{S}/payouts", size=1, currency_code="SEK")
    assert r.json() == {
        "payouts": both[:1],
        "pagination": {
            "count": 1,
            "total": 2,
            "offset": 0,
            "next": f"{S}/payouts?currency_code=SEK&offset=1&size=1",
        },
    }
    r = await get(api, f"{S}/payouts", size=1, offset=1)
    assert r.json() == {
        "payouts": both[1:],
        "pagination": {"count": 1, "total": 2, "offset": 1, "prev": f"{S}/payouts?offset=0&size=1"},
    }
    r = await get(api, f"{S}/payouts", offset=5)
    assert r.json()["payouts"] == [] and r.json()["pagination"]["total"] == 2

    async def found(**params: str) -> list[str]:
        r = await get(api, f"{S}/payouts", **params)
        assert r.status_code == 200, r.text
        return [x["payment_reference"] for x in r.json()["payouts"]]

    one, two = reference(api, days.one), reference(api, days.two)
    after_one = days.two.isoformat()  # day one's payout is made as day two starts
    assert await found(start_date=after_one) == [one, two]  # a date alone: its start
    assert await found(start_date=f"{after_one}T00:00:01Z") == [two]
    assert await found(end_date=f"{after_one}T00:00:00Z") == [one]
    assert await found(end_date=f"{after_one}T01:00:00+02:00") == []  # 23:00 the day before
    assert await found(currency_code="EUR") == []
    for bad in ({"start_date": "yesterday"}, {"size": "0"}, {"size": "501"}, {"offset": "-1"}):
        assert error(await get(api, f"{S}/payouts", **bad)) == (400, "BAD_VALUE")
    r = await api.client.get(f"{S}/payouts")
    assert error(r) == (401, "UNAUTHORIZED")


async def test_a_payout_and_the_summary(api: Klarna, days: Days) -> None:
    one, two = payouts(api, days)
    r = await get(api, f"{S}/payouts/{one['payment_reference']}")
    assert r.status_code == 200 and r.json() == one
    for missing in (f"{days.one:%Y%m%d}-nope", "XISA93DJ"):
        assert error(await get(api, f"{S}/payouts/{missing}")) == (404, "NOT_FOUND")
    period = {"start_date": f"{days.one}T00:00:00Z", "end_date": f"{days.two}T23:59:59Z"}
    r = await get(api, f"{S}/payouts/summary", **period)
    assert r.status_code == 200, r.text
    assert r.json() == [
        {
            "summary_total_fee_correction_amount": 0,
            "summary_payout_date_start": one["payout_date"],
            "summary_total_release_amount": 0,
            "summary_settlement_currency": "SEK",
            "summary_payout_date_end": one["payout_date"],  # day two's is made after end_date
            "summary_total_tax_amount": 0,
            "summary_total_settlement_amount": BIKE["total_amount"] - 10000,
            "summary_total_holdback_amount": 0,
            "summary_total_reversal_amount": 0,
            "summary_total_return_amount": 10000,
            "summary_total_fee_amount": 0,
            "summary_total_commission_amount": 0,
            "summary_total_sale_amount": BIKE["total_amount"],
            "summary_total_repay_amount": 0,
        }
    ]
    r = await get(api, f"{S}/payouts/summary", start_date=str(days.one), end_date="9999-12-31")
    [summary] = r.json()
    assert summary["summary_payout_date_end"] == two["payout_date"]
    assert summary["summary_total_sale_amount"] == BIKE["total_amount"] + LAMP["total_amount"]
    r = await get(api, f"{S}/payouts/summary", **period, currency_code="EUR")
    assert r.json() == []
    assert error(await get(api, f"{S}/payouts/summary", start_date=str(days.one))) == (
        400,
        "BAD_VALUE",
    )


async def test_transactions_by_payout_by_order_and_paged(api: Klarna, days: Days) -> None:
    every = transactions(api, days)
    r = await get(api, f"{S}/transactions")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["pagination"] == {"count": 3, "total": 3, "offset": 0}
    assert body["transactions"] == every
    r = await get(api, f"{S}/transactions", size=2, offset=1)
    assert r.json()["transactions"] == every[1:]
    assert r.json()["pagination"] == {
        "count": 2,
        "total": 3,
        "offset": 1,
        "prev": f"{S}/transactions?offset=0&size=2",
    }
    ref = reference(api, days.one)
    r = await get(api, f"{S}/transactions", payment_reference=ref)
    assert r.json()["transactions"] == every[:2]
    r = await get(api, f"{S}/transactions", order_id=days.second)
    assert r.json()["transactions"] == every[2:]
    r = await get(api, f"{S}/transactions", order_id=days.first, payment_reference=ref, size=1)
    assert r.json()["transactions"] == every[:1]
    assert r.json()["pagination"]["next"] == (
        f"{S}/transactions?order_id={days.first}&payment_reference={ref}&offset=1&size=1"
    )
    for nothing in ({"order_id": "no-such-order"}, {"payment_reference": "XISA93DJ"}):
        r = await get(api, f"{S}/transactions", **nothing)
        assert r.json() == {"transactions": [], "pagination": {"count": 0, "total": 0, "offset": 0}}


async def test_reports_csv_rows_and_the_same_pdf_on_every_fetch(api: Klarna, days: Days) -> None:
    ref = reference(api, days.one)
    r = await get(api, f"{S}/reports/payout-with-transactions", payment_reference=ref)
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(r.text), delimiter=";"))
    paid = f"{days.two}T00:00:00Z"
    head = [api.store, ref, paid, "SEK", "NET", "5999.00", "100.00"]
    head += ["0.00"] * 11 + ["5899.00"]
    sold, returned, _ = days.times
    sale = ["SALE", "PURCHASE", "5999.00", days.capture, "", days.first, "k-1", "c-1", ""]
    ret = ["RETURN", "PURCHASE_RETURN", "100.00", "", days.refund, days.first, "k-1", "", "r-1"]
    assert rows == [
        [
            "merchant_id",
            "payment_reference",
            "payout_date",
            "currency_code",
            "merchant_settlement_type",
            "total_sale_amount",
            "total_return_amount",
            "total_reversal_amount",
            "total_fee_amount",
            "total_fee_correction_amount",
            "total_commission_amount",
            "total_tax_amount",
            "total_charge_amount",
            "total_credit_amount",
            "total_holdback_amount",
            "total_release_amount",
            "total_repay_amount",
            "total_fee_refund_amount",
            "total_settlement_amount",
            "type",
            "detailed_type",
            "amount",
            "capture_id",
            "refund_id",
            "order_id",
            "merchant_reference1",
            "merchant_capture_reference",
            "merchant_refund_reference",
            "sale_date",
            "capture_date",
            "purchase_country",
        ],
        [*head, *sale, sold, sold, "SE"],
        [*head, *ret, returned, returned, "SE"],
    ]
    r = await get(api, f"{S}/reports/payout", payment_reference=ref)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-") and r.content.rstrip().endswith(b"%%EOF")
    again = await get(api, f"{S}/reports/payout", payment_reference=ref)
    assert again.content == r.content
    period = {"start_date": str(days.one), "end_date": "9999-12-31T23:59:59Z"}
    r = await get(api, f"{S}/reports/payouts-summary-with-transactions", **period)
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.text), delimiter=";"))
    assert [(row[1], row[19], row[21]) for row in rows[1:]] == [
        (ref, "SALE", "5999.00"),
        (ref, "RETURN", "100.00"),
        (reference(api, days.two), "SALE", "499.00"),
    ]
    r = await get(api, f"{S}/reports/payouts-summary", **period)
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    assert (await get(api, f"{S}/reports/payouts-summary", **period)).content == r.content
    for path in ("payout-with-transactions", "payout"):
        r = await get(api, f"{S}/reports/{path}", payment_reference="XISA93DJ")
        assert error(r) == (404, "NOT_FOUND")
        assert error(await get(api, f"{S}/reports/{path}")) == (400, "BAD_VALUE")
    r = await get(
        api, f"{S}/reports/payouts-summary", start_date="2001-01-01", end_date="2001-01-02"
    )
    assert error(r) == (404, "NOT_FOUND")


async def test_settlements_are_store_scoped(api: Klarna, days: Days) -> None:
    other = await api.merchant.store("klarna")
    client_id, secret = await api.merchant.credential([other, api.merchant.stores["walley"]])
    scoped = Klarna(api.merchant, other)
    scoped.merchant = Merchant(api.client, api.merchant.merchant_id, {}, client_id, secret)
    ref = reference(api, days.one)
    r = await get(scoped, f"{S}/payouts")
    assert r.json() == {"payouts": [], "pagination": {"count": 0, "total": 0, "offset": 0}}
    r = await get(scoped, f"{S}/transactions", order_id=days.first)
    assert r.json()["transactions"] == []
    for path, params in (
        (f"{S}/payouts/{ref}", {}),
        (f"{S}/reports/payout", {"payment_reference": ref}),
        (f"{S}/reports/payout-with-transactions", {"payment_reference": ref}),
    ):
        assert error(await get(scoped, path, **params)) == (404, "NOT_FOUND")
    # the merchant's Walley settlement is no Klarna payout
    r = await get(api, f"{S}/transactions")
    assert {tx["order_id"] for tx in r.json()["transactions"]} == {days.first, days.second}

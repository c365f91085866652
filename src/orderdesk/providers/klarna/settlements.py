"""Klarna's Settlements API v1 (``/settlements/v1/…``, Klarna's specification 1.0.0-rc2):
payouts, their summary, transactions, and reports as CSV and PDF.

Built from the ledger per Klarna store and payout day (``domain/settlement.py``): a payout is
one store's captures (``SALE``) less its refunds (``RETURN``) of one day (UTC, on the store's
clock), paid out when that day ends. Its ``payment_reference`` is the settlement's reference
(``20240116-<store>``) and its ``merchant_id`` the store, as a Klarna merchant id names one
integration. orderdesk charges no fees, holds nothing back and keeps no debt, so every other
total is 0. Lists are paged by ``size`` and ``offset``; a credential sees its Klarna stores'
payouts only. HTTP Basic, as the order management API.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, NotRequired
from urllib.parse import quote, urlencode

from fastapi import Path, Query, Request
from fastapi.responses import Response
from pydantic import Field
from typing_extensions import TypedDict  # pydantic needs it before Python 3.12

from orderdesk.auth.tokens import Principal
from orderdesk.domain.errors import DomainError, invalid
from orderdesk.domain.money import exponent, major_string
from orderdesk.domain.settlement import Settlement, Transaction, payout_reference, period_start
from orderdesk.providers.klarna import NAME, rules
from orderdesk.providers.klarna.auth import principal
from orderdesk.providers.klarna.errors import DESCRIPTIONS, KlarnaError, envelope
from orderdesk.providers.klarna.settlement_pdf import render_payouts
from orderdesk.service.unit_of_work import OrderRef
from orderdesk.store import merchants, settlements
from orderdesk.web.answers import json_answer, to_response
from orderdesk.web.envelopes import error_responses
from orderdesk.web.headers import content_disposition
from orderdesk.web.routes import RouteTable

ROUTES = RouteTable(
    NAME,
    tags=["Klarna settlements"],
    responses=error_responses(
        KlarnaError,
        {
            **DESCRIPTIONS,
            400: "BAD_VALUE: a parameter is missing or malformed",
            404: "NOT_FOUND: no payout of yours has this payment_reference",
        },
    ),
)
BASE = "/settlements/v1"
PAGE_DEFAULT = 20
PAGE_MAX = 500
BATCH = 1000  # rows read at a time when a whole list is needed
CSV_TYPE = "text/csv; charset=utf-8"
PDF_TYPE = "application/pdf"

_DATE_HELP = (
    "ISO 8601 date or date-time (2020-01-23T00:00:00Z), a filter on the payout date; a date "
    "alone is its day's start"
)
Size = Annotated[
    int, Query(ge=1, le=PAGE_MAX, description=f"Items per page (default 20, at most {PAGE_MAX})")
]
Offset = Annotated[int, Query(ge=0, description="Where in the collection the page starts")]
Currency = Annotated[
    str | None, Query(description="ISO 4217 currency code (SEK): payouts in it only")
]
Reference = Annotated[str, Query(description="The payout's payment_reference")]


#: A filter on the payout date.
DateQuery = Query(description=_DATE_HELP, json_schema_extra={"format": "date-time"})


# -- answers, as Klarna's specification has them ----------------------------------------------

Minor = Annotated[int, Field(description="Minor units")]
Moment = Annotated[str, Field(description="UTC, e.g. 2016-12-14T07:52:26Z")]


class Totals(TypedDict):
    commission_amount: Minor
    repay_amount: Minor
    sale_amount: Annotated[int, Field(description="Captures, minor units")]
    holdback_amount: Minor
    tax_amount: Minor
    settlement_amount: Annotated[int, Field(description="Sales less returns: the payout")]
    fee_correction_amount: Minor
    reversal_amount: Minor
    release_amount: Minor
    return_amount: Annotated[int, Field(description="Refunds, minor units (positive)")]
    fee_amount: Minor
    charge_amount: Minor
    credit_amount: Minor
    fee_refund_amount: Minor
    tax_refund_amount: Minor
    deposit_amount: Minor
    opening_debt_balance_amount: Minor
    closing_debt_balance_amount: Minor


class Payout(TypedDict):
    totals: Totals
    payment_reference: Annotated[str, Field(description="The day and the store: 20240116-…")]
    payout_date: Annotated[str, Field(description="When the day ended, e.g. 2024-01-17T00:00:00Z")]
    currency_code: str
    merchant_settlement_type: Annotated[str, Field(description="NET (no fees are charged)")]
    merchant_id: Annotated[str, Field(description="The store")]
    transactions: Annotated[str, Field(description="Its transactions (a path)")]


class Pagination(TypedDict):
    count: Annotated[int, Field(description="Elements on this page")]
    total: Annotated[int, Field(description="Elements on every page")]
    offset: int
    next: NotRequired[Annotated[str, Field(description="The next page (a path)")]]
    prev: NotRequired[Annotated[str, Field(description="The previous page (a path)")]]


class PayoutCollection(TypedDict):
    payouts: list[Payout]
    pagination: Pagination


class PayoutSummary(TypedDict):
    summary_total_fee_correction_amount: Minor
    summary_payout_date_start: Annotated[str, Field(description="The first payout's date")]
    summary_total_release_amount: Minor
    summary_settlement_currency: str
    summary_payout_date_end: Annotated[str, Field(description="The last payout's date")]
    summary_total_tax_amount: Minor
    summary_total_settlement_amount: Minor
    summary_total_holdback_amount: Minor
    summary_total_reversal_amount: Minor
    summary_total_return_amount: Minor
    summary_total_fee_amount: Minor
    summary_total_commission_amount: Minor
    summary_total_sale_amount: Minor
    summary_total_repay_amount: Minor


class KlarnaTransaction(TypedDict):
    amount: Annotated[int, Field(description="Minor units, positive (type says which way)")]
    capture_id: Annotated[str, Field(description="The capture's capture_id; empty for a return")]
    merchant_reference1: str
    sale_date: Moment
    type: Annotated[str, Field(description="SALE (a capture) or RETURN (a refund)")]
    detailed_type: Annotated[str, Field(description="PURCHASE or PURCHASE_RETURN")]
    capture_date: Moment
    payment_reference: str
    order_id: str
    payout: Annotated[str, Field(description="Its payout (a path)")]
    currency_code: str
    purchase_country: str
    refund_id: NotRequired[Annotated[str, Field(description="A return's refund_id")]]
    merchant_capture_reference: NotRequired[str]
    merchant_refund_reference: NotRequired[str]


class TransactionCollection(TypedDict):
    transactions: list[KlarnaTransaction]
    pagination: Pagination


def _time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ref_path(what: str, reference: str) -> str:
    return f"{BASE}/{what}{quote(reference, safe='')}"


def totals(item: Settlement) -> Totals:
    return {
        "commission_amount": 0,
        "repay_amount": 0,
        "sale_amount": item.captured,
        "holdback_amount": 0,
        "tax_amount": 0,
        "settlement_amount": item.payout,
        "fee_correction_amount": 0,
        "reversal_amount": 0,
        "release_amount": 0,
        "return_amount": item.refunded,
        "fee_amount": 0,
        "charge_amount": 0,
        "credit_amount": 0,
        "fee_refund_amount": 0,
        "tax_refund_amount": 0,
        "deposit_amount": 0,
        "opening_debt_balance_amount": 0,
        "closing_debt_balance_amount": 0,
    }


def payout_view(item: Settlement) -> Payout:
    return {
        "totals": totals(item),
        "payment_reference": item.reference,
        "payout_date": _time(item.created_at),
        "currency_code": item.currency,
        "merchant_settlement_type": "NET",
        "merchant_id": item.store_id,
        "transactions": _ref_path("transactions?payment_reference=", item.reference),
    }


def summary_view(currency: str, items: Sequence[Settlement]) -> PayoutSummary:
    return {
        "summary_total_fee_correction_amount": 0,
        "summary_payout_date_start": _time(min(x.created_at for x in items)),
        "summary_total_release_amount": 0,
        "summary_settlement_currency": currency,
        "summary_payout_date_end": _time(max(x.created_at for x in items)),
        "summary_total_tax_amount": 0,
        "summary_total_settlement_amount": sum(x.payout for x in items),
        "summary_total_holdback_amount": 0,
        "summary_total_reversal_amount": 0,
        "summary_total_return_amount": sum(x.refunded for x in items),
        "summary_total_fee_amount": 0,
        "summary_total_commission_amount": 0,
        "summary_total_sale_amount": sum(x.captured for x in items),
        "summary_total_repay_amount": 0,
    }


def transaction_view(tx: Transaction, country: str) -> KlarnaTransaction:
    sale = tx.kind == "capture"
    reference = payout_reference(tx.store_id, tx.created_at.astimezone(UTC).date())
    at = _time(tx.created_at)
    klarna_id = rules.ledger_capture_id(tx.ledger_id)
    view: KlarnaTransaction = {
        "amount": abs(tx.amount),
        "capture_id": klarna_id if sale else "",
        "merchant_reference1": tx.reference or "",
        "sale_date": at,
        "type": "SALE" if sale else "RETURN",
        "detailed_type": "PURCHASE" if sale else "PURCHASE_RETURN",
        "capture_date": at,
        "payment_reference": reference,
        "order_id": tx.order_id,
        "payout": _ref_path("payouts/", reference),
        "currency_code": tx.currency,
        "purchase_country": country,
    }
    if not sale:
        view["refund_id"] = klarna_id
    if tx.action_reference is not None:
        view["merchant_capture_reference" if sale else "merchant_refund_reference"] = (
            tx.action_reference
        )
    return view


# -- the CSV report: one row per transaction, its payout's header fields first ----------------

CSV_HEADER = (
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
)
CSV_BODY = (
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
)


def _header_values(item: Settlement) -> list[str]:
    exp = exponent(item.currency)
    amounts = totals(item)
    values = [item.store_id, item.reference, _time(item.created_at), item.currency, "NET"]
    for name in CSV_HEADER[5:]:
        values.append(major_string(amounts[name.removeprefix("total_")], exp))  # type: ignore[literal-required]
    return values


def payouts_csv(payouts: Sequence[tuple[Settlement, Sequence[KlarnaTransaction]]]) -> bytes:
    """Semicolon-separated, as Klarna's reports are; amounts in major units (``95.00``)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER + CSV_BODY)
    for item, txs in payouts:
        head = _header_values(item)
        exp = exponent(item.currency)
        for tx in txs:
            body = [
                major_string(tx["amount"], exp) if name == "amount" else str(tx.get(name, ""))
                for name in CSV_BODY
            ]
            writer.writerow(head + body)
    return out.getvalue().encode()


# -- reading ----------------------------------------------------------------------------------


def _moment(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 date or date-time (UTC when it names no offset); a date alone is its day's
    start, as Klarna reads it."""
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value.strip())
        return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise invalid(
            f"{name} must be an ISO 8601 date-time such as 2020-01-23T00:00:00Z", name
        ) from None


def _days(start: datetime | None, end: datetime | None) -> tuple[date, date]:
    """The days whose payouts (made as each day ends) are at or after ``start`` and at or
    before ``end``."""
    first, last = settlements.FIRST, settlements.LAST
    if start is not None:
        day = start.date()
        if period_start(day) == start and day > date.min:
            day -= timedelta(days=1)  # that day's payout is made at ``start``
        first = max(first, day)
    if end is not None:
        day = end.date()
        last = min(last, day - timedelta(days=1) if day > date.min else day)
    return first, last


def _query(
    who: Principal, start: datetime | None, end: datetime | None, currency: str | None
) -> settlements.SettlementQuery:
    first, last = _days(start, end)
    return settlements.SettlementQuery(
        sorted(who.store_ids),
        NAME,
        first=first,
        last=last,
        currencies=None if currency is None else [currency.upper()],
    )


async def _every(request: Request, query: settlements.SettlementQuery) -> list[Settlement]:
    """Every payout ``query`` names, in (day, store) order."""
    found: list[Settlement] = []
    async with request.app.state.pool.acquire() as conn:
        while True:
            page = await settlements.settlements(
                conn, replace(query, limit=BATCH, offset=len(found))
            )
            found += page.settlements
            if len(page.settlements) < BATCH:
                return found


async def _payout(request: Request, who: Principal, reference: str) -> Settlement | None:
    query = settlements.SettlementQuery(
        sorted(who.store_ids), NAME, references=[reference], limit=1
    )
    async with request.app.state.pool.acquire() as conn:
        page = await settlements.settlements(conn, query)
    return page.settlements[0] if page.settlements else None


async def _all_transactions(
    request: Request, item: Settlement, order_id: str | None = None
) -> list[Transaction]:
    found: list[Transaction] = []
    async with request.app.state.pool.acquire() as conn:
        while True:
            batch = await settlements.transactions(
                conn,
                item.store_id,
                item.day,
                item.day,
                found[-1].seq if found else 0,
                BATCH,
                order_id=order_id,
            )
            found += batch
            if len(batch) < BATCH:
                return found


async def _countries(request: Request, txs: Sequence[Transaction]) -> dict[str, str]:
    """Each store's country: the purchase country of its orders."""
    found: dict[str, str] = {}
    async with request.app.state.pool.acquire() as conn:
        for store_id in sorted({tx.store_id for tx in txs}):
            store = await merchants.get_store(conn, store_id)
            found[store_id] = store.country if store is not None else ""
    return found


async def _views(request: Request, txs: Sequence[Transaction]) -> list[KlarnaTransaction]:
    countries = await _countries(request, txs)
    return [transaction_view(tx, countries[tx.store_id]) for tx in txs]


def _pagination(request: Request, count: int, total: int, size: int, offset: int) -> Pagination:
    """Klarna's pagination, ``next`` and ``prev`` as paths keeping the request's filters."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("size", "offset")]

    def page(at: int) -> str:
        return f"{request.url.path}?{urlencode([*kept, ('offset', at), ('size', size)])}"

    found: Pagination = {"count": count, "total": total, "offset": offset}
    if offset + count < total:
        found["next"] = page(offset + size)
    if offset > 0:
        found["prev"] = page(max(0, offset - size))
    return found


def _missing(reference: str) -> Response:
    return to_response(envelope(404, "NOT_FOUND", f"Payout {reference} was not found"))


# -- the routes -------------------------------------------------------------------------------


@ROUTES.get(
    BASE + "/payouts",
    summary="List all payouts",
    responses={200: {"model": PayoutCollection, "description": "A page of payouts"}},
)
async def payouts_route(
    request: Request,
    start_date: Annotated[str | None, DateQuery] = None,
    end_date: Annotated[str | None, DateQuery] = None,
    currency_code: Currency = None,
    size: Size = PAGE_DEFAULT,
    offset: Offset = 0,
) -> Response:
    who = await principal(request)
    start, end = _moment(start_date, "start_date"), _moment(end_date, "end_date")
    query = replace(_query(who, start, end, currency_code), limit=size, offset=offset)
    async with request.app.state.pool.acquire() as conn:
        page = await settlements.settlements(conn, query)
        total = page.total
        if not page.settlements and offset:  # past the end: count what the filters name
            total = (await settlements.settlements(conn, replace(query, offset=0))).total
    body: PayoutCollection = {
        "payouts": [payout_view(item) for item in page.settlements],
        "pagination": _pagination(request, len(page.settlements), total, size, offset),
    }
    return to_response(json_answer(body))


@ROUTES.get(
    BASE + "/payouts/summary",
    summary="Payout summary (per currency)",
    responses={200: {"model": list[PayoutSummary], "description": "One summary a currency"}},
)
async def summary_route(
    request: Request,
    start_date: Annotated[str, DateQuery],
    end_date: Annotated[str, DateQuery],
    currency_code: Currency = None,
) -> Response:
    who = await principal(request)
    start, end = _moment(start_date, "start_date"), _moment(end_date, "end_date")
    found = await _every(request, _query(who, start, end, currency_code))
    by_currency: dict[str, list[Settlement]] = {}
    for item in found:
        by_currency.setdefault(item.currency, []).append(item)
    body = [summary_view(cur, items) for cur, items in sorted(by_currency.items())]
    return to_response(json_answer(body))


@ROUTES.get(
    BASE + "/payouts/{payment_reference}",
    summary="Payout details",
    responses={200: {"model": Payout, "description": "The payout"}},
)
async def payout_route(
    request: Request,
    payment_reference: Annotated[str, Path(description="The payout's payment_reference")],
) -> Response:
    who = await principal(request)
    found = await _payout(request, who, payment_reference)
    if found is None:
        return _missing(payment_reference)
    return to_response(json_answer(payout_view(found)))


async def _order_transactions(
    request: Request, who: Principal, order_id: str, reference: str | None
) -> list[Transaction]:
    """The order's transactions (of one payout if ``reference`` is given); none for an order
    that is not the caller's Klarna order."""
    try:
        loaded = await request.app.state.uow.read(OrderRef(who, order_id, NAME))
    except DomainError:
        return []
    query = settlements.SettlementQuery(
        [loaded.order.store_id],
        NAME,
        references=None if reference is None else [reference],
    )
    found: list[Transaction] = []
    for item in await _every(request, query):
        found += await _all_transactions(request, item, order_id)
    return found


@ROUTES.get(
    BASE + "/transactions",
    summary="List transactions",
    responses={200: {"model": TransactionCollection, "description": "A page of transactions"}},
)
async def transactions_route(
    request: Request,
    payment_reference: Annotated[str | None, Query(description="Of this payout only")] = None,
    order_id: Annotated[str | None, Query(description="Of this order only")] = None,
    size: Size = PAGE_DEFAULT,
    offset: Offset = 0,
) -> Response:
    who = await principal(request)
    if order_id is not None:
        every = await _order_transactions(request, who, order_id, payment_reference)
        txs, total = every[offset : offset + size], len(every)
    else:
        query = settlements.SettlementQuery(
            sorted(who.store_ids),
            NAME,
            references=None if payment_reference is None else [payment_reference],
        )
        payouts = await _every(request, query)
        total = sum(item.count for item in payouts)
        txs = []
        skip = offset
        async with request.app.state.pool.acquire() as conn:
            for item in payouts:
                if len(txs) >= size:
                    break
                if skip >= item.count:
                    skip -= item.count
                    continue
                txs += await settlements.transactions(
                    conn, item.store_id, item.day, item.day, 0, size - len(txs), skip
                )
                skip = 0
    body: TransactionCollection = {
        "transactions": await _views(request, txs),
        "pagination": _pagination(request, len(txs), total, size, offset),
    }
    return to_response(json_answer(body))


async def _with_transactions(
    request: Request, payouts: Sequence[Settlement]
) -> list[tuple[Settlement, list[Transaction]]]:
    return [(item, await _all_transactions(request, item)) for item in payouts]


async def _csv(request: Request, payouts: Sequence[Settlement], name: str) -> Response:
    rows = [
        (item, await _views(request, txs))
        for item, txs in await _with_transactions(request, payouts)
    ]
    return Response(
        payouts_csv(rows),
        media_type=CSV_TYPE,
        headers={"content-disposition": content_disposition("attachment", name)},
    )


async def _pdf(request: Request, payouts: Sequence[Settlement], title: str, name: str) -> Response:
    return Response(
        render_payouts(title, await _with_transactions(request, payouts)),
        media_type=PDF_TYPE,
        headers={"content-disposition": content_disposition("inline", name)},
    )


CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report (semicolon-separated)",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}
PDF_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report",
        "content": {PDF_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }
}


@ROUTES.get(
    BASE + "/reports/payout-with-transactions",
    summary="A payout and its transactions (CSV)",
    responses=CSV_ANSWER,
)
async def payout_csv_route(request: Request, payment_reference: Reference) -> Response:
    who = await principal(request)
    found = await _payout(request, who, payment_reference)
    if found is None:
        return _missing(payment_reference)
    return await _csv(request, [found], f"payout-{found.reference}.csv")


@ROUTES.get(BASE + "/reports/payout", summary="A payout (PDF)", responses=PDF_ANSWER)
async def payout_pdf_route(request: Request, payment_reference: Reference) -> Response:
    who = await principal(request)
    found = await _payout(request, who, payment_reference)
    if found is None:
        return _missing(payment_reference)
    name = f"payout-{found.reference}.pdf"
    return await _pdf(request, [found], f"Settlement report {found.reference}", name)


async def _period(request: Request, start_date: str, end_date: str) -> list[Settlement]:
    who = await principal(request)
    start, end = _moment(start_date, "start_date"), _moment(end_date, "end_date")
    return await _every(request, _query(who, start, end, None))


@ROUTES.get(
    BASE + "/reports/payouts-summary-with-transactions",
    summary="The payouts of a period and their transactions (CSV)",
    responses=CSV_ANSWER,
)
async def summary_csv_route(
    request: Request,
    start_date: Annotated[str, DateQuery],
    end_date: Annotated[str, DateQuery],
) -> Response:
    found = await _period(request, start_date, end_date)
    return await _csv(request, found, f"payouts-{start_date[:10]}-{end_date[:10]}.csv")


@ROUTES.get(
    BASE + "/reports/payouts-summary",
    summary="The payouts of a period (PDF)",
    responses=PDF_ANSWER,
)
async def summary_pdf_route(
    request: Request,
    start_date: Annotated[str, DateQuery],
    end_date: Annotated[str, DateQuery],
) -> Response:
    found = await _period(request, start_date, end_date)
    if not found:
        return to_response(
            envelope(404, "NOT_FOUND", f"No payouts between {start_date} and {end_date}")
        )
    name = f"payouts-{start_date[:10]}-{end_date[:10]}.pdf"
    return await _pdf(request, found, "Settlement summary", name)

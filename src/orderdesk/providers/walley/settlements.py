"""Walley's settlement reports API (dev.walleypay.com/docs/reports/settlements-api/…):
``GET /reports/settlements`` (search), ``GET /reports/settlements/{settlementId}/transactions``
(JSON, or CSV with ``Accept: text/csv``) and ``GET /reports/settlements/{settlementId}/file/pdf``.

Built from the ledger per Walley store and payout day (see ``domain/settlement.py``), paged by
``page`` and ``perPage``; amounts are decimal JSON numbers, refunds negative. A settlement of
one of the merchant's stores the credential may not use is 403, as Walley documents.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import orjson
from fastapi import Path, Query, Request
from fastapi.responses import Response
from pydantic import Field
from typing_extensions import TypedDict  # pydantic needs it before Python 3.12

from orderdesk.auth.bearer import authenticate
from orderdesk.auth.tokens import Principal
from orderdesk.domain.money import exponent
from orderdesk.domain.settlement import (
    Settlement,
    Transaction,
    parse_settlement_id,
    period_start,
)
from orderdesk.providers.walley import NAME, routes
from orderdesk.providers.walley.errors import envelope
from orderdesk.providers.walley.settlement_pdf import render_settlement
from orderdesk.providers.walley.views import decimal_number
from orderdesk.store import merchants, settlements
from orderdesk.web.answers import Reply, json_answer, to_response

ROUTES = routes.ROUTES.sibling(tags=["Walley settlements"])

SEARCH_PAGE_MAX = 1000
TX_PAGE_MAX = 5000
#: What a search's ``query`` may name: ``startDate:>2022-12-17``, ``currency:SEK``, …
_TERM = re.compile(r"^(\w+): *(>=|<=|>|<)? *(\S+)$")
_DATES = ("startDate", "endDate")
_VALUES = ("id", "storeId", "currency", "reference")

SettlementId = Annotated[str, Path(alias="settlementId", description="The settlement's id")]
Page = Annotated[int, Query(description="The page to return (default 1)")]


class Link(TypedDict):
    method: str
    href: str
    query: str


class SettlementLinks(TypedDict):
    pdf: Link
    transactions: Link


class WalleySettlement(TypedDict):
    id: str
    startDate: Annotated[str, Field(examples=["2022-12-30T00:00:00"])]
    endDate: str
    storeId: str
    ingoingBalance: float
    totalAmount: Annotated[float, Field(description="The payout")]
    currency: str
    netSales: float
    paidOutAt: str
    generatedAt: str
    captured: float
    refunded: Annotated[float, Field(description="Negative")]
    reference: Annotated[str, Field(description="The payout's reference")]
    compensations: float
    adjustments: float
    links: SettlementLinks


class PageLinks(TypedDict, total=False):
    self: Link
    next: Link


class MetaData(TypedDict):
    totalNumberOfRecords: int
    numberOfPages: int
    currentPage: int
    range: dict[str, int]


class SearchAnswer(TypedDict):
    data: list[WalleySettlement]
    links: PageLinks
    metaData: MetaData


class VatPerRate(TypedDict):
    vatRate: float
    amount: float


class WalleyTransaction(TypedDict):
    customerNumber: str
    firstName: Annotated[str, Field(description="B2C: first name; B2B: the company's name")]
    lastName: str
    amount: Annotated[float, Field(description="Negative for a return")]
    purchaseDate: str
    transactionDate: str
    orderNumber: str
    invoiceNumber: str
    type: Annotated[str, Field(description="Purchase or Return")]
    totalVatAmountPerRate: list[VatPerRate]
    currency: str
    settlementDate: str
    payoutReference: str
    actionReference: str | None
    orderId: str


class TransactionsAnswer(TypedDict):
    data: list[WalleyTransaction]
    links: PageLinks
    metaData: MetaData


class QueryError(Exception):
    """A search ``query`` Walley would answer 422."""


@dataclass(slots=True)
class Search:
    """What a search's ``query`` asks for."""

    first: date = settlements.FIRST
    last: date = settlements.LAST
    values: dict[str, set[str]] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)


def _narrow(search: Search, name: str, op: str | None, text: str) -> None:
    if name in _DATES:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise QueryError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None
        if op in (None, ">=", ">"):
            search.first = max(search.first, day + timedelta(days=1 if op == ">" else 0))
        if op in (None, "<=", "<"):
            search.last = min(search.last, day - timedelta(days=1 if op == "<" else 0))
        return
    if name not in _VALUES or op is not None:
        raise QueryError(f"{name}:{op or ''}{text} is not a property this search knows")
    found = search.values.get(name)
    search.values[name] = {text} if found is None else found & {text}


def parse_query(text: str | None) -> Search:
    """``startDate:>=2022-12-01 AND endDate:<=2022-12-08``, ``reference:2134``, or free text
    (a settlement's id or payout reference)."""
    search = Search()
    if text is None or not text.strip():
        return search
    for term in text.strip().split(" AND "):
        term = term.strip()
        if ":" not in term:
            if not term or " " in term:
                raise QueryError(f"{text!r} is not a query")
            search.words.append(term)
            continue
        match = _TERM.match(term)
        if match is None:
            raise QueryError(f"{term!r} is not property:value")
        _narrow(search, match[1], match[2], match[3])
    return search


def _invalid(message: str) -> Response:
    return to_response(envelope(422, "INVALID_QUERY", message))


def _bounds(page: int, per_page: int, most: int) -> str | None:
    if page < 1:
        return "page starts at 1"
    if not 1 <= per_page <= most:
        return f"perPage is 1 to {most}"
    return None


def _link(path: str, params: dict[str, Any]) -> Link:
    query = "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
    return {"method": "GET", "href": f"{path}?{query}", "query": query}


def _paging(path: str, params: dict[str, Any], page: int, per_page: int, total: int) -> Any:
    """Walley's ``links`` and ``metaData`` of one page (``next`` while pages follow)."""
    pages = math.ceil(total / per_page)
    first = (page - 1) * per_page
    links: PageLinks = {"self": _link(path, {**params, "page": page, "perPage": per_page})}
    if page < pages:
        links["next"] = _link(path, {**params, "page": page + 1, "perPage": per_page})
    shown = max(0, min(per_page, total - first))
    meta: MetaData = {
        "totalNumberOfRecords": total,
        "numberOfPages": pages,
        "currentPage": page,
        "range": {"from": first + 1 if shown else 0, "to": first + shown},
    }
    return links, meta


def _walley_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def settlement_view(item: Settlement) -> dict[str, Any]:
    exp = exponent(item.currency)
    day = period_start(item.day).replace(tzinfo=None).isoformat()
    base = f"/reports/settlements/{item.id}"
    payout = decimal_number(item.payout, exp)
    zero = decimal_number(0, exp)
    return {
        "id": item.id,
        "startDate": day,
        "endDate": day,
        "storeId": item.store_id,
        "ingoingBalance": zero,
        "totalAmount": payout,
        "currency": item.currency,
        "netSales": payout,
        "paidOutAt": _walley_time(item.created_at),
        "generatedAt": _walley_time(item.created_at),
        "captured": decimal_number(item.captured, exp),
        "refunded": decimal_number(-item.refunded, exp),
        "reference": item.reference,
        "compensations": zero,
        "adjustments": zero,
        "links": {
            "pdf": {"method": "GET", "href": f"{base}/file/pdf", "query": ""},
            "transactions": {"method": "GET", "href": f"{base}/transactions", "query": ""},
        },
    }


def _names(customer: dict[str, Any] | None) -> tuple[str, str]:
    """(firstName, lastName): a person's names, or a company's name and nothing."""
    c = customer or {}
    if c.get("companyName"):
        return str(c["companyName"]), ""
    return str(c.get("firstName") or ""), str(c.get("lastName") or "")


def transaction_view(tx: Transaction, item: Settlement, product_code: bool) -> dict[str, Any]:
    exp = exponent(tx.currency)
    first, last = _names(tx.customer)
    on = tx.created_at.astimezone(UTC).date().isoformat()
    view: dict[str, Any] = {
        "customerNumber": "",
        "firstName": first,
        "lastName": last,
        "amount": decimal_number(tx.amount, exp),
        "purchaseDate": on,
        "transactionDate": on,
        "orderNumber": tx.reference,
        "invoiceNumber": tx.invoice_number,
        "type": "Return" if tx.kind == "refund" else "Purchase",
        "totalVatAmountPerRate": [
            {"vatRate": decimal_number(rate, 2), "amount": decimal_number(minor, exp)}
            for rate, minor in tx.vat
        ],
        "currency": tx.currency,
        "settlementDate": item.created_at.date().isoformat(),
        "payoutReference": item.reference,
        "actionReference": tx.action_reference,
        "orderId": tx.order_id,
    }
    if product_code:
        view["productCode"] = None
    return view


CSV_COLUMNS = (
    "customerNumber",
    "firstName",
    "lastName",
    "amount",
    "purchaseDate",
    "transactionDate",
    "orderNumber",
    "invoiceNumber",
    "type",
    "totalVatAmountPerRate",
    "currency",
    "settlementDate",
    "payoutReference",
    "actionReference",
    "orderId",
)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, orjson.Fragment):
        return orjson.dumps(value).decode()
    if isinstance(value, list):  # VAT per rate: "25.00=180.00|6.00=5.66"
        return "|".join(f"{_csv_value(x['vatRate'])}={_csv_value(x['amount'])}" for x in value)
    return str(value)


def transactions_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_csv_value(row[name]) for name in CSV_COLUMNS])
    return out.getvalue().encode()


async def _settlement(
    request: Request, principal: Principal, settlement_id: str, missing: str
) -> Settlement | Reply:
    """The caller's Walley settlement, or Walley's 403 (another store of the merchant) or
    404 answer."""
    async with request.app.state.pool.acquire() as conn:
        own = await merchants.merchant_store_ids(conn, principal.merchant_id)
        parsed = parse_settlement_id(settlement_id, frozenset(own))
        if parsed is not None and not principal.may_use(parsed[0]):
            return envelope(403, "FORBIDDEN", f"You may not read store {parsed[0]}'s reports")
        found = None if parsed is None else await settlements.settlement(conn, *parsed, NAME)
    return envelope(404, "NOT_FOUND", missing) if found is None else found


@ROUTES.get(
    "/reports/settlements",
    summary="Settlement search (one settlement per store and payout day)",
    responses={200: {"model": SearchAnswer, "description": "A page of settlements"}},
)
async def search_settlements(
    request: Request,
    page: Page = 1,
    per_page: Annotated[
        int, Query(alias="perPage", description=f"Items per page, 1 to {SEARCH_PAGE_MAX}")
    ] = 10,
    query: Annotated[
        str | None,
        Query(
            description="startDate:>2022-12-17, startDate:2022-12-30 AND endDate:…, "
            "storeId:…, currency:…, reference:…, id:…, or free text (an id or a reference)"
        ),
    ] = None,
) -> Response:
    principal = authenticate(request, NAME)
    if (problem := _bounds(page, per_page, SEARCH_PAGE_MAX)) is not None:
        return _invalid(problem)
    try:
        search = parse_query(query)
    except QueryError as err:
        return _invalid(str(err))
    stores = set(principal.store_ids) & search.values.get("storeId", principal.store_ids)
    ids = search.values.get("id", set()) | {w for w in search.words if w.startswith("sl_")}
    references = search.values.get("reference", set()) | {
        w for w in search.words if not w.startswith("sl_")
    }
    keys = None
    if "id" in search.values or ids:
        keys = [k for text in ids if (k := parse_settlement_id(text, principal.store_ids))]
    wanted = settlements.SettlementQuery(
        sorted(stores),
        NAME,
        first=search.first,
        last=search.last,
        currencies=sorted(search.values["currency"]) if "currency" in search.values else None,
        references=sorted(references) if "reference" in search.values or references else None,
        keys=keys,
        limit=per_page,
        offset=(page - 1) * per_page,
    )
    async with request.app.state.pool.acquire() as conn:
        found = await settlements.settlements(conn, wanted)
    links, meta = _paging(request.url.path, {"query": query}, page, per_page, found.total)
    answer = {
        "data": [settlement_view(item) for item in found.settlements],
        "links": links,
        "metaData": meta,
    }
    return to_response(json_answer(answer))


@ROUTES.get(
    "/reports/settlements/{settlementId}/transactions",
    summary="Settlement transactions (JSON, or CSV with `Accept: text/csv`)",
    responses={
        200: {
            "model": TransactionsAnswer,
            "description": "A page of the settlement's transactions",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def settlement_transactions(
    request: Request,
    settlement_id: SettlementId,
    page: Page = 1,
    per_page: Annotated[
        int, Query(alias="perPage", description=f"Items per page, 1 to {TX_PAGE_MAX}")
    ] = TX_PAGE_MAX,
    include_product_code: Annotated[
        bool, Query(alias="includeProductCode", description="Add `productCode` (always null)")
    ] = False,
) -> Response:
    principal = authenticate(request, NAME)
    if (problem := _bounds(page, per_page, TX_PAGE_MAX)) is not None:
        return _invalid(problem)
    found = await _settlement(request, principal, settlement_id, "Transactions not found")
    if isinstance(found, Reply):
        return to_response(found)
    async with request.app.state.pool.acquire() as conn:
        txs = await settlements.transactions(
            conn, found.store_id, found.day, found.day, 0, per_page, (page - 1) * per_page
        )
    rows = [transaction_view(tx, found, include_product_code) for tx in txs]
    if "text/csv" in request.headers.get("accept", ""):
        return Response(transactions_csv(rows), media_type="text/csv; charset=utf-8")
    params = {"includeProductCode": "true" if include_product_code else None}
    links, meta = _paging(request.url.path, params, page, per_page, found.count)
    return to_response(json_answer({"data": rows, "links": links, "metaData": meta}))


@ROUTES.get(
    "/reports/settlements/{settlementId}/file/pdf",
    summary="Settlement PDF (its totals and every transaction)",
    responses={
        200: {
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The PDF file",
        }
    },
)
async def settlement_pdf(request: Request, settlement_id: SettlementId) -> Response:
    principal = authenticate(request, NAME)
    found = await _settlement(request, principal, settlement_id, "Pdf not found")
    if isinstance(found, Reply):
        return to_response(found)
    async with request.app.state.pool.acquire() as conn:
        txs: list[Transaction] = []
        while True:
            after = txs[-1].seq if txs else 0
            batch = await settlements.transactions(
                conn, found.store_id, found.day, found.day, after, TX_PAGE_MAX
            )
            txs += batch
            if len(batch) < TX_PAGE_MAX:
                break
    name = f"settlement-{found.id}.pdf"
    return Response(
        render_settlement(found, txs),
        media_type="application/pdf",
        headers={"content-disposition": f'inline; filename="{name}"'},
    )

"""Ledyer settlements: ``GET /v1/settlements`` and ``GET /v1/settlements/{settlementId}/tx``,
as Ledyer documents them (developers.ledyer.com/docs/settlement/…).

Built from the ledger per Ledyer store and payout day (see ``domain/settlement.py``). Paging
is by cursor: ``size`` items after ``fromId``, the ``lastId`` of the previous page (an empty
page ends). List filters take comma-separated values. Money is in Ledyer's amount objects;
orderdesk charges no fees, so every fee amount is zero and a payout is its amount.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response
from pydantic import Field
from typing_extensions import TypedDict  # pydantic needs it before Python 3.12

from orderdesk.auth.bearer import authenticate
from orderdesk.domain.settlement import (
    Settlement,
    Transaction,
    VatAmounts,
    parse_settlement_id,
    period_start,
)
from orderdesk.providers.ledyer import NAME, routes
from orderdesk.providers.ledyer.errors import envelope
from orderdesk.providers.ledyer.responses import LedyerAmount
from orderdesk.providers.ledyer.views import amount, iso_z
from orderdesk.store import settlements
from orderdesk.web.answers import json_answer, to_response
from orderdesk.web.requests import moment_query, time_param

ROUTES = routes.ROUTES.sibling(tags=["Ledyer settlements"])

Size = Annotated[int, Query(ge=1, le=1000, description="Items per page (default 100)")]
FromId = Annotated[
    str | None,
    Query(
        alias="fromId",
        pattern=r"^sl_[0-9A-Za-z]{27}$",
        description="The `lastId` of the previous page",
    ),
]
FromTx = Annotated[
    str | None,
    Query(
        alias="fromId",
        pattern=r"^in_[0-9A-Za-z]{27}$",
        description="The `lastId` of the previous page",
    ),
]


def _listed(what: str, alias: str | None = None) -> Any:
    return Query(alias=alias, description=f"One or more {what}, separated by commas")


Listed = list[str] | None


class VatAmount(TypedDict):
    vat: Annotated[int, Field(description="The VAT rate in basis points (2500 = 25 %)")]
    amount: LedyerAmount


class SettlementView(TypedDict):
    captureDateMax: Annotated[str, Field(description="The last capture or refund")]
    captureDateMin: Annotated[str, Field(description="The first capture or refund")]
    creditAmount: Annotated[LedyerAmount, Field(description="Refunds, negative")]
    creditVatAmount: LedyerAmount
    creditVatBreakdown: list[VatAmount]
    currency: str
    feeVatAmount: LedyerAmount
    fixedFeeAmount: LedyerAmount
    id: Annotated[str, Field(description="sl_…")]
    payoutAmount: LedyerAmount
    reference: Annotated[str, Field(description="The payout's reference")]
    saleAmount: Annotated[LedyerAmount, Field(description="Captures")]
    saleVatAmount: LedyerAmount
    saleVatBreakdown: list[VatAmount]
    storeId: str
    variableFeeAmount: LedyerAmount


class SettlementList(TypedDict):
    lastId: Annotated[str | None, Field(description="Pass as `fromId` for the next page")]
    settlements: list[SettlementView]


class TransactionView(TypedDict):
    accountId: Annotated[str, Field(description="The merchant account (ac_…)")]
    amount: LedyerAmount
    capturedAt: str
    feeVatAmount: LedyerAmount
    fixedFeeAmount: LedyerAmount
    invoiceCreatedAt: str
    invoiceNumber: str
    merchantReference: str
    payoutAmount: LedyerAmount
    storeId: str
    txType: Annotated[str, Field(description="`sale` (a capture) or `credit` (a refund)")]
    variableFeeAmount: LedyerAmount
    vatAmount: LedyerAmount
    vatBreakdown: list[VatAmount]


class TransactionList(TypedDict):
    lastId: Annotated[str | None, Field(description="Pass as `fromId` for the next page")]
    settlementId: str
    tx: list[TransactionView]


def _vat(amounts: VatAmounts, currency: str, sign: int = 1) -> list[VatAmount]:
    return [{"vat": rate, "amount": amount(sign * minor, currency)} for rate, minor in amounts]


def settlement_view(item: Settlement) -> SettlementView:
    cur = item.currency
    zero = amount(0, cur)
    return {
        "captureDateMax": iso_z(item.last_at),
        "captureDateMin": iso_z(item.first_at),
        "creditAmount": amount(-item.refunded, cur),
        "creditVatAmount": amount(-sum(x for _, x in item.credit_vat), cur),
        "creditVatBreakdown": _vat(item.credit_vat, cur, -1),
        "currency": cur,
        "feeVatAmount": zero,
        "fixedFeeAmount": zero,
        "id": item.id,
        "payoutAmount": amount(item.payout, cur),
        "reference": item.reference,
        "saleAmount": amount(item.captured, cur),
        "saleVatAmount": amount(sum(x for _, x in item.sale_vat), cur),
        "saleVatBreakdown": _vat(item.sale_vat, cur),
        "storeId": item.store_id,
        "variableFeeAmount": zero,
    }


def transaction_view(tx: Transaction, account_id: str) -> TransactionView:
    cur = tx.currency
    zero = amount(0, cur)
    at = iso_z(tx.created_at)
    return {
        "accountId": account_id,
        "amount": amount(tx.amount, cur),
        "capturedAt": at,
        "feeVatAmount": zero,
        "fixedFeeAmount": zero,
        "invoiceCreatedAt": at,
        "invoiceNumber": tx.invoice_number,
        "merchantReference": tx.reference,
        "payoutAmount": amount(tx.amount, cur),
        "storeId": tx.store_id,
        "txType": "credit" if tx.kind == "refund" else "sale",
        "variableFeeAmount": zero,
        "vatAmount": amount(tx.vat_amount, cur),
        "vatBreakdown": _vat(tx.vat, cur),
    }


def _values(raw: Listed) -> list[str] | None:
    """``?x=a,b&x=c`` → ``["a", "b", "c"]``; None when the filter is absent."""
    if raw is None:
        return None
    return [value.strip() for text in raw for value in text.split(",") if value.strip()]


def _first_day(created_from: datetime | None) -> date:
    """The first day whose settlement is created (at its end) at or after ``created_from``."""
    if created_from is None:
        return settlements.FIRST
    moment = created_from if created_from.tzinfo else created_from.replace(tzinfo=UTC)
    day = moment.date()
    if period_start(day) < moment:
        day += timedelta(days=1)
    return max(day - timedelta(days=1), settlements.FIRST)


def _last_day(created_to: datetime | None) -> date:
    """The last day whose settlement is created (at its end) at or before ``created_to``."""
    if created_to is None:
        return settlements.LAST
    moment = created_to if created_to.tzinfo else created_to.replace(tzinfo=UTC)
    return min(moment.astimezone(UTC).date() - timedelta(days=1), settlements.LAST)


@ROUTES.get(
    "/v1/settlements",
    summary="Get settlements (one per store and payout day)",
    responses={200: {"model": SettlementList, "description": "A page of settlements"}},
)
async def list_settlements(
    request: Request,
    size: Size = 100,
    from_id: FromId = None,
    created_from_text: Annotated[
        str | None, moment_query("createdFrom", "RFC 3339, e.g. 2011-10-05T14:48:00.000Z")
    ] = None,
    created_to_text: Annotated[
        str | None, moment_query("createdTo", "RFC 3339, e.g. 2011-10-05T14:48:00.000Z")
    ] = None,
    currency: Annotated[Listed, _listed("currencies")] = None,
    id: Annotated[Listed, _listed("settlement ids")] = None,
    reference: Annotated[Listed, _listed("payout references")] = None,
    store_id: Annotated[Listed, _listed("store ids", "storeId")] = None,
) -> Response:
    principal = authenticate(request, NAME)
    created_from = time_param(created_from_text, "createdFrom", routes.AN_RFC3339_TIME)
    created_to = time_param(created_to_text, "createdTo", routes.AN_RFC3339_TIME)
    stores = set(principal.store_ids)
    if (wanted := _values(store_id)) is not None:
        stores &= set(wanted)
    keys = None
    if (ids := _values(id)) is not None:
        keys = [found for text in ids if (found := parse_settlement_id(text, principal.store_ids))]
    after = (settlements.FIRST, "")
    if from_id is not None:
        parsed = parse_settlement_id(from_id, principal.store_ids)
        if parsed is None:
            return to_response(
                envelope(404, "NOT_FOUND", "fromId names none of your settlements", "fromId")
            )
        after = (parsed[1], parsed[0])
    query = settlements.SettlementQuery(
        sorted(stores),
        NAME,
        first=_first_day(created_from),
        last=_last_day(created_to),
        currencies=_values(currency),
        references=_values(reference),
        keys=keys,
        after=after,
        limit=size,
    )
    async with request.app.state.pool.acquire() as conn:
        page = await settlements.settlements(conn, query)
    views = [settlement_view(item) for item in page.settlements]
    body: SettlementList = {"lastId": views[-1]["id"] if views else None, "settlements": views}
    return to_response(json_answer(body))


@ROUTES.get(
    "/v1/settlements/{settlementId}/tx",
    summary="Get settlement transactions (its captures and refunds)",
    responses={200: {"model": TransactionList, "description": "A page of transactions"}},
)
async def settlement_transactions(
    request: Request,
    settlement_id: Annotated[str, Path(alias="settlementId", description="sl_…")],
    size: Size = 100,
    from_id: FromTx = None,
) -> Response:
    principal = authenticate(request, NAME)
    parsed = parse_settlement_id(settlement_id, principal.store_ids)
    missing = envelope(404, "NOT_FOUND", f"Settlement {settlement_id} was not found")
    if parsed is None:
        return to_response(missing)
    store_id, day = parsed
    async with request.app.state.pool.acquire() as conn:
        if await settlements.settlement(conn, store_id, day, NAME) is None:
            return to_response(missing)
        after = 0
        if from_id is not None:
            found_seq = await settlements.ledger_seq(conn, store_id, from_id)
            if found_seq is None:
                return to_response(
                    envelope(404, "NOT_FOUND", "fromId names no transaction here", "fromId")
                )
            after = found_seq
        found = await settlements.transactions(conn, store_id, day, day, after, size)
    body: TransactionList = {
        "lastId": found[-1].ledger_id if found else None,
        "settlementId": settlement_id,
        "tx": [transaction_view(tx, principal.merchant_id) for tx in found],
    }
    return to_response(json_answer(body))

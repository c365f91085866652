"""Ledyer settlements: ``GET /v1/settlements`` and ``GET /v1/settlements/{settlementId}/tx``.

Built from the ledger per store and payout day (see ``domain/settlement.py``); cursor paging
with ``lastId`` (the id of the last item of the previous page; an empty page ends).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from orderdesk.auth.bearer import authenticate
from orderdesk.domain.settlement import (
    Settlement,
    Transaction,
    parse_settlement_id,
    period_start,
)
from orderdesk.providers.ledyer import NAME, routes
from orderdesk.providers.ledyer.errors import envelope
from orderdesk.providers.ledyer.views import iso_z
from orderdesk.store import settlements
from orderdesk.web.answers import json_answer, to_response

ROUTES = routes.ROUTES.sibling(tags=["Ledyer settlements"])

Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page (default 100)")]
LastId = Annotated[
    str | None,
    Query(
        alias="lastId",
        pattern=r"^sl_[0-9A-Za-z]{27}$",
        description="The last settlement id of the previous page",
    ),
]
LastLedgerId = Annotated[
    str | None,
    Query(
        alias="lastId",
        pattern=r"^in_[0-9A-Za-z]{27}$",
        description="The last ledgerId of the previous page",
    ),
]


class SettlementView(BaseModel):
    id: str
    storeId: str
    currency: str
    periodStart: str
    periodEnd: str
    payoutDate: str
    capturedAmount: int
    refundedAmount: int
    feeAmount: int
    payoutAmount: int
    transactionCount: int


class SettlementList(BaseModel):
    lastId: str | None
    settlements: list[SettlementView]


class TransactionView(BaseModel):
    type: str
    orderId: str
    reference: str
    ledgerId: str
    actionReference: str | None
    amount: int
    currency: str
    createdAt: str


class TransactionList(BaseModel):
    settlementId: str
    lastId: str | None
    transactions: list[TransactionView]


def settlement_view(item: Settlement) -> dict[str, Any]:
    start = period_start(item.day)
    return {
        "id": item.id,
        "storeId": item.store_id,
        "currency": item.currency,
        "periodStart": iso_z(start),
        "periodEnd": iso_z(start + timedelta(days=1)),
        "payoutDate": (item.day + timedelta(days=1)).isoformat(),
        "capturedAmount": item.captured,
        "refundedAmount": item.refunded,
        "feeAmount": 0,
        "payoutAmount": item.payout,
        "transactionCount": item.count,
    }


def transaction_view(tx: Transaction) -> dict[str, Any]:
    return {
        "type": tx.kind,
        "orderId": tx.order_id,
        "reference": tx.reference,
        "ledgerId": tx.ledger_id,
        "actionReference": tx.action_reference,
        "amount": tx.amount,
        "currency": tx.currency,
        "createdAt": iso_z(tx.created_at),
    }


@ROUTES.get(
    "/v1/settlements",
    summary="List settlements (one per store and payout day)",
    responses={200: {"model": SettlementList, "description": "A page of settlements"}},
)
async def list_settlements(
    request: Request,
    limit: Limit = 100,
    last_id: LastId = None,
    store_id: Annotated[str | None, Query(alias="storeId")] = None,
) -> Response:
    principal = authenticate(request, NAME)
    stores = principal.store_ids if store_id is None else principal.store_ids & {store_id}
    after = (settlements.FIRST, "")
    if last_id is not None:
        parsed = parse_settlement_id(last_id, principal.store_ids)
        if parsed is None:
            return to_response(
                envelope(404, "NOT_FOUND", "lastId names none of your settlements", "lastId")
            )
        after = (parsed[1], parsed[0])
    async with request.app.state.pool.acquire() as conn:
        found = await settlements.settlements(conn, sorted(stores), after=after, limit=limit)
    views = [settlement_view(item) for item in found]
    body = {"lastId": views[-1]["id"] if views else None, "settlements": views}
    return to_response(json_answer(body))


@ROUTES.get(
    "/v1/settlements/{settlementId}/tx",
    summary="A settlement's transactions (captures and refunds, with ledger id and "
    "actionReference)",
    responses={200: {"model": TransactionList, "description": "A page of transactions"}},
)
async def settlement_transactions(
    request: Request,
    settlement_id: Annotated[str, Path(alias="settlementId", description="sl_…")],
    limit: Limit = 100,
    last_id: LastLedgerId = None,
) -> Response:
    principal = authenticate(request, NAME)
    parsed = parse_settlement_id(settlement_id, principal.store_ids)
    missing = envelope(404, "NOT_FOUND", f"Settlement {settlement_id} was not found")
    if parsed is None:
        return to_response(missing)
    store_id, day = parsed
    async with request.app.state.pool.acquire() as conn:
        after = 0
        if last_id is not None:
            found_seq = await settlements.ledger_seq(conn, store_id, last_id)
            if found_seq is None:
                return to_response(
                    envelope(404, "NOT_FOUND", "lastId names no transaction here", "lastId")
                )
            after = found_seq
        elif not await settlements.settlements(conn, [store_id], first=day, last=day, limit=1):
            return to_response(missing)
        found = await settlements.transactions(conn, store_id, day, day, after, limit)
    views = [transaction_view(tx) for tx in found]
    body = {
        "settlementId": settlement_id,
        "lastId": views[-1]["ledgerId"] if views else None,
        "transactions": views,
    }
    return to_response(json_answer(body))

"""The Order aggregate as the JSONB document stored in ``orders.state``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orderdesk.domain.lines import Line
from orderdesk.domain.order import Chunk, Event, Order

_LINE_FIELDS = (
    "id",
    "reference",
    "description",
    "type",
    "quantity",
    "unit_price",
    "unit_discount",
    "total_amount",
    "vat",
    "total_vat",
)


def _line_doc(line: Line) -> list[Any]:
    return [getattr(line, name) for name in _LINE_FIELDS]


def _line(doc: list[Any]) -> Line:
    return Line(*doc)


def _chunk_doc(chunk: Chunk) -> dict[str, Any]:
    return {
        "ledger_id": chunk.ledger_id,
        "created_at": chunk.created_at.isoformat(),
        "lines": [_line_doc(line) for line in chunk.lines],
        "note": chunk.note,
        "document_number": chunk.document_number,
        "description": chunk.description,
        "action_reference": chunk.action_reference,
    }


def _chunk(doc: dict[str, Any]) -> Chunk:
    return Chunk(
        ledger_id=doc["ledger_id"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        lines=[_line(line) for line in doc["lines"]],
        note=doc["note"],
        document_number=doc["document_number"],
        description=doc["description"],
        action_reference=doc["action_reference"],
    )


def order_doc(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "provider": order.provider,
        "merchant_id": order.merchant_id,
        "store_id": order.store_id,
        "currency": order.currency,
        "country": order.country,
        "segment": order.segment,
        "merchant_reference": order.merchant_reference,
        "order_reference": order.order_reference,
        "customer": order.customer,
        "payment_method": order.payment_method,
        "created_at": order.created_at.isoformat(),
        "expires_at": order.expires_at.isoformat(),
        "authorized": order.authorized,
        "uncaptured": _chunk_doc(order.uncaptured) if order.uncaptured else None,
        "captured": [_chunk_doc(chunk) for chunk in order.captured],
        "refunded": [_chunk_doc(chunk) for chunk in order.refunded],
        "cancelled": order.cancelled,
        "closed": order.closed,
        "items_replaced": order.items_replaced,
        "events": [
            [ev.id, ev.type, ev.amount, ev.ledger_id, ev.created_at.isoformat()]
            for ev in order.events
        ],
    }


def order_from_doc(doc: dict[str, Any]) -> Order:
    return Order(
        id=doc["id"],
        provider=doc["provider"],
        merchant_id=doc["merchant_id"],
        store_id=doc["store_id"],
        currency=doc["currency"],
        country=doc["country"],
        segment=doc["segment"],
        merchant_reference=doc["merchant_reference"],
        order_reference=doc["order_reference"],
        customer=doc["customer"],
        payment_method=doc["payment_method"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        expires_at=datetime.fromisoformat(doc["expires_at"]),
        authorized=doc["authorized"],
        uncaptured=_chunk(doc["uncaptured"]) if doc["uncaptured"] else None,
        captured=[_chunk(chunk) for chunk in doc["captured"]],
        refunded=[_chunk(chunk) for chunk in doc["refunded"]],
        cancelled=doc["cancelled"],
        closed=doc["closed"],
        items_replaced=doc["items_replaced"],
        events=[
            Event(ev[0], ev[1], ev[2], ev[3], datetime.fromisoformat(ev[4])) for ev in doc["events"]
        ],
    )

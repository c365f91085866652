"""The Order aggregate as stored: ``orders.state`` (a JSONB document of the small parts),
``order_chunks`` rows (the captured and refunded chunks' headers), ``order_lines`` rows and
``order_events`` rows.

An issued chunk's header never changes, so a save inserts the headers of the chunks the change
made (:func:`chunk_rows`) and the state document holds none: what a change writes does not
grow with the order's earlier captures.

Line rows are compared with the rows an order was loaded with (:func:`line_changes`), so a
save writes only the lines that changed — a capture of one line from a 1,000-line order
writes one line row, not a thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderdesk.domain.lines import Line
from orderdesk.domain.order import (
    Chunk,
    Event,
    EventType,
    Order,
    Reauthorization,
    ReauthorizationStatus,
    Segment,
)

#: ``order_lines`` columns after ``order_id``, in the order :func:`line_row` gives them.
LINE_COLUMNS = (
    "id",
    "chunk",
    "position",
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
#: A stored line: (id, chunk, position, reference, …, total_vat).
LineRow = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class LineChanges:
    upserted: list[LineRow]
    deleted: list[str]


def _chunk_doc(chunk: Chunk) -> dict[str, Any]:
    return {
        "ledger_id": chunk.ledger_id,
        "created_at": chunk.created_at.isoformat(),
        "note": chunk.note,
        "document_number": chunk.document_number,
        "description": chunk.description,
        "action_reference": chunk.action_reference,
        "customer": chunk.customer,
        "refunds": chunk.refunds,
    }


def _chunk(doc: dict[str, Any], lines: dict[str, list[Line]]) -> Chunk:
    return Chunk(
        ledger_id=doc["ledger_id"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        lines=lines.get(doc["ledger_id"], []),
        note=doc["note"],
        document_number=doc["document_number"],
        description=doc["description"],
        action_reference=doc["action_reference"],
        customer=doc.get("customer"),
        refunds=doc.get("refunds"),
    )


def _line_list(line: Line) -> list[Any]:
    return list(line.values())


def _reauthorization_doc(pending: Reauthorization) -> dict[str, Any]:
    return {
        "id": pending.id,
        "status": pending.status,
        "lines": [_line_list(line) for line in pending.lines],
        "action_reference": pending.action_reference,
        "created_at": pending.created_at.isoformat(),
        "decide_at": pending.decide_at.isoformat(),
        "approve": pending.approve,
    }


def _reauthorization(doc: dict[str, Any]) -> Reauthorization:
    return Reauthorization(
        id=doc["id"],
        status=ReauthorizationStatus(doc["status"]),
        lines=[Line(*row) for row in doc["lines"]],
        action_reference=doc["action_reference"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        decide_at=datetime.fromisoformat(doc["decide_at"]),
        approve=doc["approve"],
    )


#: The chunk lists kept in ``order_chunks``, as ``order_chunks.kind`` names them.
HISTORY = ("captured", "refunded")


def state_doc(order: Order) -> dict[str, Any]:
    """The whole order but its lines and events (an order's version keeps it so):
    :func:`head_doc` and the issued chunks' headers."""
    return {
        **head_doc(order),
        "captured": [_chunk_doc(chunk) for chunk in order.captured],
        "refunded": [_chunk_doc(chunk) for chunk in order.refunded],
    }


def head_doc(order: Order) -> dict[str, Any]:
    """The ``orders.state`` document: everything but the lines, the events and the issued
    chunks' headers."""
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
        "cancelled": order.cancelled,
        "closed": order.closed,
        "items_replaced": order.items_replaced,
        "reauthorizations": [_reauthorization_doc(r) for r in order.reauthorizations],
        "acknowledged": order.acknowledged,
        "on_hold": order.on_hold,
        "rejected": order.rejected,
        "session_id": order.session_id,
    }


def chunk_rows(order: Order, issued: tuple[int, int] = (0, 0)) -> list[dict[str, Any]]:
    """The ``order_chunks`` rows of the chunks issued after the first ``issued`` (captured,
    refunded) ones — those the order was loaded with."""
    return [
        {"kind": kind, "n": n, "ledger_id": chunk.ledger_id, "header": _chunk_doc(chunk)}
        for kind, chunks, start in zip(
            HISTORY, (order.captured, order.refunded), issued, strict=True
        )
        for n, chunk in enumerate(chunks[start:], start=start)
    ]


def with_chunks(head: dict[str, Any], chunk_rows: list[list[Any]]) -> dict[str, Any]:
    """The whole state document from ``orders.state`` and the order's ``order_chunks`` rows
    as (kind, header) pairs in (kind, n) order."""
    doc: dict[str, Any] = {**head, "captured": [], "refunded": []}
    for kind, header in chunk_rows:
        doc[kind].append(header)
    return doc


def order_from_rows(
    doc: dict[str, Any], line_rows: list[LineRow], event_rows: list[list[Any]]
) -> Order:
    """The aggregate from its state document, its line rows (in chunk order) and events."""
    lines: dict[str, list[Line]] = {}
    for row in line_rows:
        lines.setdefault(row[1], []).append(Line(row[0], *row[3:]))
    return Order(
        id=doc["id"],
        provider=doc["provider"],
        merchant_id=doc["merchant_id"],
        store_id=doc["store_id"],
        currency=doc["currency"],
        country=doc["country"],
        segment=Segment(doc["segment"]),
        merchant_reference=doc["merchant_reference"],
        order_reference=doc["order_reference"],
        customer=doc["customer"],
        payment_method=doc["payment_method"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        expires_at=datetime.fromisoformat(doc["expires_at"]),
        authorized=doc["authorized"],
        uncaptured=_chunk(doc["uncaptured"], lines) if doc["uncaptured"] else None,
        captured=[_chunk(chunk, lines) for chunk in doc["captured"]],
        refunded=[_chunk(chunk, lines) for chunk in doc["refunded"]],
        cancelled=doc["cancelled"],
        closed=doc["closed"],
        items_replaced=doc["items_replaced"],
        reauthorizations=[_reauthorization(r) for r in doc.get("reauthorizations", ())],
        acknowledged=doc.get("acknowledged", True),  # orders from before 0020 count as acknowledged
        on_hold=doc.get("on_hold", False),
        rejected=doc.get("rejected", False),
        session_id=doc.get("session_id", ""),
        events=[
            Event(ev[0], EventType(ev[1]), ev[2], ev[3], datetime.fromisoformat(ev[4]))
            for ev in event_rows
        ],
    )


def _chunks(order: Order) -> list[Chunk]:
    chunks = [*order.captured, *order.refunded]
    if order.uncaptured is not None:
        chunks.append(order.uncaptured)
    return chunks


def line_rows(order: Order, before: dict[str, LineRow] | None = None) -> list[LineRow]:
    """Every line of ``order`` as a row. A line keeps the position it was stored with while
    that keeps its chunk in order, so moving lines out of a chunk rewrites none of the rest."""
    before = before or {}
    rows: list[LineRow] = []
    for chunk in _chunks(order):
        last = -1
        for line in chunk.lines:
            stored = before.get(line.id)
            keep = stored is not None and stored[1] == chunk.ledger_id and stored[2] > last
            position = stored[2] if keep and stored is not None else last + 1
            last = position
            rows.append((line.id, chunk.ledger_id, position, *line.values()[1:]))
    return rows


def line_changes(order: Order, before: dict[str, LineRow]) -> LineChanges:
    """The rows to write and the line ids to delete to store ``order`` over ``before``."""
    now = line_rows(order, before)
    upserted = [row for row in now if before.get(row[0]) != row]
    kept = {row[0] for row in now}
    return LineChanges(upserted, [line_id for line_id in before if line_id not in kept])


def event_doc(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "amount": event.amount,
        "ledger_id": event.ledger_id,
        "created_at": event.created_at.isoformat(),
    }

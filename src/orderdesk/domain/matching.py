"""Walley's best-effort item matching: which uncaptured line does a capture item name?"""

from __future__ import annotations

from dataclasses import dataclass

from orderdesk.domain import errors as e
from orderdesk.domain import ids
from orderdesk.domain.errors import DomainError
from orderdesk.domain.lines import Line, copy_line
from orderdesk.domain.vat import vat_amount


@dataclass(slots=True)
class ItemSpec:
    """A Walley capture item: matched best-effort against uncaptured lines."""

    unit_price: int
    quantity: int
    id: str | None = None
    description: str | None = None
    vat: int | None = None  # basis points
    type: str | None = None


def item_line(item: ItemSpec) -> Line:
    total = item.unit_price * item.quantity
    vat = item.vat or 0
    return Line(
        id=ids.prefixed(ids.ORDER_LINE),
        reference=item.id or "",
        description=item.description or "",
        type=item.type or "purchase",
        quantity=item.quantity,
        unit_price=item.unit_price,
        unit_discount=0,
        total_amount=total,
        vat=vat,
        total_vat=vat_amount(total, vat),
    )


def _effective_price(line: Line) -> int | None:
    if line.unit_price is None:
        return line.total_amount // line.quantity if line.quantity else None
    return line.unit_price - (line.unit_discount or 0)


def _item_fits(line: Line, item: ItemSpec) -> bool:
    return (
        line.quantity > 0
        and _effective_price(line) == item.unit_price
        and (item.id is None or line.reference == item.id)
        and (item.description is None or line.description == item.description)
        and (item.vat is None or line.vat == item.vat)
        and (item.type is None or line.type == item.type)
    )


def take_matching(pool: list[Line], item: ItemSpec, index: int) -> list[Line]:
    """Take ``item.quantity`` units from the one article in ``pool`` that ``item`` names.

    Several lines may hold the same article (after a split); they are interchangeable. Lines
    that differ in article number, description, VAT or type make the item ambiguous.
    """
    where = f"items[{index}]"
    candidates = [line for line in pool if _item_fits(line, item)]
    label = item.id or item.description or f"unitPrice {item.unit_price}"
    if not candidates:
        raise DomainError(
            e.CAPTURE_ITEM_NOT_MATCHED,
            f"{where} ({label}) matches no uncaptured item on the order",
            field=where,
        )
    articles = {(c.reference, c.description, c.vat, c.type) for c in candidates}
    if len(articles) > 1:
        raise DomainError(
            e.CAPTURE_ITEM_AMBIGUOUS,
            f"{where} ({label}) matches {len(articles)} different items; add id, "
            "description or vat to single one out",
            field=where,
        )
    available = sum(c.quantity for c in candidates)
    if item.quantity > available:
        raise DomainError(
            e.CAPTURE_ITEM_QUANTITY_TOO_LARGE,
            f"{where} ({label}) asks for {item.quantity} but only {available} are uncaptured",
            field=where,
        )
    wanted = item.quantity
    taken: list[Line] = []
    for line in candidates:
        if wanted == 0:
            break
        qty = min(wanted, line.quantity)
        taken.append(_split_off(line, qty))
        wanted -= qty
    return taken


def _split_off(line: Line, qty: int) -> Line:
    """Remove ``qty`` units from ``line`` (in place) and return them as a line of their own."""
    if qty == line.quantity:
        part = copy_line(line)
        line.quantity = 0
        return part
    price = _effective_price(line) or 0
    total = price * qty
    vat = vat_amount(total, line.vat)
    part = Line(
        id=ids.prefixed(ids.ORDER_LINE),
        reference=line.reference,
        description=line.description,
        type=line.type,
        quantity=qty,
        unit_price=line.unit_price,
        unit_discount=line.unit_discount,
        total_amount=total,
        vat=line.vat,
        total_vat=vat,
    )
    line.quantity -= qty
    line.total_amount -= total
    line.total_vat -= vat
    return part

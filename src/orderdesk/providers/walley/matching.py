"""Walley's best-effort item matching: which line does a capture (or refund) item name?

An item's ``type`` only narrows a choice: Walley's clients send their own vocabulary
(``purchase``, ``fee``, ``discount``) whatever the order's lines say, so a type never blocks an
otherwise unique match; it singles one out when several articles fit.
"""

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


@dataclass(frozen=True, slots=True)
class MatchCodes:
    """The error codes a matching failure is reported with (capture's or refund's)."""

    not_matched: str = e.CAPTURE_ITEM_NOT_MATCHED
    ambiguous: str = e.CAPTURE_ITEM_AMBIGUOUS
    quantity_too_large: str = e.CAPTURE_ITEM_QUANTITY_TOO_LARGE
    what: str = "uncaptured"


CAPTURE_CODES = MatchCodes()
REFUND_CODES = MatchCodes(
    e.REFUND_ITEM_NOT_MATCHED,
    e.REFUND_ITEM_AMBIGUOUS,
    e.REFUND_ITEM_QUANTITY_TOO_LARGE,
    "captured and not refunded",
)


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


def effective_price(line: Line) -> int | None:
    if line.unit_price is None:
        return line.total_amount // line.quantity if line.quantity else None
    return line.unit_price - (line.unit_discount or 0)


def _item_fits(line: Line, item: ItemSpec) -> bool:
    return (
        line.quantity > 0
        and effective_price(line) == item.unit_price
        and (item.id is None or line.reference == item.id)
        and (item.description is None or line.description == item.description)
        and (item.vat is None or line.vat == item.vat)
    )


def article(line: Line) -> tuple[str, str, int | None, int, str]:
    """What makes two lines the same article (their units are interchangeable)."""
    return (line.reference, line.description, effective_price(line), line.vat, line.type)


def take_matching(
    pool: list[Line], item: ItemSpec, index: int, codes: MatchCodes = CAPTURE_CODES
) -> list[Line]:
    """Take ``item.quantity`` units from the one article in ``pool`` that ``item`` names.

    Several lines may hold the same article (after a split); they are interchangeable. Lines
    that differ in article number, description or VAT make the item ambiguous; its type
    singles one out when it can, and is ignored when it cannot.
    """
    where = f"items[{index}]"
    candidates = [line for line in pool if _item_fits(line, item)]
    label = item.id or item.description or f"unitPrice {item.unit_price}"
    if not candidates:
        raise DomainError(
            codes.not_matched,
            f"{where} ({label}) matches no {codes.what} item on the order",
            field=where,
        )
    articles = {(c.reference, c.description, c.vat, c.type) for c in candidates}
    if len(articles) > 1 and item.type is not None:
        typed = [c for c in candidates if c.type == item.type]
        if typed:
            candidates = typed
            articles = {(c.reference, c.description, c.vat, c.type) for c in candidates}
    if len(articles) > 1:
        raise DomainError(
            codes.ambiguous,
            f"{where} ({label}) matches {len(articles)} different items; add id, "
            "description or vat to single one out",
            field=where,
        )
    available = sum(c.quantity for c in candidates)
    if item.quantity > available:
        raise DomainError(
            codes.quantity_too_large,
            f"{where} ({label}) asks for {item.quantity} but only {available} are {codes.what}",
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


def units_named(pool: list[Line], item: ItemSpec) -> int:
    """How many units of ``pool`` fit ``item`` (of any article that fits)."""
    return sum(line.quantity for line in pool if _item_fits(line, item))


def remove_units(pool: list[Line], gone: Line) -> None:
    """Take ``gone``'s units out of the lines of ``pool`` that hold the same article."""
    wanted = gone.quantity
    key = article(gone)
    for line in pool:
        if wanted <= 0:
            return
        if line.quantity > 0 and article(line) == key:
            qty = min(wanted, line.quantity)
            _split_off(line, qty)
            wanted -= qty


def _split_off(line: Line, qty: int) -> Line:
    """Remove ``qty`` units from ``line`` (in place) and return them as a line of their own."""
    if qty == line.quantity:
        part = copy_line(line)
        line.quantity = 0
        return part
    price = effective_price(line) or 0
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

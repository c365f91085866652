"""Order lines: their shape, the per-line rules, and the rows orderdesk makes itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orderdesk.domain import errors as e
from orderdesk.domain import ids
from orderdesk.domain.errors import DomainError
from orderdesk.domain.vat import MAX_VAT_BP, vat_amount, vat_within_tolerance

MAX_QUANTITY = 1_000_000
#: Lines an order is made with, and lines or items one request may name (an orderdesk limit:
#: neither provider documents one; a capture may still name every line of an order once).
MAX_LINES = 5_000


@dataclass(slots=True)
class Line:
    """An order line. Amounts are minor units, VAT included; ``vat`` is in basis points."""

    id: str
    reference: str
    description: str
    type: str
    quantity: int
    unit_price: int | None
    unit_discount: int | None
    total_amount: int
    vat: int
    total_vat: int

    def values(self) -> tuple[Any, ...]:
        """The fields in declaration order (``Line(*line.values())`` is a copy)."""
        return (
            self.id,
            self.reference,
            self.description,
            self.type,
            self.quantity,
            self.unit_price,
            self.unit_discount,
            self.total_amount,
            self.vat,
            self.total_vat,
        )

    def same_goods(self, other: Line) -> bool:
        """True when ``other`` describes the same goods and money (ids aside)."""
        return (
            self.reference == other.reference
            and self.quantity == other.quantity
            and self.total_amount == other.total_amount
            and self.vat == other.vat
        )


@dataclass(slots=True)
class CaptureLine:
    """A line a client asks to capture (Ledyer). ``id`` names an uncaptured line, or is None."""

    id: str | None
    reference: str
    description: str
    type: str
    quantity: int
    unit_price: int | None
    unit_discount: int | None
    total_amount: int
    vat: int
    total_vat: int


def check_line(line: CaptureLine | Line, where: str) -> None:
    """A line on its own: quantity, VAT rate and the ±1 VAT rule."""
    if line.quantity < 0 or line.quantity > MAX_QUANTITY:
        raise DomainError(
            e.INVALID_QUANTITY, f"{where}.quantity must be 0..{MAX_QUANTITY}", field=where
        )
    if not 0 <= line.vat <= MAX_VAT_BP:
        raise DomainError(
            e.INVALID_VAT_RATE, f"{where}.vat must be 0..{MAX_VAT_BP} basis points", field=where
        )
    if not vat_within_tolerance(line.total_amount, line.vat, line.total_vat):
        expected = vat_amount(line.total_amount, line.vat)
        raise DomainError(
            e.VAT_AMOUNT_OUT_OF_TOLERANCE,
            f"{where}.totalVatAmount {line.total_vat} is not within ±1 of {expected} "
            f"({line.vat / 100:g} % of {line.total_amount})",
            field=f"{where}.totalVatAmount",
        )
    if line.unit_price is not None:
        discount = line.unit_discount or 0
        expected_total = line.quantity * (line.unit_price - discount)
        if expected_total != line.total_amount:
            raise DomainError(
                e.LINE_TOTAL_MISMATCH,
                f"{where}.totalAmount {line.total_amount} is not quantity × (unitPrice − "
                f"unitDiscountAmount) = {expected_total}",
                field=f"{where}.totalAmount",
            )


def check_lines_total(lines: list[CaptureLine], total: int, total_field: str) -> None:
    for index, line in enumerate(lines):
        check_line(line, f"orderLines[{index}]")
    line_sum = sum(line.total_amount for line in lines)
    if line_sum != total:
        raise DomainError(
            e.TOTAL_AMOUNT_MISMATCH,
            f"{total_field} {total} is not the sum of the lines' totalAmount ({line_sum})",
            field=total_field,
        )


def new_line(sent: CaptureLine) -> Line:
    return Line(
        id=ids.prefixed(ids.ORDER_LINE),
        reference=sent.reference,
        description=sent.description,
        type=sent.type,
        quantity=sent.quantity,
        unit_price=sent.unit_price,
        unit_discount=sent.unit_discount,
        total_amount=sent.total_amount,
        vat=sent.vat,
        total_vat=sent.total_vat,
    )


def copy_line(line: Line) -> Line:
    return Line(*line.values())


def amount_row(amount: int, description: str) -> Line:
    """A single row without VAT standing for an amount (capture by amount, remainders)."""
    return Line(
        id=ids.prefixed(ids.ORDER_LINE),
        reference="",
        description=description,
        type="purchase",
        quantity=1,
        unit_price=amount,
        unit_discount=0,
        total_amount=amount,
        vat=0,
        total_vat=0,
    )


def priced_line(
    reference: str, description: str, quantity: int, unit_price: int, vat: int
) -> CaptureLine:
    """A line from a unit price: total and VAT computed exactly (demo data, tests)."""
    total = quantity * unit_price
    return CaptureLine(
        id=None,
        reference=reference,
        description=description,
        type="physical",
        quantity=quantity,
        unit_price=unit_price,
        unit_discount=0,
        total_amount=total,
        vat=vat,
        total_vat=vat_amount(total, vat),
    )

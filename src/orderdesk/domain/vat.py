"""The VAT rule shared by both dialects.

A line's VAT is included in its total: ``totalVatAmount = total · vat / (10000 + vat)`` with
``vat`` in basis points (2500 = 25 %). Clients compute it with their own rounding, so an input
is accepted when it lies within ±1 minor unit of the exact value; amounts we compute ourselves
are rounded half away from zero.
"""

from __future__ import annotations

MAX_VAT_BP = 10000  # 100 %; no VAT rate anywhere is higher


def vat_amount(total: int, vat_bp: int) -> int:
    """The VAT part of ``total`` (minor units, VAT included) at ``vat_bp`` basis points."""
    num, den = abs(total) * vat_bp, 10000 + vat_bp
    rounded = (2 * num + den) // (2 * den)  # half away from zero, on the magnitude
    return rounded if total >= 0 else -rounded


def vat_within_tolerance(total: int, vat_bp: int, given: int) -> bool:
    """True when ``given`` is within ±1 minor unit of the exact VAT part of ``total``."""
    den = 10000 + vat_bp
    return abs(given * den - total * vat_bp) <= den

"""Money as integer minor units, ISO 4217 exponents, strict decimal parsing and display strings.

Amounts never pass through ``float``: Walley's decimal amounts are parsed from the JSON text
as :class:`~decimal.Decimal` and converted to minor units here; everything downstream is ``int``.
"""

from __future__ import annotations

import re
from decimal import Decimal

# ISO 4217 minor-unit exponents. Only currencies whose exponent differs from 2 are listed in
# ``_EXPONENT_OVERRIDES``; every code in ``_CURRENCIES`` not listed there has exponent 2.
# (CLDR/Babel "digits" differ from ISO 4217 for ~36 currencies, so this table is our own.)
_EXPONENT_OVERRIDES: dict[str, int] = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}  # fmt: skip

_CURRENCIES = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
    FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD
    JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
    MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
    QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS
    TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UYW UZS VES VND VUV WST XAF XCD XOF XPF
    YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905
)

_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

#: Largest absolute amount accepted anywhere, in minor units (fits BIGINT with room for sums).
MAX_MINOR = 10**15
_MAX_DIGITS = 15  # MAX_MINOR = 10**_MAX_DIGITS


class MoneyFormatError(ValueError):
    """A decimal amount that cannot be represented exactly in minor units."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "too_many_decimals" | "not_a_number" | "out_of_range"


def is_currency(code: str) -> bool:
    return code in _CURRENCIES


def exponent(currency: str) -> int:
    """ISO 4217 minor-unit exponent of ``currency`` (``KeyError`` if unknown)."""
    if currency not in _CURRENCIES:
        raise KeyError(currency)
    return _EXPONENT_OVERRIDES.get(currency, 2)


def to_minor(value: Decimal, exp: int) -> int:
    """Convert a decimal major-unit amount to minor units without rounding.

    Trailing zeros are fine (``285.000`` is 28500 at exponent 2); a non-zero digit beyond the
    exponent is a ``MoneyFormatError("too_many_decimals")``, never a rounding. Worked out on
    the decimal's own digits with integers, so no ``decimal`` context (precision, rounding)
    can change the result.
    """
    if not value.is_finite():
        raise MoneyFormatError("not_a_number")
    sign, digits, power = value.as_tuple()
    assert isinstance(power, int)  # finite
    while len(digits) > 1 and digits[-1] == 0:  # 285.000 → 285: trailing zeros change nothing
        digits, power = digits[:-1], power + 1
    if not any(digits):
        return 0
    if value.adjusted() + exp >= _MAX_DIGITS:  # |value| ≥ MAX_MINOR minor units
        raise MoneyFormatError("out_of_range")
    shift = power + exp
    if shift < 0:  # a non-zero digit below the minor unit
        raise MoneyFormatError("too_many_decimals")
    minor: int = int("".join(map(str, digits))) * 10**shift
    return -minor if sign else minor


def parse_decimal_text(text: str) -> Decimal:
    """Parse a plain decimal string such as ``"285.00"`` or ``"95"`` (no exponent, no spaces)."""
    if len(text) > 40 or not _DECIMAL_TEXT.fullmatch(text):
        raise MoneyFormatError("not_a_number")
    return Decimal(text)


def major_string(minor: int, exp: int) -> str:
    """``489000, 2`` → ``"4890.00"``: the plain decimal text of an amount."""
    sign = "-" if minor < 0 else ""
    if exp == 0:
        return f"{sign}{abs(minor)}"
    whole, frac = divmod(abs(minor), 10**exp)
    return f"{sign}{whole}.{frac:0{exp}d}"


def grouped_string(minor: int, exp: int) -> str:
    """``489000, 2`` → ``"4,890.00"``: en_US digit grouping (comma thousands, dot decimals)."""
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**exp)
    if exp == 0:
        return f"{sign}{whole:,}"
    return f"{sign}{whole:,}.{frac:0{exp}d}"

from decimal import Decimal

import pytest

from orderdesk.domain.money import (
    MoneyFormatError,
    exponent,
    grouped_string,
    is_currency,
    major_string,
    parse_decimal_text,
    to_minor,
)


@pytest.mark.parametrize(
    ("currency", "exp"), [("SEK", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("CLF", 4), ("ISK", 0)]
)
def test_iso_4217_exponents(currency: str, exp: int) -> None:
    assert exponent(currency) == exp


def test_unknown_currency_is_not_a_currency() -> None:
    assert not is_currency("XXX")
    assert not is_currency("sek")
    with pytest.raises(KeyError):
        exponent("ABC")


@pytest.mark.parametrize(
    ("text", "exp", "minor"),
    [
        ("285.0", 2, 28500),
        ("95", 2, 9500),
        ("285.00", 2, 28500),
        ("285.000", 2, 28500),
        ("0.29", 2, 29),
        ("-0", 2, 0),
        ("1.5", 0, None),
        ("12.345", 3, 12345),
    ],
)
def test_to_minor_is_exact(text: str, exp: int, minor: int | None) -> None:
    if minor is None:
        with pytest.raises(MoneyFormatError) as err:
            to_minor(Decimal(text), exp)
        assert err.value.reason == "too_many_decimals"
    else:
        assert to_minor(Decimal(text), exp) == minor


def test_more_decimals_is_an_error_never_a_rounding() -> None:
    with pytest.raises(MoneyFormatError) as err:
        to_minor(Decimal("285.001"), 2)
    assert err.value.reason == "too_many_decimals"


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("1e309")])
def test_non_finite_and_huge_amounts_are_refused(value: Decimal) -> None:
    with pytest.raises(MoneyFormatError) as err:
        to_minor(value, 2)
    assert err.value.reason in {"not_a_number", "out_of_range"}


@pytest.mark.parametrize("text", ["", "1e2", " 1", "1.2.3", "abc", "١٢", "+", ".", "0x10"])
def test_decimal_text_is_plain_digits_only(text: str) -> None:
    with pytest.raises(MoneyFormatError):
        parse_decimal_text(text)


@pytest.mark.parametrize(
    ("minor", "exp", "plain", "grouped"),
    [
        (489000, 2, "4890.00", "4,890.00"),
        (1488000, 2, "14880.00", "14,880.00"),
        (0, 2, "0.00", "0.00"),
        (-119800, 2, "-1198.00", "-1,198.00"),
        (5, 2, "0.05", "0.05"),
        (123456789, 0, "123456789", "123,456,789"),
        (1234567, 3, "1234.567", "1,234.567"),
    ],
)
def test_display_strings(minor: int, exp: int, plain: str, grouped: str) -> None:
    assert major_string(minor, exp) == plain
    assert grouped_string(minor, exp) == grouped

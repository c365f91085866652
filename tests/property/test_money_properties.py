"""Hypothesis properties of the money and VAT rules."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from orderdesk.domain.money import MoneyFormatError, grouped_string, major_string, to_minor
from orderdesk.domain.vat import vat_amount, vat_within_tolerance

amounts = st.integers(min_value=-(10**14), max_value=10**14)
exponents = st.sampled_from([0, 2, 3, 4])
vat_rates = st.integers(min_value=0, max_value=10000)


@given(amounts, exponents)
def test_text_round_trips_to_the_same_minor_units(minor: int, exp: int) -> None:
    assert to_minor(Decimal(major_string(minor, exp)), exp) == minor
    assert grouped_string(minor, exp).replace(",", "") == major_string(minor, exp)


@given(amounts, exponents, st.integers(min_value=1, max_value=9))
def test_one_digit_too_many_is_refused(minor: int, exp: int, extra: int) -> None:
    text = major_string(minor, exp) + ("." if exp == 0 else "") + str(extra)
    try:
        to_minor(Decimal(text), exp)
    except MoneyFormatError as err:
        assert err.reason == "too_many_decimals"
    else:
        raise AssertionError(f"{text} was accepted at exponent {exp}")


@given(amounts, vat_rates)
def test_computed_vat_is_within_tolerance_and_bounded(total: int, vat: int) -> None:
    computed = vat_amount(total, vat)
    assert vat_within_tolerance(total, vat, computed)
    assert abs(computed) <= abs(total)
    assert (computed >= 0) == (total >= 0) or computed == 0


@given(amounts, vat_rates)
def test_vat_is_odd_symmetric(total: int, vat: int) -> None:
    assert vat_amount(-total, vat) == -vat_amount(total, vat)


@given(amounts, vat_rates, st.integers(min_value=2, max_value=10**6))
def test_values_two_off_are_refused(total: int, vat: int, off: int) -> None:
    exact_floor = total * vat // (10000 + vat)
    assert not vat_within_tolerance(total, vat, exact_floor + 1 + off)
    assert not vat_within_tolerance(total, vat, exact_floor - off)

"""Money never depends on the ambient decimal context (issue 9's first bug)."""

import decimal
from decimal import Decimal

import pytest

from orderdesk.domain.money import MoneyFormatError, to_minor

# 31 significant digits: more than the default context's 28, so ``scaleb`` used to round it
TOO_PRECISE = Decimal("285.000000000000000000000000001")


@pytest.mark.parametrize("prec", [1, 3, 5, 28, 50])
@pytest.mark.parametrize("rounding", [decimal.ROUND_HALF_EVEN, decimal.ROUND_DOWN])
def test_to_minor_is_exact_whatever_the_context(prec: int, rounding: str) -> None:
    with decimal.localcontext() as ctx:
        ctx.prec, ctx.rounding = prec, rounding
        with pytest.raises(MoneyFormatError) as err:
            to_minor(TOO_PRECISE, 2)
        assert err.value.reason == "too_many_decimals"
        with pytest.raises(MoneyFormatError) as err:
            to_minor(Decimal("0.001"), 2)
        assert err.value.reason == "too_many_decimals"
        assert to_minor(Decimal("285.000000000000000000000000000"), 2) == 28500
        assert to_minor(Decimal("123456789.12"), 2) == 12345678912
        assert to_minor(Decimal("-4890.10"), 2) == -489010
        assert to_minor(Decimal("9999999999999.99"), 2) == 999999999999999
        assert to_minor(Decimal("1.5"), 3) == 1500
        assert to_minor(Decimal("0E-40"), 2) == 0
        with pytest.raises(MoneyFormatError) as err:
            to_minor(Decimal("10000000000000.00"), 2)
        assert err.value.reason == "out_of_range"


def test_the_default_context_cannot_hold_the_amount() -> None:
    # the reason the bug existed: scaling in the default context rounds the last digit away
    assert TOO_PRECISE.scaleb(2) == Decimal("28500.00000000000000000000000")
    with pytest.raises(MoneyFormatError):
        to_minor(TOO_PRECISE, 2)

"""domain/lines.py: the per-line rules, the lines' total, and the rows orderdesk makes itself."""

import pytest

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.lines import (
    MAX_QUANTITY,
    CaptureLine,
    amount_row,
    check_line,
    check_lines_total,
    priced_line,
)


def sent(
    quantity: int = 2,
    unit_price: int | None = 1000,
    total: int = 2000,
    vat: int = 2500,
    total_vat: int = 400,
    discount: int | None = 0,
) -> CaptureLine:
    return CaptureLine(
        id=None,
        reference="R",
        description="D",
        type="physical",
        quantity=quantity,
        unit_price=unit_price,
        unit_discount=discount,
        total_amount=total,
        vat=vat,
        total_vat=total_vat,
    )


def failure(line: CaptureLine, where: str = "orderLines[3]") -> tuple[str, str | None, Kind]:
    with pytest.raises(DomainError) as err:
        check_line(line, where)
    return err.value.code, err.value.field, err.value.kind


def test_a_consistent_line_passes() -> None:
    check_line(sent(), "orderLines[0]")
    check_line(sent(quantity=0, total=0, total_vat=0), "orderLines[0]")
    check_line(
        sent(quantity=MAX_QUANTITY, unit_price=1, total=MAX_QUANTITY, vat=0, total_vat=0), "x"
    )
    # no unit price: the total stands on its own
    check_line(sent(quantity=3, unit_price=None, total=1000, total_vat=200), "orderLines[0]")


@pytest.mark.parametrize("quantity", [-1, MAX_QUANTITY + 1])
def test_quantity_out_of_range(quantity: int) -> None:
    assert failure(sent(quantity=quantity)) == (e.INVALID_QUANTITY, "orderLines[3]", Kind.RULE)


@pytest.mark.parametrize("vat", [-1, 10001])
def test_vat_rate_out_of_range(vat: int) -> None:
    assert failure(sent(vat=vat)) == (e.INVALID_VAT_RATE, "orderLines[3]", Kind.RULE)


def test_vat_amount_within_one_minor_unit() -> None:
    check_line(sent(total_vat=399), "x")
    check_line(sent(total_vat=401), "x")
    for wrong in (398, 402):
        assert failure(sent(total_vat=wrong)) == (
            e.VAT_AMOUNT_OUT_OF_TOLERANCE,
            "orderLines[3].totalVatAmount",
            Kind.RULE,
        )
    with pytest.raises(DomainError) as err:
        check_line(sent(total_vat=402), "orderLines[3]")
    assert err.value.message == (
        "orderLines[3].totalVatAmount 402 is not within ±1 of 400 (25 % of 2000)"
    )


def test_total_must_be_quantity_times_price_after_discount() -> None:
    assert failure(sent(total=2001, total_vat=400)) == (
        e.LINE_TOTAL_MISMATCH,
        "orderLines[3].totalAmount",
        Kind.RULE,
    )
    check_line(sent(discount=100, total=1800, total_vat=360), "x")
    check_line(sent(discount=None, total=2000), "x")
    with pytest.raises(DomainError) as err:
        check_line(sent(discount=100, total=2000), "orderLines[0]")
    assert err.value.code == e.LINE_TOTAL_MISMATCH
    assert "= 1800" in err.value.message


def test_the_first_rule_broken_wins() -> None:
    # quantity before VAT rate before VAT amount before the line total
    assert failure(sent(quantity=-1, vat=-1, total_vat=9, total=7))[0] == e.INVALID_QUANTITY
    assert failure(sent(vat=-1, total_vat=9, total=7))[0] == e.INVALID_VAT_RATE
    assert failure(sent(total_vat=9, total=7))[0] == e.VAT_AMOUNT_OUT_OF_TOLERANCE


def test_lines_total_checks_each_line_by_index_then_the_sum() -> None:
    good = sent()
    check_lines_total([good, good], 4000, "totalCaptureAmount")
    with pytest.raises(DomainError) as err:
        check_lines_total([good, good], 4001, "totalCaptureAmount")
    assert (err.value.code, err.value.field) == (e.TOTAL_AMOUNT_MISMATCH, "totalCaptureAmount")
    assert err.value.message == (
        "totalCaptureAmount 4001 is not the sum of the lines' totalAmount (4000)"
    )
    with pytest.raises(DomainError) as err:
        check_lines_total([good, sent(total_vat=0)], 4000, "totalOrderAmount")
    assert (err.value.code, err.value.field) == (
        e.VAT_AMOUNT_OUT_OF_TOLERANCE,
        "orderLines[1].totalVatAmount",
    )


def test_amount_row_is_one_row_without_vat() -> None:
    row = amount_row(18500, "Remaining amount")
    assert row.id.startswith("ol_")
    assert (
        row.reference,
        row.description,
        row.type,
        row.quantity,
        row.unit_price,
        row.unit_discount,
        row.total_amount,
        row.vat,
        row.total_vat,
    ) == ("", "Remaining amount", "purchase", 1, 18500, 0, 18500, 0, 0)
    assert amount_row(1, "x").id != row.id
    check_line(row, "x")


def test_priced_line_computes_total_and_vat_exactly() -> None:
    line = priced_line("1334227", "Samsung", 3, 9999, 2500)
    assert (
        line.id,
        line.reference,
        line.description,
        line.type,
        line.quantity,
        line.unit_price,
        line.unit_discount,
        line.total_amount,
        line.vat,
        line.total_vat,
    ) == (None, "1334227", "Samsung", "physical", 3, 9999, 0, 29997, 2500, 5999)
    check_line(line, "x")
    assert priced_line("a", "b", 1, 9, 1200).total_vat == 1  # 0.964… rounds to 1

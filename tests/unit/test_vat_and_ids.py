import pytest

from orderdesk.domain.ids import (
    is_uuid,
    ksuid_decode,
    ksuid_encode,
    new_uuid,
    order_reference,
    prefixed,
)
from orderdesk.domain.vat import vat_amount, vat_within_tolerance


@pytest.mark.parametrize(
    ("total", "vat", "expected"),
    [
        (489000, 2500, 97800),
        (999000, 2500, 199800),
        (500000, 2500, 100000),
        (4077000, 2500, 815400),
    ],
)
def test_vat_of_the_seed_lines(total: int, vat: int, expected: int) -> None:
    assert vat_amount(total, vat) == expected
    assert vat_within_tolerance(total, vat, expected)


def test_vat_rounds_half_away_from_zero() -> None:
    # 10 at 25 % → exactly 2; 11 at 25 % → 2.2 → 2; 13 → 2.6 → 3; and symmetric for negatives
    assert [vat_amount(t, 2500) for t in (10, 11, 13, -13)] == [2, 2, 3, -3]
    # 1 at 6 % = 0.0566… → 0 ; 9 at 12 % = 0.964… → 1
    assert vat_amount(1, 600) == 0
    assert vat_amount(9, 1200) == 1


def test_vat_tolerance_is_plus_minus_one() -> None:
    assert vat_within_tolerance(489000, 2500, 97799)
    assert vat_within_tolerance(489000, 2500, 97801)
    assert not vat_within_tolerance(489000, 2500, 97798)
    assert not vat_within_tolerance(489000, 2500, 97802)


def test_ksuid_matches_the_reference_vector() -> None:
    raw = bytes.fromhex("0669F7EFB5A1CD34B5F99D1154FB6853345C9735")
    assert ksuid_encode(raw) == "0ujtsYcgvSTl8PAuAdqWYSMnLOv"
    assert ksuid_decode("0ujtsYcgvSTl8PAuAdqWYSMnLOv") == raw


def test_the_seed_order_id_is_a_ksuid_from_2023() -> None:
    raw = ksuid_decode("2OC51O5BycRRDboM4PPjYSz0vm5")
    assert int.from_bytes(raw[:4], "big") + 1_400_000_000 == 1681051507  # 2023-04-09 14:45:07Z


def test_prefixed_ids() -> None:
    order_id = prefixed("or")
    assert order_id.startswith("or_") and len(order_id) == 30
    head, _, body = order_id.partition("_")
    assert head == "or" and len(ksuid_decode(body)) == 20
    assert prefixed("oe") != prefixed("oe")


def test_uuids_and_references() -> None:
    assert is_uuid(new_uuid())
    assert not is_uuid("or_2OC51O5BycRRDboM4PPjYSz0vm5")
    assert not is_uuid("1b1f5ef6-92n1-4b46-b1dc-ae2e00c4c315")
    ref = order_reference()
    assert len(ref) == 8 and ref.isalnum() and ref.isupper()

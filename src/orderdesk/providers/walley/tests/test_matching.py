"""providers/walley/matching.py: which uncaptured lines a Walley capture item takes, without a
database."""

import pytest

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError
from orderdesk.domain.lines import Line
from orderdesk.domain.vat import vat_amount
from orderdesk.providers.walley.matching import ItemSpec, LinePool, item_line


def stored(
    reference: str,
    quantity: int,
    unit_price: int | None,
    vat: int = 2500,
    description: str | None = None,
    total: int | None = None,
    type_: str = "physical",
    line_id: str | None = None,
) -> Line:
    amount = total if total is not None else quantity * (unit_price or 0)
    return Line(
        id=line_id or f"ol_{reference}",
        reference=reference,
        description=description or reference,
        type=type_,
        quantity=quantity,
        unit_price=unit_price,
        unit_discount=0,
        total_amount=amount,
        vat=vat,
        total_vat=vat_amount(amount, vat),
    )


def refused(pool: list[Line], item: ItemSpec, index: int = 0) -> DomainError:
    before = [(ln.quantity, ln.total_amount, ln.total_vat) for ln in pool]
    with pytest.raises(DomainError) as err:
        LinePool(pool).take(item, index)
    assert [(ln.quantity, ln.total_amount, ln.total_vat) for ln in pool] == before
    return err.value


def test_an_item_matching_no_line_is_not_matched_and_names_its_index() -> None:
    pool = [stored("10001", 1, 9500)]
    err = refused(pool, ItemSpec(9400, 1, id="10001"), index=2)
    assert (err.code, err.field) == (e.CAPTURE_ITEM_NOT_MATCHED, "items[2]")
    assert "10001" in err.message
    # the price matches but the article number does not
    err = refused(pool, ItemSpec(9500, 1, id="99999"))
    assert err.code == e.CAPTURE_ITEM_NOT_MATCHED
    # a line with nothing left is no candidate
    assert refused([stored("10001", 0, 9500)], ItemSpec(9500, 1)).code == (
        e.CAPTURE_ITEM_NOT_MATCHED
    )


def test_two_articles_at_one_price_are_ambiguous_until_singled_out() -> None:
    pool = [stored("10001", 1, 9500, description="Shoes"), stored("10002", 2, 9500)]
    err = refused(pool, ItemSpec(9500, 1))
    assert (err.code, err.field) == (e.CAPTURE_ITEM_AMBIGUOUS, "items[0]")
    assert "2 different items" in err.message
    for single_out in (
        ItemSpec(9500, 1, id="10001"),
        ItemSpec(9500, 1, description="Shoes"),
    ):
        pool = [stored("10001", 1, 9500, description="Shoes"), stored("10002", 2, 9500)]
        taken = LinePool(pool).take(single_out, 0)
        assert [(ln.reference, ln.quantity) for ln in taken] == [("10001", 1)]
        assert [ln.quantity for ln in pool] == [0, 2]
    # a VAT rate or a type singles one out too
    pool = [stored("A", 1, 100, vat=2500), stored("A", 1, 100, vat=1200)]
    assert [ln.vat for ln in LinePool(pool).take(ItemSpec(100, 1, vat=1200), 0)] == [1200]
    pool = [stored("A", 1, 100, type_="physical"), stored("A", 1, 100, type_="digital")]
    assert refused(pool, ItemSpec(100, 1)).code == e.CAPTURE_ITEM_AMBIGUOUS
    assert [ln.type for ln in LinePool(pool).take(ItemSpec(100, 1, type="digital"), 0)] == [
        "digital"
    ]


def test_asking_for_more_units_than_are_uncaptured() -> None:
    pool = [stored("10002", 2, 9500)]
    err = refused(pool, ItemSpec(9500, 3, id="10002"), index=1)
    assert (err.code, err.field) == (e.CAPTURE_ITEM_QUANTITY_TOO_LARGE, "items[1]")
    assert "asks for 3 but only 2 are uncaptured" in err.message


def test_taking_a_whole_line_moves_it_with_its_id() -> None:
    pool = [stored("10001", 2, 9500, line_id="ol_a")]
    taken = LinePool(pool).take(ItemSpec(9500, 2), 0)
    assert [(ln.id, ln.quantity, ln.total_amount, ln.total_vat) for ln in taken] == [
        ("ol_a", 2, 19000, 3800)
    ]
    assert (pool[0].quantity, pool[0].id) == (0, "ol_a")


def test_splitting_a_line_keeps_its_vat_exact() -> None:
    # 3 × 99.99 at 25 %: VAT 5999 (5999.4); one unit is 2000 (1999.8), so two keep 3999
    line = stored("X", 3, 9999, line_id="ol_x")
    assert line.total_vat == 5999
    pool = [line]
    taken = LinePool(pool).take(ItemSpec(9999, 1), 0)
    assert len(taken) == 1
    part = taken[0]
    assert (part.quantity, part.total_amount, part.total_vat) == (1, 9999, 2000)
    assert part.id != "ol_x" and part.id.startswith("ol_")
    assert (part.reference, part.vat, part.unit_price) == ("X", 2500, 9999)
    assert (line.id, line.quantity, line.total_amount, line.total_vat) == ("ol_x", 2, 19998, 3999)
    assert part.total_vat + line.total_vat == 5999
    # and again: the last unit takes what is left of the VAT, to the minor unit
    second = LinePool(pool).take(ItemSpec(9999, 1), 0)[0]
    assert (second.total_amount, second.total_vat) == (9999, 2000)
    assert (line.quantity, line.total_amount, line.total_vat) == (1, 9999, 1999)
    last = LinePool(pool).take(ItemSpec(9999, 1), 0)[0]
    assert (last.id, last.total_amount, last.total_vat) == ("ol_x", 9999, 1999)
    assert part.total_vat + second.total_vat + last.total_vat == 5999


def test_lines_of_one_article_are_interchangeable() -> None:
    # the same article on two lines (after a split): an item takes from both, in order
    pool = [stored("A", 2, 500, line_id="ol_1"), stored("A", 2, 500, line_id="ol_2")]
    taken = LinePool(pool).take(ItemSpec(500, 3, id="A"), 0)
    assert [(ln.id, ln.quantity, ln.total_amount) for ln in taken] == [
        ("ol_1", 2, 1000),
        (taken[1].id, 1, 500),
    ]
    assert taken[1].id not in ("ol_1", "ol_2")
    assert [(ln.id, ln.quantity, ln.total_amount) for ln in pool] == [
        ("ol_1", 0, 1000),  # a line taken whole keeps its total; the caller drops it
        ("ol_2", 1, 500),
    ]
    assert sum(ln.total_amount for ln in taken) == 1500


def test_a_line_without_unit_price_matches_on_its_whole_unit_price() -> None:
    # 3 units worth 1000 together: each unit is priced 333 (1000 // 3), so 333 matches
    pool = [stored("N", 3, None, total=1000, vat=0)]
    part = LinePool(pool).take(ItemSpec(333, 1), 0)[0]
    assert (part.quantity, part.total_amount, part.unit_price) == (1, 333, None)
    assert (pool[0].quantity, pool[0].total_amount) == (2, 667)
    assert refused(pool, ItemSpec(334, 1)).code == e.CAPTURE_ITEM_NOT_MATCHED


def test_a_discounted_line_matches_on_price_after_discount() -> None:
    line = stored("D", 2, 1000, total=1600)
    line.unit_discount = 200
    assert refused([line], ItemSpec(1000, 1)).code == e.CAPTURE_ITEM_NOT_MATCHED
    assert LinePool([line]).take(ItemSpec(800, 1), 0)[0].total_amount == 800


def test_item_line_is_the_item_as_a_new_line() -> None:
    made = item_line(ItemSpec(5000, 2, id="NEW", description="New thing", vat=1200))
    assert made.id.startswith("ol_")
    assert (
        made.reference,
        made.description,
        made.type,
        made.quantity,
        made.unit_price,
        made.unit_discount,
        made.total_amount,
        made.vat,
        made.total_vat,
    ) == ("NEW", "New thing", "purchase", 2, 5000, 0, 10000, 1200, 1071)
    bare = item_line(ItemSpec(100, 1))
    assert (bare.reference, bare.description, bare.vat, bare.total_vat) == ("", "", 0, 0)


def test_a_line_whose_unit_price_moves_as_it_splits_is_matched_at_its_new_price() -> None:
    # 4 units worth 403: priced 100 each; once one is taken, 3 worth 303 are priced 101, and
    # come before a later line of that price, as they stand first on the order
    moving = stored("N", 4, None, total=403, vat=0, line_id="ol_n")
    later = stored("N", 1, 101, vat=0, line_id="ol_later")
    pool = LinePool([moving, later])
    assert pool.units_named(ItemSpec(101, 1)) == 1
    assert [ln.total_amount for ln in pool.take(ItemSpec(100, 1), 0)] == [100]
    assert pool.units_named(ItemSpec(100, 1)) == 0
    assert pool.units_named(ItemSpec(101, 1)) == 4
    taken = pool.take(ItemSpec(101, 2), 1)
    assert [(ln.quantity, ln.total_amount) for ln in taken] == [(2, 202)]
    assert (moving.quantity, later.quantity) == (1, 1)

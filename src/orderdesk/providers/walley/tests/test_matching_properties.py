"""The indexed matcher (``LinePool``) gives exactly what the straightforward rule gives: for
any pool and any sequence of items, the same lines taken (or the same refusal), the same units
named and the same pool left behind."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError
from orderdesk.domain.lines import Line
from orderdesk.domain.vat import vat_amount
from orderdesk.providers.walley.matching import (
    ItemSpec,
    LinePool,
    _split_off,
    effective_price,
)

REFERENCES = ["A", "B", ""]
DESCRIPTIONS = ["Shoe", "Sock"]
VATS = [0, 1200, 2500]
TYPES = ["physical", "digital"]
PRICES = [100, 101, 102]


# -- the rule, one item at a time over every line --------------------------------------------
def _fits(line: Line, item: ItemSpec) -> bool:
    return (
        line.quantity > 0
        and effective_price(line) == item.unit_price
        and (item.id is None or line.reference == item.id)
        and (item.description is None or line.description == item.description)
        and (item.vat is None or line.vat == item.vat)
    )


def reference_take(pool: list[Line], item: ItemSpec, index: int) -> list[Line]:
    where = f"items[{index}]"
    label = item.id or item.description or f"unitPrice {item.unit_price}"
    candidates = [line for line in pool if _fits(line, item)]
    if not candidates:
        raise DomainError(
            e.CAPTURE_ITEM_NOT_MATCHED,
            f"{where} ({label}) matches no uncaptured item on the order",
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
            e.CAPTURE_ITEM_AMBIGUOUS,
            f"{where} ({label}) matches {len(articles)} different items; add id, "
            "description or vat to single one out",
            field=where,
        )
    available = sum(c.quantity for c in candidates)
    if item.quantity > available:
        raise DomainError(
            e.CAPTURE_ITEM_QUANTITY_TOO_LARGE,
            f"{where} ({label}) asks for {item.quantity} but only {available} are uncaptured",
            field=where,
        )
    wanted, taken = item.quantity, []
    for line in candidates:
        if wanted == 0:
            break
        qty = min(wanted, line.quantity)
        taken.append(_split_off(line, qty))
        wanted -= qty
    return taken


def _article(line: Line) -> tuple[Any, ...]:
    return (line.reference, line.description, effective_price(line), line.vat, line.type)


def reference_remove(pool: list[Line], gone: Line) -> None:
    wanted, key = gone.quantity, _article(gone)
    for line in pool:
        if wanted <= 0:
            return
        if line.quantity > 0 and _article(line) == key:
            qty = min(wanted, line.quantity)
            _split_off(line, qty)
            wanted -= qty


# -- random pools and items ------------------------------------------------------------------
@st.composite
def lines(draw: st.DrawFn) -> Line:
    quantity = draw(st.integers(0, 4))
    vat = draw(st.sampled_from(VATS))
    if draw(st.booleans()):
        unit_price: int | None = draw(st.sampled_from(PRICES))
        total = quantity * unit_price
    else:  # no unit price: its units are priced total // quantity, which moves as it splits
        unit_price = None
        total = quantity * draw(st.sampled_from(PRICES)) + draw(
            st.integers(0, max(quantity - 1, 0))
        )
    return Line(
        id=f"ol_{draw(st.uuids()).hex}",
        reference=draw(st.sampled_from(REFERENCES)),
        description=draw(st.sampled_from(DESCRIPTIONS)),
        type=draw(st.sampled_from(TYPES)),
        quantity=quantity,
        unit_price=unit_price,
        unit_discount=0,
        total_amount=total,
        vat=vat,
        total_vat=vat_amount(total, vat),
    )


items = st.builds(
    ItemSpec,
    unit_price=st.sampled_from(PRICES),
    quantity=st.integers(1, 5),
    id=st.none() | st.sampled_from(REFERENCES),
    description=st.none() | st.sampled_from(DESCRIPTIONS),
    vat=st.none() | st.sampled_from(VATS),
    type=st.none() | st.sampled_from(TYPES),
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("take"), items),
        st.tuples(st.just("named"), items),
        st.tuples(st.just("remove"), lines()),
    ),
    max_size=15,
)


def _state(line: Line, known: set[str]) -> tuple[Any, ...]:
    """The line, with the id of a part split off (new, random) as "new"."""
    values = line.values()
    return (values[0] if values[0] in known else "new", *values[1:])


@settings(max_examples=400, deadline=None)
@given(st.lists(lines(), max_size=12), steps)
def test_the_indexed_pool_takes_exactly_what_the_rule_takes(
    pool: list[Line], plan: list[tuple[str, Any]]
) -> None:
    expected = copy.deepcopy(pool)
    indexed = LinePool(pool)
    known = {line.id for line in pool}
    for index, (step, what) in enumerate(plan):
        if step == "named":
            assert indexed.units_named(what) == sum(
                line.quantity for line in expected if _fits(line, what)
            )
            continue
        if step == "remove":
            reference_remove(expected, what)
            indexed.remove_units(what)
        else:
            try:
                want: Any = [_state(ln, known) for ln in reference_take(expected, what, index)]
            except DomainError as err:
                want = (err.code, err.message, err.field)
            try:
                got: Any = [_state(ln, known) for ln in indexed.take(what, index)]
            except DomainError as err:
                got = (err.code, err.message, err.field)
            assert got == want
        assert [_state(ln, known) for ln in pool] == [_state(ln, known) for ln in expected]

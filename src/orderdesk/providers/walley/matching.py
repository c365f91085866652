"""Walley's best-effort item matching: which line does a capture (or refund) item name?

An item's ``type`` only narrows a choice: Walley's clients send their own vocabulary
(``purchase``, ``fee``, ``discount``) whatever the order's lines say, so a type never blocks an
otherwise unique match; it singles one out when several articles fit.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from orderdesk.domain import errors as e
from orderdesk.domain import ids
from orderdesk.domain.errors import DomainError
from orderdesk.domain.lines import Line, copy_line
from orderdesk.domain.vat import vat_amount


@dataclass(slots=True)
class ItemSpec:
    """A Walley capture item: matched best-effort against uncaptured lines."""

    unit_price: int
    quantity: int
    id: str | None = None
    description: str | None = None
    vat: int | None = None  # basis points
    type: str | None = None


@dataclass(frozen=True, slots=True)
class MatchCodes:
    """The error codes a matching failure is reported with (capture's or refund's)."""

    not_matched: str = e.CAPTURE_ITEM_NOT_MATCHED
    ambiguous: str = e.CAPTURE_ITEM_AMBIGUOUS
    quantity_too_large: str = e.CAPTURE_ITEM_QUANTITY_TOO_LARGE
    what: str = "uncaptured"


CAPTURE_CODES = MatchCodes()
REFUND_CODES = MatchCodes(
    e.REFUND_ITEM_NOT_MATCHED,
    e.REFUND_ITEM_AMBIGUOUS,
    e.REFUND_ITEM_QUANTITY_TOO_LARGE,
    "captured and not refunded",
)


def item_line(item: ItemSpec) -> Line:
    total = item.unit_price * item.quantity
    vat = item.vat or 0
    return Line(
        id=ids.prefixed(ids.ORDER_LINE),
        reference=item.id or "",
        description=item.description or "",
        type=item.type or "purchase",
        quantity=item.quantity,
        unit_price=item.unit_price,
        unit_discount=0,
        total_amount=total,
        vat=vat,
        total_vat=vat_amount(total, vat),
    )


def effective_price(line: Line) -> int | None:
    if line.unit_price is None:
        return line.total_amount // line.quantity if line.quantity else None
    return line.unit_price - (line.unit_discount or 0)


#: Which of an item's optional fields (id, description, vat, type) a key holds.
Mask = tuple[bool, bool, bool, bool]
Key = tuple[int | None, str | None, str | None, int | None, str | None]
#: An article within one price: (reference, description, vat, type).
Kind = tuple[str, str, int, str]
#: Every field named: what makes a line the same article (``remove_units``).
WHOLE: Mask = (True, True, True, True)


def _key(mask: Mask, line: Line, price: int | None) -> Key:
    return (
        price,
        line.reference if mask[0] else None,
        line.description if mask[1] else None,
        line.vat if mask[2] else None,
        line.type if mask[3] else None,
    )


def _kind(line: Line) -> Kind:
    return (line.reference, line.description, line.vat, line.type)


@dataclass(slots=True)
class _Bucket:
    """The lines with units left that one key names: in pool order (a heap on position, so a
    line whose price moved here is still taken in order), with their units per article.

    The heap may hold lines that no longer belong (nothing left, or a price that moved away);
    they are dropped when they come to its front."""

    mask: Mask
    key: Key
    heap: list[tuple[int, Line]] = field(default_factory=list)
    units: int = 0
    kinds: dict[Kind, int] = field(default_factory=dict)

    def count(self, kind: Kind, units: int) -> None:
        self.units += units
        left = self.kinds.get(kind, 0) + units
        if left:
            self.kinds[kind] = left
        else:
            del self.kinds[kind]

    def first(self) -> tuple[int, Line] | None:
        """The first line in pool order that still belongs here."""
        while self.heap:
            pos, line = self.heap[0]
            if line.quantity > 0 and _key(self.mask, line, effective_price(line)) == self.key:
                return pos, line
            heapq.heappop(self.heap)
        return None


class LinePool:
    """Lines to take units from, indexed by what an item can name.

    An item names a price and, optionally, an article number, a description and a VAT rate
    (its type only narrows an ambiguous choice): the lines are indexed once for each
    combination of those an item uses, so each item costs the lines it takes, not the
    pool's length. The lines themselves are changed in place, as the caller's list holds them.
    """

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self._indexes: dict[Mask, dict[Key, _Bucket]] = {}

    def _index(self, mask: Mask) -> dict[Key, _Bucket]:
        index = self._indexes.get(mask)
        if index is None:
            index = self._indexes[mask] = {}
            for pos, line in enumerate(self.lines):
                if line.quantity > 0:
                    bucket = self._bucket_for(index, mask, _key(mask, line, effective_price(line)))
                    bucket.heap.append((pos, line))  # in pool order: already a heap
                    bucket.count(_kind(line), line.quantity)
        return index

    @staticmethod
    def _bucket_for(index: dict[Key, _Bucket], mask: Mask, key: Key) -> _Bucket:
        bucket = index.get(key)
        if bucket is None:
            bucket = index[key] = _Bucket(mask, key)
        return bucket

    def _named(self, item: ItemSpec, typed: bool = False) -> _Bucket | None:
        mask: Mask = (
            item.id is not None,
            item.description is not None,
            item.vat is not None,
            typed,
        )
        key: Key = (
            item.unit_price,
            item.id,
            item.description,
            item.vat,
            item.type if typed else None,
        )
        bucket = self._index(mask).get(key)
        return bucket if bucket is not None and bucket.units else None

    def take(self, item: ItemSpec, index: int, codes: MatchCodes = CAPTURE_CODES) -> list[Line]:
        """Take ``item.quantity`` units from the one article that ``item`` names.

        Several lines may hold the same article (after a split); they are interchangeable and
        taken in pool order. Lines that differ in article number, description, VAT or type
        make the item ambiguous; its type singles one out when it can, and is ignored when it
        cannot. A refusal leaves the pool as it was.
        """
        where = f"items[{index}]"
        label = item.id or item.description or f"unitPrice {item.unit_price}"
        bucket = self._named(item)
        if bucket is None:
            raise DomainError(
                codes.not_matched,
                f"{where} ({label}) matches no {codes.what} item on the order",
                field=where,
            )
        if len(bucket.kinds) > 1 and item.type is not None:
            bucket = self._named(item, typed=True) or bucket
        if len(bucket.kinds) > 1:
            raise DomainError(
                codes.ambiguous,
                f"{where} ({label}) matches {len(bucket.kinds)} different items; add id, "
                "description or vat to single one out",
                field=where,
            )
        if item.quantity > bucket.units:
            raise DomainError(
                codes.quantity_too_large,
                f"{where} ({label}) asks for {item.quantity} but only {bucket.units} are "
                f"{codes.what}",
                field=where,
            )
        return self._take_units(bucket, item.quantity)

    def units_named(self, item: ItemSpec) -> int:
        """How many units fit ``item`` (of any article that fits)."""
        bucket = self._named(item)
        return bucket.units if bucket is not None else 0

    def remove_units(self, gone: Line) -> None:
        """Take ``gone``'s units (as many as there are) out of the lines of its article."""
        bucket = self._index(WHOLE).get(_key(WHOLE, gone, effective_price(gone)))
        if bucket is not None:
            self._take_units(bucket, gone.quantity)

    def _take_units(self, bucket: _Bucket, wanted: int) -> list[Line]:
        taken: list[Line] = []
        while wanted > 0:
            first = bucket.first()
            if first is None:
                break
            pos, line = first
            qty = min(wanted, line.quantity)
            taken.append(self._split(pos, line, qty))
            wanted -= qty
        return taken

    def _split(self, pos: int, line: Line, qty: int) -> Line:
        """``_split_off``, keeping every index's counts (and a moved price's place) true."""
        price, units, kind = effective_price(line), line.quantity, _kind(line)
        part = _split_off(line, qty)
        new_price = effective_price(line)
        for mask, index in self._indexes.items():
            old = index[_key(mask, line, price)]
            old.count(kind, -units)
            if line.quantity:
                new = self._bucket_for(index, mask, _key(mask, line, new_price))
                new.count(kind, line.quantity)
                if new is not old:
                    heapq.heappush(new.heap, (pos, line))
        return part


def _split_off(line: Line, qty: int) -> Line:
    """Remove ``qty`` units from ``line`` (in place) and return them as a line of their own."""
    if qty == line.quantity:
        part = copy_line(line)
        line.quantity = 0
        return part
    price = effective_price(line) or 0
    total = price * qty
    vat = vat_amount(total, line.vat)
    part = Line(
        id=ids.prefixed(ids.ORDER_LINE),
        reference=line.reference,
        description=line.description,
        type=line.type,
        quantity=qty,
        unit_price=line.unit_price,
        unit_discount=line.unit_discount,
        total_amount=total,
        vat=line.vat,
        total_vat=vat,
    )
    line.quantity -= qty
    line.total_amount -= total
    line.total_vat -= vat
    return part

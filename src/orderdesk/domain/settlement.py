"""Settlements: what a store is paid for a payout period — its captures less its refunds.

A period is one day (UTC) on the store's clock; a settlement exists for every ended day with
at least one capture or refund, and is created (and paid out) when that day ends. orderdesk
charges no fees, so every fee amount is 0 and there are no fee transactions. Ids are
prefixed (``sl_`` + a KSUID) and deterministic: the KSUID's time is the period's start
and its payload the first 16 bytes of SHA-256 of the store id, so an id names its store and
day without a table. The payout reference is the day and the store (``20240116-<store>``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from orderdesk.domain.ids import KSUID_EPOCH, ksuid_decode, ksuid_encode

PREFIX = "sl"
PERIOD = timedelta(days=1)


def _store_hash(store_id: str) -> bytes:
    return hashlib.sha256(store_id.encode()).digest()[:16]


def period_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def settlement_id(store_id: str, day: date) -> str:
    seconds = int(period_start(day).timestamp()) - KSUID_EPOCH
    return f"{PREFIX}_{ksuid_encode(seconds.to_bytes(4, 'big') + _store_hash(store_id))}"


def parse_settlement_id(text: str, store_ids: frozenset[str]) -> tuple[str, date] | None:
    """(store, day) of a settlement id among ``store_ids``; None if it names none of them."""
    prefix, _, rest = text.partition("_")
    if prefix != PREFIX:
        return None
    try:
        raw = ksuid_decode(rest)
        start = datetime.fromtimestamp(int.from_bytes(raw[:4], "big") + KSUID_EPOCH, UTC)
    except (ValueError, OverflowError, OSError):
        return None
    if start != period_start(start.date()):
        return None
    for store_id in store_ids:
        if _store_hash(store_id) == raw[4:]:
            return store_id, start.date()
    return None


def payout_reference(store_id: str, day: date) -> str:
    return f"{day:%Y%m%d}-{store_id}"


#: VAT per rate: (rate in basis points, minor units), by rate.
VatAmounts = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Settlement:
    store_id: str
    day: date
    currency: str
    captured: int
    refunded: int
    count: int
    first_at: datetime  # the first and the last capture or refund of the period
    last_at: datetime
    sale_vat: VatAmounts = ()
    credit_vat: VatAmounts = ()  # the refunds' VAT, positive

    @property
    def id(self) -> str:
        return settlement_id(self.store_id, self.day)

    @property
    def payout(self) -> int:
        return self.captured - self.refunded

    @property
    def reference(self) -> str:
        return payout_reference(self.store_id, self.day)

    @property
    def created_at(self) -> datetime:
        """When the period ended: the settlement is made and paid out then."""
        return period_start(self.day) + PERIOD


@dataclass(frozen=True, slots=True)
class Transaction:
    """One movement of a settlement: a capture (positive) or a refund (negative)."""

    seq: int
    kind: str
    order_id: str
    reference: str
    ledger_id: str
    action_reference: str | None
    amount: int  # signed: what it adds to the payout
    currency: str
    created_at: datetime
    store_id: str = ""
    invoice_number: str = ""  # the invoice's (or credit note's) document reference
    customer: dict[str, Any] | None = None  # as on the invoice
    vat: VatAmounts = ()  # signed as the amount

    @property
    def vat_amount(self) -> int:
        return sum(amount for _, amount in self.vat)

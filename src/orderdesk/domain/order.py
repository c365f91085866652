"""The Order aggregate: the ledger every order keeps, whichever provider's API it speaks.

Money left to capture is ``remaining = authorized − captured − cancelled``. The uncaptured
chunk's lines describe what is left; they can sum to *more* than ``remaining`` for a while
(Ledyer: a line captured without its ``id`` leaves the uncaptured line intact until the shop
edits it down), never to less. Each change appends an :class:`Event`; each change of money
also appends a :class:`LedgerEntry`. Each provider's statuses and rules live in its own package
(``providers/<name>/rules.py``): they decide *whether* a change is allowed, this module makes
it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from orderdesk.domain import errors as e
from orderdesk.domain import ids
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.lines import CaptureLine, Line, amount_row, check_lines_total, new_line
from orderdesk.domain.money import is_currency

EXPIRY_EXTENSION = timedelta(days=14)
REMAINDER_DESCRIPTION = "Remaining amount"


class Segment(StrEnum):
    B2C = "B2C"
    B2B = "B2B"


class EventType(StrEnum):
    """What happened to an order (Ledyer shows these names in ``events[].type``)."""

    CREATE = "create"
    READY_FOR_CAPTURE = "readyForCapture"
    PARTIAL_CAPTURE = "partialCapture"
    FULL_CAPTURE = "fullCapture"
    CANCEL = "cancel"
    EDIT = "edit"
    EDIT_CUSTOMER = "editCustomer"
    EXTEND_EXPIRY = "extendExpiry"
    PARTIAL_REFUND = "partialRefund"
    FULL_REFUND = "fullRefund"
    CLOSE = "close"
    REAUTHORIZE_REQUESTED = "reauthorizeRequested"
    REAUTHORIZE = "reauthorize"
    SET_REFERENCE = "setReference"
    ACKNOWLEDGE = "acknowledge"
    EDIT_PAYMENT_METHOD = "editPaymentMethod"
    EXPIRE = "expire"
    #: An order that was on hold is accepted (authorised) or rejected by the provider.
    AUTHORIZE = "authorize"
    REJECT = "reject"
    #: The customer paid the provider (part of) an invoice: the event's ledger id names it.
    PAID = "paid"


class LedgerKind(StrEnum):
    """A movement of money: captured (invoiced), refunded (credited) or released (no longer
    authorised)."""

    CAPTURE = "capture"
    REFUND = "refund"
    RELEASE = "release"
    REAUTHORIZE = "reauthorize"


@dataclass(slots=True)
class Chunk:
    """A sub-order of the ledger: the uncaptured part, or one capture (one invoice)."""

    ledger_id: str
    created_at: datetime
    lines: list[Line]
    note: str = ""
    document_number: int = 0  # per-order invoice counter, 0 for the uncaptured chunk
    description: str | None = None
    action_reference: str | None = None
    customer: dict[str, Any] | None = None  # the invoice's customer, as it was when issued
    refunds: str | None = None  # a credit's captured chunk (None: a credit of the whole order)

    @property
    def total(self) -> int:
        return sum(line.total_amount for line in self.lines)

    @property
    def total_vat(self) -> int:
        return sum(line.total_vat for line in self.lines)


@dataclass(slots=True)
class Event:
    id: str
    type: EventType
    amount: int
    ledger_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One row of the append-only ledger, written with the change that made it."""

    kind: LedgerKind
    amount: int
    ledger_id: str
    action_reference: str | None
    created_at: datetime


class ReauthorizationStatus(StrEnum):
    PENDING = "Pending"
    COMPLETED = "Completed"
    FAILED = "Failed"


@dataclass(slots=True)
class Reauthorization:
    """A raise of the authorisation waiting for (or decided by) a credit check: the lines that
    replace the uncaptured ones once it is approved."""

    id: str
    status: ReauthorizationStatus
    lines: list[Line]
    action_reference: str | None
    created_at: datetime
    decide_at: datetime
    approve: bool

    @property
    def amount(self) -> int:
        return sum(line.total_amount for line in self.lines)


@dataclass(slots=True)
class CaptureMeta:
    """What a capture carries besides its lines: shown on the invoice and in settlements."""

    description: str | None = None
    action_reference: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Added:
    """What a change adds to an order's amounts (each may be negative but ``captured`` and
    ``refunded``): ``(captured, refunded, cancelled, authorized)`` in that order."""

    captured: int
    refunded: int
    cancelled: int
    authorized: int

    def __iter__(self) -> Iterator[int]:
        return iter((self.captured, self.refunded, self.cancelled, self.authorized))


def added_by(entries: Sequence[LedgerEntry], events: Sequence[Event]) -> Added:
    """What a change's ledger rows and events add to the order's amounts: the captures and
    the refunds; the cancels (the releases a ``cancel`` event records); and the authorisation,
    raised by ``reauthorize`` rows and lowered by the releases that were no cancel."""
    total = dict.fromkeys(LedgerKind, 0)
    for entry in entries:
        total[entry.kind] += entry.amount
    cancelled = sum(event.amount for event in events if event.type == EventType.CANCEL)
    authorized = total[LedgerKind.REAUTHORIZE] - total[LedgerKind.RELEASE] + cancelled
    return Added(total[LedgerKind.CAPTURE], total[LedgerKind.REFUND], cancelled, authorized)


def document_reference(seq: int, document_number: int) -> str:
    """A stable invoice number: the order's sequence number and the capture's ordinal."""
    return f"{seq:012d}{document_number:04d}"


@dataclass(slots=True)
class Order:
    id: str
    provider: str  # whose API the order speaks: its store's provider (the registry's name)
    merchant_id: str
    store_id: str
    currency: str
    country: str
    segment: Segment
    merchant_reference: str
    order_reference: str
    customer: dict[str, Any]
    payment_method: str
    created_at: datetime
    expires_at: datetime
    authorized: int
    uncaptured: Chunk | None
    captured: list[Chunk] = field(default_factory=list)
    refunded: list[Chunk] = field(default_factory=list)
    cancelled: int = 0
    closed: bool = False
    items_replaced: bool = False
    #: The merchant confirmed it has the order (Ledyer ``acknowledge``).
    acknowledged: bool = False
    #: Waiting for the provider to accept or reject it (an order ``OnHold``); nothing can be
    #: done with it meanwhile. ``rejected``: the provider refused it, nothing is authorised.
    on_hold: bool = False
    rejected: bool = False
    #: The checkout session the order was made in ("" for orders made before sessions).
    session_id: str = ""
    events: list[Event] = field(default_factory=list)
    reauthorizations: list[Reauthorization] = field(default_factory=list)
    #: Ledger rows made since the order was loaded; the store appends them to the ledger table.
    new_entries: list[LedgerEntry] = field(default_factory=list)

    # -- amounts --------------------------------------------------------------------------
    @property
    def captured_amount(self) -> int:
        return sum(chunk.total for chunk in self.captured)

    @property
    def refunded_amount(self) -> int:
        return sum(chunk.total for chunk in self.refunded)

    @property
    def refundable(self) -> int:
        """Money captured and not yet refunded."""
        return self.captured_amount - self.refunded_amount

    def refunded_of(self, chunk: Chunk) -> int:
        """What has been refunded of one captured chunk."""
        return sum(credit.total for credit in self.refunded if credit.refunds == chunk.ledger_id)

    @property
    def remaining(self) -> int:
        """Money still authorised and not captured or cancelled."""
        return self.authorized - self.captured_amount - self.cancelled

    @property
    def order_amount(self) -> int:
        """What the order is worth: captured plus what can still be captured."""
        return self.authorized - self.cancelled

    @property
    def updated_at(self) -> datetime:
        return max(event.created_at for event in self.events)

    def is_expired(self, now: datetime) -> bool:
        return self.remaining > 0 and now >= self.expires_at

    def paid_of(self, ledger_id: str) -> int:
        """What the customer has paid of one invoice (a chunk, by its ledger id)."""
        return sum(
            event.amount
            for event in self.events
            if event.type == EventType.PAID and event.ledger_id == ledger_id
        )

    def find_chunk(self, ledger_id: str) -> Chunk | None:
        for chunk in (*self.captured, *self.refunded):
            if chunk.ledger_id == ledger_id:
                return chunk
        if self.uncaptured is not None and self.uncaptured.ledger_id == ledger_id:
            return self.uncaptured
        return None

    def uncaptured_ledger(self) -> str:
        """The ledger id events about the order as a whole are recorded against."""
        if self.uncaptured is not None:
            return self.uncaptured.ledger_id
        if self.captured:
            return self.captured[-1].ledger_id
        return self.events[-1].ledger_id  # cancelled whole: the chunk the cancel released

    # -- changes ------------------------------------------------------------------------------
    def record_capture(
        self, captured: list[Line], meta: CaptureMeta, now: datetime, kept: list[Line] | None = None
    ) -> Chunk:
        """Append a captured chunk (one invoice); ``kept``, when given, becomes the uncaptured
        lines. The provider modules have checked the request; this keeps the ledger whole."""
        chunk = Chunk(
            ledger_id=ids.prefixed(ids.LEDGER),
            created_at=now,
            lines=captured,
            note=meta.note,
            document_number=len(self.captured) + len(self.refunded) + 1,  # credits count too
            description=meta.description,
            action_reference=meta.action_reference,
            customer=dict(self.customer),
        )
        amount = chunk.total
        if not 0 <= amount <= self.remaining:  # callers check first; the last line of defence
            raise DomainError(
                e.CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT,
                "The amount to capture is larger than the amount left on the order",
            )
        assert self.uncaptured is not None
        self.captured.append(chunk)
        if kept is not None:
            self.uncaptured.lines = kept
        if self.remaining == 0:
            self.uncaptured = None
        kind = EventType.FULL_CAPTURE if self.remaining == 0 else EventType.PARTIAL_CAPTURE
        self._event(kind, amount, chunk.ledger_id, now)
        self._entry(LedgerKind.CAPTURE, amount, chunk.ledger_id, meta.action_reference, now)
        return chunk

    def record_refund(
        self, lines: list[Line], meta: CaptureMeta, now: datetime, of: Chunk | None = None
    ) -> Chunk:
        """Append a credit (a refunded chunk, one credit note) of ``of`` — a captured chunk —
        or of the order as a whole. Never more than is left to refund, of the chunk or of the
        order; the provider modules have checked the request."""
        amount = sum(line.total_amount for line in lines)
        left = self.refundable if of is None else of.total - self.refunded_of(of)
        if not 0 < amount <= left:  # callers check first; the last line of defence
            raise DomainError(
                e.REFUND_AMOUNT_TOO_LARGE,
                f"The amount to refund ({amount}) is not within the {left} left to refund",
            )
        credit = Chunk(
            ledger_id=ids.prefixed(ids.LEDGER),
            created_at=now,
            lines=lines,
            note=meta.note,
            document_number=len(self.captured) + len(self.refunded) + 1,
            description=meta.description,
            action_reference=meta.action_reference,
            customer=dict(self.customer),
            refunds=None if of is None else of.ledger_id,
        )
        self.refunded.append(credit)
        full = self.refundable == 0 and self.remaining == 0
        kind = EventType.FULL_REFUND if full else EventType.PARTIAL_REFUND
        self._event(kind, amount, credit.ledger_id, now)
        self._entry(LedgerKind.REFUND, amount, credit.ledger_id, meta.action_reference, now)
        return credit

    def release_rest(self, now: datetime, action_reference: str | None = None) -> int:
        """Cancel everything not captured; returns the amount released."""
        amount = self.remaining
        ledger_id = self.uncaptured_ledger()
        self.cancelled += amount
        self.uncaptured = None
        self._event(EventType.CANCEL, amount, ledger_id, now)
        self._entry(LedgerKind.RELEASE, amount, ledger_id, action_reference, now)
        return amount

    def replace_uncaptured_lines(
        self, lines: list[CaptureLine], now: datetime, *, raise_approved: bool = False
    ) -> None:
        """Edit: the new lines replace the uncaptured ones and the authorisation becomes
        captured + the new lines. A raise needs ``raise_approved`` (the provider's credit
        check said yes) and is a ``reauthorize`` row, a lowering a ``release`` row."""
        total = sum(line.total_amount for line in lines)
        change = total - self.remaining
        if change > 0 and not raise_approved:
            raise DomainError(
                e.EDIT_ABOVE_AUTHORIZATION,
                f"The edited lines ({total}) are worth more than the {self.remaining} still "
                "authorised, and no credit check approved the raise",
                field="totalOrderAmount",
            )
        assert self.uncaptured is not None
        ledger_id = self.uncaptured.ledger_id
        self.uncaptured.lines = [new_line(line) for line in lines]
        self.authorized += change
        if total == 0:
            self.uncaptured = None
        self._event(EventType.EDIT, self.order_amount, ledger_id, now)
        if change > 0:
            self._entry(LedgerKind.REAUTHORIZE, change, ledger_id, None, now)
        elif change < 0:
            self._entry(LedgerKind.RELEASE, -change, ledger_id, None, now)

    def reauthorize(
        self, lines: list[Line], now: datetime, action_reference: str | None = None
    ) -> int:
        """Reauthorize: ``lines`` replace the uncaptured lines and the authorisation becomes
        captured + cancelled + ``lines``; returns the change (a raise is positive). The
        provider module has checked the request and any credit check."""
        total = sum(line.total_amount for line in lines)
        if total <= 0 or any(line.quantity <= 0 for line in lines):
            raise DomainError(
                e.REAUTHORIZE_AMOUNT_MUST_BE_POSITIVE, "A reauthorization must be worth more than 0"
            )
        change = total - self.remaining
        if self.uncaptured is None:
            self.uncaptured = Chunk(ids.prefixed(ids.LEDGER), now, lines)
        else:
            self.uncaptured.lines = lines
        self.authorized += change
        ledger_id = self.uncaptured.ledger_id
        self._event(EventType.REAUTHORIZE, self.order_amount, ledger_id, now)
        if change > 0:
            self._entry(LedgerKind.REAUTHORIZE, change, ledger_id, action_reference, now)
        elif change < 0:
            self._entry(LedgerKind.RELEASE, -change, ledger_id, action_reference, now)
        return change

    def request_reauthorization(self, pending: Reauthorization, now: datetime) -> None:
        """Keep a raise that waits for a credit check (nothing else changes yet)."""
        self.reauthorizations.append(pending)
        amount = self.captured_amount + self.cancelled + pending.amount
        self._event(EventType.REAUTHORIZE_REQUESTED, amount, self.uncaptured_ledger(), now)

    def replace_uncaptured_with_remainder(self) -> None:
        """Walley by amount or replacing items: what is left becomes one row without VAT."""
        if self.uncaptured is not None:
            self.uncaptured.lines = [amount_row(self.remaining, REMAINDER_DESCRIPTION)]
        self.items_replaced = True

    def extend_expiry(self, until: datetime, now: datetime) -> datetime:
        """Move the expiry to ``until`` (each provider's rules say when that is)."""
        self.expires_at = until
        self._event(EventType.EXTEND_EXPIRY, 0, self.uncaptured_ledger(), now)
        return self.expires_at

    def replace_customer(self, changes: dict[str, Any], now: datetime) -> None:
        """The given fields replace the stored ones (addresses whole); issued invoices keep
        the customer they were issued to."""
        self.customer = {**self.customer, **changes}
        self._event(EventType.EDIT_CUSTOMER, 0, self.uncaptured_ledger(), now)

    def set_merchant_reference(self, reference: str, now: datetime) -> None:
        self.merchant_reference = reference
        self._event(EventType.SET_REFERENCE, 0, self.uncaptured_ledger(), now)

    def acknowledge(self, now: datetime) -> bool:
        """Mark the order acknowledged; False (and no event) when it already was."""
        if self.acknowledged:
            return False
        self.acknowledged = True
        self._event(EventType.ACKNOWLEDGE, 0, self.uncaptured_ledger(), now)
        return True

    def replace_payment_method(self, payment_method: str, now: datetime) -> None:
        self.payment_method = payment_method
        self._event(EventType.EDIT_PAYMENT_METHOD, 0, self.uncaptured_ledger(), now)

    def _require_on_hold(self) -> None:
        if not self.on_hold:
            raise DomainError(e.ORDER_NOT_ON_HOLD, "The order is not on hold", Kind.STATE)

    def accept(self, now: datetime) -> None:
        """The provider accepts an order that was on hold: it is authorised as it stands."""
        self._require_on_hold()
        self.on_hold = False
        self._event(EventType.AUTHORIZE, self.order_amount, self.uncaptured_ledger(), now)

    def reject(self, now: datetime) -> int:
        """The provider rejects an order that was on hold: nothing is authorised any more
        (a release that is no cancel, so the authorisation goes down); returns the amount."""
        self._require_on_hold()
        amount = self.remaining
        ledger_id = self.uncaptured_ledger()
        self.on_hold = False
        self.rejected = True
        self.authorized -= amount
        self.uncaptured = None
        self._event(EventType.REJECT, amount, ledger_id, now)
        self._entry(LedgerKind.RELEASE, amount, ledger_id, None, now)
        return amount

    def record_payment(self, ledger_id: str, amount: int, left: int, now: datetime) -> None:
        """The customer paid ``amount`` of the invoice ``ledger_id`` (of which ``left`` was
        still owed). No ledger row: it is money the customer pays the provider, not a
        movement of what the merchant captured, refunded or released."""
        if not 0 < amount <= left:  # callers check first; the last line of defence
            raise DomainError(
                e.PAYMENT_AMOUNT_TOO_LARGE,
                f"The payment ({amount}) is not within the {left} left to pay of {ledger_id}",
                field="amount",
            )
        self._event(EventType.PAID, amount, ledger_id, now)

    def record_ready(self, now: datetime) -> None:
        """The order can be captured now (an advance invoice once it is paid)."""
        self._event(EventType.READY_FOR_CAPTURE, 0, self.uncaptured_ledger(), now)

    def close(self, now: datetime) -> None:
        """Close the order, as the provider does when it is settled or written off."""
        self.closed = True
        self._event(EventType.CLOSE, 0, self.uncaptured_ledger(), now)

    def is_expiry_recorded(self) -> bool:
        """Whether the current expiry has passed with an ``expire`` event already."""
        return any(
            event.type == EventType.EXPIRE and event.created_at >= self.expires_at
            for event in self.events
        )

    def record_expiry(self, now: datetime) -> bool:
        """Record that the expiry passed at ``now`` or before: an ``expire`` event worth what
        was left open, at the moment it passed (``expires_at``, or the order's last event if
        that came later, so that its events stay in time order) — however late it is
        recorded. False when the order has not expired or its expiry is recorded already.
        Nothing is released: an extend authorises the rest again."""
        if not self.is_expired(now) or self.closed or self.is_expiry_recorded():
            return False
        at = max(self.expires_at, self.updated_at)
        self._event(EventType.EXPIRE, self.remaining, self.uncaptured_ledger(), at)
        return True

    # -- internals --------------------------------------------------------------------------
    def _event(self, kind: EventType, amount: int, ledger_id: str, now: datetime) -> None:
        self.events.append(Event(ids.prefixed(ids.EVENT), kind, amount, ledger_id, now))

    def _entry(
        self,
        kind: LedgerKind,
        amount: int,
        ledger_id: str,
        action_reference: str | None,
        now: datetime,
    ) -> None:
        self.new_entries.append(LedgerEntry(kind, amount, ledger_id, action_reference, now))


def new_order(
    *,
    order_id: str,
    provider: str,
    merchant_id: str,
    store_id: str,
    currency: str,
    country: str,
    segment: Segment,
    lines: list[CaptureLine],
    total: int,
    total_vat: int | None,
    merchant_reference: str,
    customer: dict[str, Any],
    payment_method: str,
    expires_at: datetime,
    now: datetime,
    acknowledged: bool = False,
    on_hold: bool = False,
    ready: bool = True,
) -> Order:
    """An authorised order, as a checkout would leave it: all lines uncaptured. One
    ``on_hold`` waits for the provider's decision; one not ``ready`` (an advance invoice)
    is ready for capture only once paid."""
    if not is_currency(currency):
        raise DomainError(
            e.UNKNOWN_CURRENCY, f"{currency!r} is not an ISO 4217 currency", field="currency"
        )
    if not lines:
        raise DomainError(
            e.ORDER_HAS_NO_LINES, "An order needs at least one line", field="orderLines"
        )
    check_lines_total(lines, total, "totalOrderAmount")
    line_vat = sum(line.total_vat for line in lines)
    if total_vat is not None and total_vat != line_vat:
        raise DomainError(
            e.TOTAL_AMOUNT_MISMATCH,
            f"totalOrderVatAmount {total_vat} is not the sum of the lines' totalVatAmount "
            f"({line_vat})",
            field="totalOrderVatAmount",
        )
    if total <= 0:
        raise DomainError(
            e.ORDER_AMOUNT_NOT_POSITIVE,
            "An order must be worth more than 0",
            field="totalOrderAmount",
        )
    uncaptured = Chunk(ids.prefixed(ids.LEDGER), now, [new_line(line) for line in lines])
    order = Order(
        id=order_id,
        provider=provider,
        merchant_id=merchant_id,
        store_id=store_id,
        currency=currency,
        country=country,
        segment=segment,
        merchant_reference=merchant_reference,
        order_reference=ids.order_reference(),
        customer=customer,
        payment_method=payment_method,
        created_at=now,
        expires_at=expires_at,
        authorized=total,
        uncaptured=uncaptured,
        acknowledged=acknowledged,
        on_hold=on_hold,
        session_id=ids.prefixed(ids.SESSION),
    )
    order._event(EventType.CREATE, total, uncaptured.ledger_id, now)
    if ready and not on_hold:
        order._event(EventType.READY_FOR_CAPTURE, 0, uncaptured.ledger_id, now)
    return order

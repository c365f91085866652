"""The Order aggregate: lines, ledger chunks, events and the rules that change them.

Money left to capture is ``remaining = authorized − captured − cancelled``. The uncaptured
chunk's lines describe what is left; they can sum to *more* than ``remaining`` for a while
(Ledyer: a line captured without its ``id`` leaves the uncaptured line intact until the shop
edits it down), never to less. Every status either dialect shows is derived from this state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from orderdesk.domain import errors as e
from orderdesk.domain import ids
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.lines import (
    MAX_QUANTITY,
    CaptureLine,
    Line,
    amount_row,
    check_lines_total,
    copy_line,
    new_line,
)
from orderdesk.domain.matching import ItemSpec, item_line, take_matching
from orderdesk.domain.money import is_currency

WALLEY = "walley"
LEDYER = "ledyer"
B2C = "B2C"
B2B = "B2B"

MAX_DESCRIPTION = 50
DEFAULT_CAPTURE_DESCRIPTION = "Part capture"
REMAINDER_DESCRIPTION = "Remaining amount"
EXPIRY_EXTENSION = timedelta(days=14)


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

    @property
    def total(self) -> int:
        return sum(line.total_amount for line in self.lines)

    @property
    def total_vat(self) -> int:
        return sum(line.total_vat for line in self.lines)


@dataclass(slots=True)
class Event:
    id: str
    type: str
    amount: int
    ledger_id: str
    created_at: datetime


@dataclass(slots=True)
class CaptureMeta:
    """What a capture carries besides its lines: shown on the invoice and in settlements."""

    description: str | None = None
    action_reference: str | None = None
    note: str = ""


@dataclass(slots=True)
class WalleyCapture:
    """A Walley capture request in minor units; ``items`` is None for an amount-only capture."""

    amount: int
    items: list[ItemSpec] | None
    replace_items: bool
    meta: CaptureMeta


@dataclass(slots=True)
class Order:
    id: str
    provider: str
    merchant_id: str
    store_id: str
    currency: str
    country: str
    segment: str
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
    events: list[Event] = field(default_factory=list)

    # -- amounts --------------------------------------------------------------------------
    @property
    def captured_amount(self) -> int:
        return sum(chunk.total for chunk in self.captured)

    @property
    def refunded_amount(self) -> int:
        return sum(chunk.total for chunk in self.refunded)

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

    def find_chunk(self, ledger_id: str) -> Chunk | None:
        for chunk in self.captured:
            if chunk.ledger_id == ledger_id:
                return chunk
        if self.uncaptured is not None and self.uncaptured.ledger_id == ledger_id:
            return self.uncaptured
        return None

    # -- derived statuses -------------------------------------------------------------------
    def walley_status(self, now: datetime) -> str:
        captured = self.captured_amount
        if self.closed:
            return "Closed"
        if captured == 0 and self.cancelled > 0:
            return "Cancelled"
        if captured > 0 and self.refunded_amount >= captured and self.remaining == 0:
            return "Returned"
        if self.is_expired(now):
            return "Expired"
        if captured == 0:
            return "NotActivated"
        return "PartActivated" if self.remaining > 0 else "Activated"

    def ledyer_status(self, now: datetime) -> list[str]:
        captured = self.captured_amount
        status: list[str] = []
        cancelled = self.cancelled > 0 and self.remaining == 0
        if cancelled and captured == 0:
            status.append("cancelled")
        elif captured == 0:
            status.append("uncaptured")
        elif self.remaining > 0 or cancelled:
            status.append("partiallyCaptured")
        else:
            status.append("fullyCaptured")
        if cancelled and captured > 0:
            status.append("cancelled")
        refunded = self.refunded_amount
        if refunded > 0:
            status.append("fullyRefunded" if refunded >= captured else "partiallyRefunded")
        if self.is_expired(now):
            status.append("expired")
        return status

    def uncaptured_actions(self, now: datetime) -> list[str]:
        """Actions allowed on the uncaptured chunk now (Ledyer ``availableActions``)."""
        if self.uncaptured is None or self.remaining == 0 or self.closed:
            return []
        if self.is_expired(now):
            return ["cancel", "extendOrderExpiry"]
        return [
            "cancel",
            "capture",
            "partialCapture",
            "editCustomer",
            "editOrder",
            "extendOrderExpiry",
        ]

    def require_action(self, action: str, now: datetime) -> None:
        if action not in self.uncaptured_actions(now):
            status = ", ".join(self.ledyer_status(now))
            raise DomainError(
                e.ACTION_NOT_AVAILABLE,
                f"'{action}' is not available on this order (status: {status})",
                Kind.STATE,
            )

    # -- capture: Walley ----------------------------------------------------------------------
    def capture_walley(self, request: WalleyCapture, now: datetime) -> Chunk:
        """Walley ``POST /capture``: by amount, by items, or while replacing the items.

        Checks run in this order and the first failure wins: the request on its own
        (description, sign, items = amount), then the order's status, then the amount
        against the whole order and against what is left, then item matching.
        """
        amount, items, meta = request.amount, request.items, request.meta
        if meta.description is not None and len(meta.description) > MAX_DESCRIPTION:
            raise DomainError(
                e.CAPTURE_DESCRIPTION_TOO_LONG,
                f"The description is {len(meta.description)} characters; the limit is "
                f"{MAX_DESCRIPTION}",
                field="description",
            )
        if amount < 0:
            raise DomainError(
                e.CAPTURE_AMOUNT_MUST_NOT_BE_NEGATIVE,
                "The amount must be zero or greater",
                field="amount",
            )
        for index, item in enumerate(items or []):
            if not 1 <= item.quantity <= MAX_QUANTITY:
                raise DomainError(
                    e.INVALID_QUANTITY,
                    f"items[{index}].quantity must be a whole number from 1 to {MAX_QUANTITY}",
                    field=f"items[{index}].quantity",
                )
        if items is not None:
            item_sum = sum(item.unit_price * item.quantity for item in items)
            if item_sum != amount:
                raise DomainError(
                    e.CAPTURE_ITEMS_AMOUNT_NOT_EQUAL_TO_TOTAL_AMOUNT,
                    f"amount is {amount} but the items sum to {item_sum} (minor units)",
                    field="amount",
                )
        self._check_walley_capturable(now)
        if amount > self.authorized:
            raise DomainError(
                e.CAPTURE_AMOUNT_TOO_LARGE,
                "The amount to capture is larger than the sum of all items on the order",
                field="amount",
            )
        if amount > self.remaining:
            raise DomainError(
                e.CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT,
                "The amount to capture is larger than the amount left on the order",
                field="amount",
            )
        assert self.uncaptured is not None
        if items is None:
            return self._capture_by_amount(amount, meta, now)
        if request.replace_items:
            lines = [item_line(item) for item in items]
            self._replace_uncaptured_with_remainder(self.remaining - amount)
            self.items_replaced = True
            return self._record_capture(lines, meta, now)
        pool = [copy_line(line) for line in self.uncaptured.lines]
        captured: list[Line] = []
        for index, item in enumerate(items):
            captured.extend(take_matching(pool, item, index))
        kept = [line for line in pool if line.quantity > 0]
        return self._record_capture(captured, meta, now, kept=kept)

    def _check_walley_capturable(self, now: datetime) -> None:
        status = self.walley_status(now)
        if status == "Activated":
            raise DomainError(
                e.CAPTURE_ORDER_ALREADY_CAPTURED, "The order is already captured", Kind.STATE
            )
        if status not in ("NotActivated", "PartActivated"):
            raise DomainError(
                e.CAPTURE_INVALID_INVOICE_STATUS,
                f"An order with status {status} cannot be captured",
                Kind.STATE,
            )

    def _capture_by_amount(self, amount: int, meta: CaptureMeta, now: datetime) -> Chunk:
        assert self.uncaptured is not None
        if amount == self.remaining and self.uncaptured.total == amount:
            return self._record_capture(list(self.uncaptured.lines), meta, now)
        if amount == 0:
            raise DomainError(
                e.CAPTURE_AMOUNT_MUST_BE_POSITIVE,
                "An amount-only capture of 0 captures nothing",
                field="amount",
            )
        if self.segment == B2B:
            raise DomainError(
                e.CAPTURE_BY_AMOUNT_NOT_ALLOWED_FOR_B2B,
                "Part capture by amount is only available for B2C stores; send items",
                field="amount",
            )
        row = amount_row(amount, meta.description or DEFAULT_CAPTURE_DESCRIPTION)
        self._replace_uncaptured_with_remainder(self.remaining - amount)
        self.items_replaced = True
        return self._record_capture([row], meta, now)

    def _replace_uncaptured_with_remainder(self, left: int) -> None:
        assert self.uncaptured is not None
        self.uncaptured.lines = [amount_row(left, REMAINDER_DESCRIPTION)] if left > 0 else []

    # -- capture: Ledyer ----------------------------------------------------------------------
    def capture_lines(
        self, lines: list[CaptureLine], total: int, meta: CaptureMeta, now: datetime
    ) -> Chunk:
        """Ledyer partial capture: lines with ``id`` leave ``uncaptured``; others don't."""
        self.require_action("partialCapture", now)
        check_lines_total(lines, total, "totalCaptureAmount")
        if total > self.remaining:
            raise DomainError(
                e.CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT,
                f"totalCaptureAmount {total} is more than the {self.remaining} left to capture",
                field="totalCaptureAmount",
            )
        assert self.uncaptured is not None
        by_id = {line.id: line for line in self.uncaptured.lines}
        removed: set[str] = set()
        captured: list[Line] = []
        for index, sent in enumerate(lines):
            where = f"orderLines[{index}]"
            if sent.id is None:
                captured.append(new_line(sent))
                continue
            stored = by_id.get(sent.id)
            if stored is None or sent.id in removed:
                if sent.id in removed or any(
                    line.id == sent.id for chunk in self.captured for line in chunk.lines
                ):
                    raise DomainError(
                        e.CAPTURE_LINE_ALREADY_CAPTURED,
                        f"Order line {sent.id} is already captured",
                        field=f"{where}.id",
                    )
                raise DomainError(
                    e.CAPTURE_LINE_NOT_FOUND,
                    f"Order line {sent.id} is not an uncaptured line of this order",
                    field=f"{where}.id",
                )
            if stored.quantity != sent.quantity or stored.total_amount != sent.total_amount:
                raise DomainError(
                    e.CAPTURE_LINES_DO_NOT_MATCH_UNCAPTURED,
                    f"Order line {sent.id} is uncaptured with quantity {stored.quantity} and "
                    f"totalAmount {stored.total_amount}; to capture part of it, omit the id",
                    field=where,
                )
            removed.add(sent.id)
            captured.append(copy_line(stored))
        kept = [line for line in self.uncaptured.lines if line.id not in removed]
        return self._record_capture(captured, meta, now, kept=kept)

    def capture_all(
        self, lines: list[CaptureLine], total: int, meta: CaptureMeta, now: datetime
    ) -> Chunk:
        """Ledyer full capture: the lines sent must match every remaining uncaptured line."""
        self.require_action("capture", now)
        check_lines_total(lines, total, "totalCaptureAmount")
        assert self.uncaptured is not None
        if self.uncaptured.total != self.remaining:
            raise DomainError(
                e.CAPTURE_LINES_DO_NOT_MATCH_UNCAPTURED,
                f"The uncaptured lines sum to {self.uncaptured.total} but {self.remaining} is "
                "left to capture; edit the order first",
                Kind.STATE,
            )
        if total != self.remaining:
            raise DomainError(
                e.CAPTURE_LINES_DO_NOT_MATCH_UNCAPTURED,
                f"totalCaptureAmount {total} is not the {self.remaining} left to capture",
                field="totalCaptureAmount",
            )
        unmatched = list(self.uncaptured.lines)
        for index, sent in enumerate(lines):
            probe = new_line(sent)
            match = next(
                (
                    line
                    for line in unmatched
                    if (sent.id is None or sent.id == line.id) and line.same_goods(probe)
                ),
                None,
            )
            if match is None:
                raise DomainError(
                    e.CAPTURE_LINES_DO_NOT_MATCH_UNCAPTURED,
                    f"orderLines[{index}] ({sent.reference}) matches no uncaptured line",
                    field=f"orderLines[{index}]",
                )
            unmatched.remove(match)
        return self._record_capture(list(self.uncaptured.lines), meta, now)

    # -- cancel -------------------------------------------------------------------------------
    def cancel_walley(self, now: datetime) -> int:
        """Walley cancel: release everything not captured (NotActivated, PartActivated, Expired)."""
        status = self.walley_status(now)
        if status not in ("NotActivated", "PartActivated", "Expired"):
            raise DomainError(
                e.CANCEL_INVALID_ORDER_STATUS,
                f"An order with status {status} cannot be cancelled",
                Kind.STATE,
            )
        return self._cancel_rest(now)

    def cancel_ledyer(self, now: datetime) -> int:
        """Ledyer cancel: remove every uncaptured line; captured chunks stay."""
        self.require_action("cancel", now)
        return self._cancel_rest(now)

    def _cancel_rest(self, now: datetime) -> int:
        amount = self.remaining
        ledger_id = self.uncaptured_ledger()
        self.cancelled += amount
        self.uncaptured = None
        self._event("cancel", amount, ledger_id, now)
        return amount

    # -- expiry and customer ---------------------------------------------------------------------
    def extend_walley(self, now: datetime) -> datetime:
        """Walley extend: NotActivated, PartActivated, or Expired (authorised again)."""
        status = self.walley_status(now)
        if status not in ("NotActivated", "PartActivated", "Expired"):
            raise DomainError(
                e.EXTEND_INVALID_ORDER_STATUS,
                f"The expiry of an order with status {status} cannot be extended",
                Kind.STATE,
            )
        return self._extend(now)

    def extend_ledyer(self, now: datetime) -> datetime:
        self.require_action("extendOrderExpiry", now)
        return self._extend(now)

    def _extend(self, now: datetime) -> datetime:
        self.expires_at = max(self.expires_at, now) + EXPIRY_EXTENSION
        self._event("extendExpiry", 0, self.uncaptured_ledger(), now)
        return self.expires_at

    def edit_customer(self, changes: dict[str, Any], now: datetime) -> None:
        """Ledyer edit customer: the given fields replace the stored ones (addresses whole)."""
        self.require_action("editCustomer", now)
        self.customer = {**self.customer, **changes}
        self._event("editCustomer", 0, self.uncaptured_ledger(), now)

    # -- edit (Ledyer) ----------------------------------------------------------------------
    def edit(self, lines: list[CaptureLine], total: int, total_vat: int, now: datetime) -> None:
        """Replace the uncaptured lines; the authorisation becomes captured + the new lines.

        An edit may lower the order to what is already captured (an empty line list), never
        below; raising it above the current authorisation needs a new credit check, which
        orderdesk does not do, so it is refused.
        """
        self.require_action("editOrder", now)
        if not lines:
            raise DomainError(
                e.ORDER_HAS_NO_LINES,
                "An edit needs at least one line; cancel the order instead",
                field="orderLines",
            )
        check_lines_total(lines, total, "totalOrderAmount")
        line_vat = sum(line.total_vat for line in lines)
        if total_vat != line_vat:
            raise DomainError(
                e.TOTAL_AMOUNT_MISMATCH,
                f"totalOrderVatAmount {total_vat} is not the sum of the lines' "
                f"totalVatAmount ({line_vat})",
                field="totalOrderVatAmount",
            )
        if total > self.remaining:
            raise DomainError(
                e.EDIT_ABOVE_AUTHORIZATION,
                f"The edited lines ({total}) are worth more than the {self.remaining} still "
                "authorised; orderdesk does not raise an authorisation",
                field="totalOrderAmount",
            )
        assert self.uncaptured is not None
        ledger_id = self.uncaptured.ledger_id
        self.uncaptured.lines = [new_line(line) for line in lines]
        self.authorized -= self.remaining - total
        if total == 0:
            self.uncaptured = None
        self._event("edit", self.order_amount, ledger_id, now)

    def uncaptured_ledger(self) -> str:
        return self.uncaptured.ledger_id if self.uncaptured else self.captured[-1].ledger_id

    # -- internals --------------------------------------------------------------------------
    def _record_capture(
        self, captured: list[Line], meta: CaptureMeta, now: datetime, kept: list[Line] | None = None
    ) -> Chunk:
        """Append a captured chunk; ``kept``, when given, becomes the uncaptured lines."""
        chunk = Chunk(
            ledger_id=ids.prefixed(ids.LEDGER),
            created_at=now,
            lines=captured,
            note=meta.note,
            document_number=len(self.captured) + 1,
            description=meta.description,
            action_reference=meta.action_reference,
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
        kind = "fullCapture" if self.remaining == 0 else "partialCapture"
        self._event(kind, amount, chunk.ledger_id, now)
        return chunk

    def _event(self, kind: str, amount: int, ledger_id: str, now: datetime) -> None:
        self.events.append(Event(ids.prefixed(ids.EVENT), kind, amount, ledger_id, now))


def new_order(
    *,
    order_id: str,
    provider: str,
    merchant_id: str,
    store_id: str,
    currency: str,
    country: str,
    segment: str,
    lines: list[CaptureLine],
    total: int,
    total_vat: int | None,
    merchant_reference: str,
    customer: dict[str, Any],
    payment_method: str,
    expires_at: datetime,
    now: datetime,
) -> Order:
    """An authorised order, as a checkout would leave it: all lines uncaptured."""
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
    )
    order._event("create", total, uncaptured.ledger_id, now)
    order._event("readyForCapture", 0, uncaptured.ledger_id, now)
    return order

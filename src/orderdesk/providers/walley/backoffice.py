"""The back-office's forms on a Walley order: they build the requests a Walley client would
send (items named by article number, price and text; Walley's own matching picks the lines)
and run them through the same use cases as the API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from orderdesk.domain.lines import Line
from orderdesk.domain.money import MoneyFormatError, exponent, major_string, parse_decimal_text
from orderdesk.domain.order import CaptureMeta, Chunk, Order
from orderdesk.providers.base import CaptureForm, Offer, RefundForm, RefundOffer
from orderdesk.providers.walley import actions, rules
from orderdesk.service.replies import Presenter
from orderdesk.service.unit_of_work import Act, Parsed
from orderdesk.web.answers import Reply


def _major(minor: int, currency: str) -> Decimal:
    return Decimal(major_string(minor, exponent(currency)))


def _effective_price(line: Line) -> int:
    if line.unit_price is not None:
        return line.unit_price - (line.unit_discount or 0)
    return line.total_amount // max(line.quantity, 1)


def _items(order: Order, lines: list[Line]) -> list[rules.RequestedItem]:
    """The lines as Walley's clients name items: article number, price, quantity, text."""
    return [
        rules.RequestedItem(
            unit_price=_major(_effective_price(line), order.currency),
            quantity=line.quantity,
            id=line.reference,
            description=line.description,
        )
        for line in lines
    ]


def _captured_lines(order: Order) -> dict[str, Line]:
    """Every captured line by id, with what is left of it to refund where that is known."""
    known = {ln.id: ln for chunk in order.captured for ln in chunk.lines}
    known.update((ln.id, ln) for ln in rules.refundable_lines(order))
    return known


class WalleyBackoffice:
    def offers(self, order: Order, now: datetime) -> frozenset[Offer]:
        """Walley lists no actions: its rules say what a capture, cancel and extend need."""
        offered = set()
        if rules.capturable(order, now):
            offered |= {Offer.CAPTURE_LINES, Offer.CAPTURE_ALL}
        if rules.is_open(order, now):
            offered.add(Offer.CANCEL)
        if rules.is_extendable(order, now):
            offered.add(Offer.EXTEND)
        return frozenset(offered)

    async def capture(
        self, act: Act, order: Order, form: CaptureForm, presenter: Presenter[Chunk]
    ) -> Reply:
        picked, everything = form.picked, form.everything
        total = sum(line.total_amount for line in picked)
        items = None if everything else _items(order, picked)
        amount = order.remaining if everything else total
        request = rules.CaptureRequest(_major(amount, order.currency), items, False, CaptureMeta())
        return await actions.capture(act, Parsed.of(request), presenter)

    def refund_offer(self, order: Order) -> RefundOffer:
        lines = rules.refundable_lines(order) if order.refundable else []
        return RefundOffer(lines=lines, by_amount=order.refundable > 0)

    def refund_problem(self, order: Order, form: RefundForm) -> str | None:
        """Lines are looked up among every captured line: a form sent again after its refund
        is then answered by its key's stored reply, and a stale one is refused by the rules."""
        if form.by_amount:
            try:
                parse_decimal_text(form.amount)
            except (ValueError, MoneyFormatError):
                currency = order.currency
                return f"Give the amount to refund as a number, like 95.00 or 95,00 ({currency})."
            return None
        if not form.chosen:
            return "Choose at least one line to refund, or refund an amount."
        known = _captured_lines(order)
        if any(i not in known for i in form.chosen):
            return "A chosen line is not a captured line of this order; reload the page."
        return None

    async def refund(
        self, act: Act, order: Order, form: RefundForm, presenter: Presenter[Chunk]
    ) -> Reply:
        """By amount, or by items naming the chosen lines as Walley's items do."""
        if form.by_amount:
            request = rules.RefundRequest(parse_decimal_text(form.amount), None, CaptureMeta())
        else:
            known = _captured_lines(order)
            picked = [known[i] for i in form.chosen]
            total = sum(_effective_price(line) * line.quantity for line in picked)
            request = rules.RefundRequest(
                _major(total, order.currency), _items(order, picked), CaptureMeta()
            )
        return await actions.refund(act, request, presenter)

    async def cancel(self, act: Act, presenter: Presenter[int]) -> Reply:
        return await actions.cancel(act, None, presenter)

    async def extend(self, act: Act, presenter: Presenter[datetime]) -> Reply:
        return await actions.extend(act, presenter)

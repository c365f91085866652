"""The back-office's forms on a Klarna order: a capture of the chosen lines (or of what is
left), a refund of an amount, cancel and extend — the requests a Klarna client would send,
run through the same use cases as the API."""

from __future__ import annotations

from datetime import datetime

from orderdesk.domain.lines import CaptureLine, Line
from orderdesk.domain.money import MoneyFormatError, exponent, parse_decimal_text, to_minor
from orderdesk.domain.order import Chunk, Order
from orderdesk.providers.base import CaptureForm, Offer, RefundForm, RefundOffer
from orderdesk.providers.klarna import actions, rules
from orderdesk.service.replies import Presenter
from orderdesk.service.unit_of_work import Act, Parsed
from orderdesk.web.answers import Reply


def _capture_line(line: Line) -> CaptureLine:
    return CaptureLine(*line.values())


class KlarnaBackoffice:
    def offers(self, order: Order, now: datetime) -> frozenset[Offer]:
        current = rules.status(order, now)
        open_ = current in (rules.Status.AUTHORIZED, rules.Status.PART_CAPTURED)
        if not open_ or order.is_expired(now):
            return frozenset()
        offered: set[Offer] = set()
        if rules.fraud_status(order) == rules.FraudStatus.ACCEPTED:  # pending: cancel only
            offered |= {Offer.EXTEND, Offer.CAPTURE_LINES, Offer.CAPTURE_ALL}
        if order.captured_amount == 0:
            offered.add(Offer.CANCEL)
        return frozenset(offered)

    async def capture(
        self, act: Act, order: Order, form: CaptureForm, presenter: Presenter[Chunk]
    ) -> Reply:
        if form.everything:
            request = rules.CaptureRequest(order.remaining, None)
        else:
            lines = [_capture_line(line) for line in form.picked]
            request = rules.CaptureRequest(sum(x.total_amount for x in lines), lines)
        return await actions.capture(act, Parsed.of(request), presenter)

    def refund_offer(self, order: Order) -> RefundOffer:
        return RefundOffer(by_amount=order.refundable > 0)

    def refund_problem(self, order: Order, form: RefundForm) -> str | None:
        try:
            parse_decimal_text(form.amount)
        except (ValueError, MoneyFormatError):
            return f"Give the amount to refund as a number, like 95.00 or 95,00 ({order.currency})."
        return None

    async def refund(
        self, act: Act, order: Order, form: RefundForm, presenter: Presenter[Chunk]
    ) -> Reply:
        amount = to_minor(parse_decimal_text(form.amount), exponent(order.currency))
        return await actions.refund(act, Parsed.of(rules.RefundRequest(amount, None)), presenter)

    async def cancel(self, act: Act, presenter: Presenter[int]) -> Reply:
        return await actions.cancel(act, presenter)

    async def extend(self, act: Act, presenter: Presenter[datetime]) -> Reply:
        return await actions.extend_authorization(act, presenter)

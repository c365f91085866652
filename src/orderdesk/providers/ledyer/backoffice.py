"""The back-office's forms on a Ledyer order: captures of chosen lines (or of everything
left), refunds of a capture whole or of its chosen lines — the requests a Ledyer client would
send, run through the same use cases as the API."""

from __future__ import annotations

from datetime import datetime

from orderdesk.domain.lines import CaptureLine, Line
from orderdesk.domain.order import Chunk, Order
from orderdesk.providers.base import CaptureForm, Offer, RefundForm, RefundOffer
from orderdesk.providers.ledyer import actions, rules
from orderdesk.service.replies import Presenter
from orderdesk.service.unit_of_work import Act, Parsed
from orderdesk.web.answers import Reply


def _capture_line(line: Line) -> CaptureLine:
    return CaptureLine(*line.values())


def _chunk_lines(order: Order, ledger_id: str, chosen: list[str]) -> list[Line]:
    chunk = next((c for c in order.captured if c.ledger_id == ledger_id), None)
    lines = {ln.id: ln for ln in chunk.lines} if chunk else {}
    return [lines[i] for i in chosen if i in lines]


#: The order page's offers, from the uncaptured part's ``availableActions``.
OFFERS = {
    rules.Action.PARTIAL_CAPTURE: Offer.CAPTURE_LINES,
    rules.Action.CAPTURE: Offer.CAPTURE_ALL,
    rules.Action.CANCEL: Offer.CANCEL,
    rules.Action.EXTEND_ORDER_EXPIRY: Offer.EXTEND,
}


class LedyerBackoffice:
    def offers(self, order: Order, now: datetime) -> frozenset[Offer]:
        available = rules.available_actions(order, now)
        return frozenset(offer for action, offer in OFFERS.items() if action in available)

    async def capture(
        self, act: Act, order: Order, form: CaptureForm, presenter: Presenter[Chunk]
    ) -> Reply:
        picked, everything = form.picked, form.everything
        lines = [_capture_line(line) for line in picked]
        total = sum(line.total_amount for line in picked)
        command = Parsed.of((lines, total))
        return await actions.capture(act, command, presenter, partial=not everything)

    def refund_offer(self, order: Order) -> RefundOffer:
        chunks = {}
        for chunk in order.captured:
            offered = [str(action) for action in rules.chunk_actions(order, chunk)]
            if offered:
                chunks[chunk.ledger_id] = offered
        return RefundOffer(chunks=chunks)

    def refund_problem(self, order: Order, form: RefundForm) -> str | None:
        if form.everything:
            return None
        if not form.chosen:
            return "Choose at least one line of the capture to refund, or refund it whole."
        if len(_chunk_lines(order, form.chunk, form.chosen)) != len(form.chosen):
            return "A chosen line is not a line of that capture; reload the page."
        return None

    async def refund(
        self, act: Act, order: Order, form: RefundForm, presenter: Presenter[Chunk]
    ) -> Reply:
        if form.everything:
            return await actions.refund(act, form.chunk, "", presenter)
        lines = [_capture_line(line) for line in _chunk_lines(order, form.chunk, form.chosen)]
        total = sum(line.total_amount for line in lines)
        return await actions.partial_refund(act, form.chunk, lines, total, "", presenter)

    async def cancel(self, act: Act, presenter: Presenter[int]) -> Reply:
        return await actions.cancel(act, presenter)

    async def extend(self, act: Act, presenter: Presenter[datetime]) -> Reply:
        return await actions.extend(act, presenter)

"""The order page's forms: capture, refund, cancel, extend (each through the order's
provider's own use cases), the provider's side (accept or reject an order on hold, a
customer's payment) and sending a notification again."""

from __future__ import annotations

import uuid

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from orderdesk.backoffice import pages, presenter
from orderdesk.backoffice.order import order_page, order_provider, order_ref
from orderdesk.backoffice.pages import PREFIX
from orderdesk.backoffice.presenter import Outcome
from orderdesk.domain.money import MoneyFormatError, exponent, parse_decimal_text, to_minor
from orderdesk.providers.base import CaptureForm, RefundForm
from orderdesk.service import outbox as outbox_service
from orderdesk.service import provider_side
from orderdesk.service.provider_side import PaymentRequest
from orderdesk.service.unit_of_work import Act, IdempotencyKey
from orderdesk.store import outbox
from orderdesk.web.answers import Reply

ROUTES = pages.routes()


def _fingerprint(form: FormData, action: str, chosen: list[str]) -> bytes:
    """What a form asks for (its key's fingerprint): the action, the lines or the amount."""
    what = "all" if pages.text(form, "all") else ",".join(chosen)
    if action == "refund" and pages.text(form, "by") == "amount":
        what = f"{pages.text(form, 'chunk')} {pages.decimal(form, 'amount')}"
    elif action == "refund":
        what = f"{pages.text(form, 'chunk')} {what}"
    elif action == "pay":
        what = f"{pages.text(form, 'invoice')} {pages.decimal(form, 'amount')}"
    return f"{action} {what}".encode()


async def _act(request: Request, order_id: str, action: str) -> Response:
    session = await pages.session(request)
    form = await pages.form(request, session)
    provider = await order_provider(request, order_id)
    ref = order_ref(order_id, provider)
    form_key = pages.text(form, "key", 100) or str(uuid.uuid4())
    chosen = sorted(v for v in form.getlist("line") if isinstance(v, str))
    by_amount = pages.text(form, "by") == "amount"
    fingerprint = _fingerprint(form, action, chosen)
    key = IdempotencyKey.from_request(form_key, "POST", request.url.path, fingerprint)
    assert key is not None
    request.state.idempotency_key = form_key
    forms = provider.backoffice
    uow = pages.uow(request)
    act = Act(uow, ref, key)
    reply: Reply
    if action in PROVIDER_SIDE:
        answered = await _provider_side(request, order_id, action, form, act)
        if isinstance(answered, Response):
            return answered
        reply = answered
    elif action == "capture":
        order = (await uow.read(ref, fresh=True)).order
        uncaptured = order.uncaptured.lines if order.uncaptured else []
        everything = bool(pages.text(form, "all"))
        if not everything and not chosen:
            return await order_page(request, order_id, "Choose at least one line.", 422)
        # Lines are looked up in every chunk: a form sent again after its capture is then
        # answered by its key's stored reply, and a stale one is refused by the rules.
        known = {ln.id: ln for chunk in order.captured for ln in chunk.lines}
        known.update((ln.id, ln) for ln in uncaptured)
        picked = list(uncaptured) if everything else [known[i] for i in chosen if i in known]
        if not everything and len(picked) != len(chosen):
            message = "A chosen line is not a line of this order any more; reload the page."
            return await order_page(request, order_id, message, 422)
        capture = CaptureForm(picked, everything)
        reply = await forms.capture(act, order, capture, presenter.CAPTURE)
    elif action == "refund":
        order = (await uow.read(ref, fresh=True)).order
        refund = RefundForm(
            chosen,
            by_amount=by_amount,
            amount=pages.decimal(form, "amount"),
            chunk=pages.text(form, "chunk", 100),
            everything=bool(pages.text(form, "all")),
        )
        refused = forms.refund_problem(order, refund)
        if refused is not None:
            return await order_page(request, order_id, refused, 422)
        reply = await forms.refund(act, order, refund, presenter.REFUND)
    elif action == "cancel":
        reply = await forms.cancel(act, presenter.CANCEL)
    else:
        reply = await forms.extend(act, presenter.EXTEND)
    outcome = Outcome.from_reply(reply)
    if outcome.refused is not None:
        return await order_page(request, order_id, outcome.refused, 422)
    return pages.see_other(f"{PREFIX}/orders/{order_id}", outcome.message, request)


async def _provider_side(
    request: Request, order_id: str, action: str, form: FormData, act: Act
) -> Reply | Response:
    """Accept or reject an order on hold, or record a customer's payment (the sandbox
    playing the provider); a page when the amount typed is no number."""
    uow, ref, key = act.uow, act.ref, act.key
    if action == "accept":
        return await provider_side.accept(uow, ref, key, presenter.ACCEPT)
    if action == "reject":
        return await provider_side.reject(uow, ref, key, presenter.REJECT)
    order = (await uow.read(ref, fresh=True)).order
    typed = pages.decimal(form, "amount")
    try:
        amount = to_minor(parse_decimal_text(typed), exponent(order.currency)) if typed else None
    except (ValueError, MoneyFormatError):
        message = f"Give the amount paid as a number, like 95.00 ({order.currency})."
        return await order_page(request, order_id, message, 422)
    paying = PaymentRequest(pages.text(form, "invoice", 100) or None, amount)
    return await provider_side.pay(uow, ref, key, paying, presenter.PAID)


#: What the sandbox does as the provider itself (``_provider_side``).
PROVIDER_SIDE = frozenset({"accept", "reject", "pay"})
#: The order page's forms, each posted to ``/orders/{orderId}/{action}``.
ACTIONS = frozenset({"capture", "cancel", "extend", "refund"}) | PROVIDER_SIDE


@ROUTES.post("/orders/{orderId}/{action}")
async def action_route(request: Request) -> Response:
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise HTTPException(404, "Not Found")
    return await _act(request, request.path_params["orderId"], action)


@ROUTES.post("/orders/{orderId}/deliveries/{deliveryId}/resend")
async def resend_action(request: Request) -> Response:
    """Send one of the order's notifications again now (as the sandbox API's resend)."""
    session = await pages.session(request)
    await pages.form(request, session)
    order_id = request.path_params["orderId"]
    try:
        delivery_id = int(request.path_params["deliveryId"])
    except ValueError:
        raise HTTPException(404, "No such notification") from None
    async with pages.pool(request).acquire() as conn:
        found = await outbox.get_delivery(conn, delivery_id) if 0 < delivery_id < 2**63 else None
    if found is None or found["orderId"] != order_id:
        raise HTTPException(404, f"Order {order_id} has no notification {delivery_id}")
    await outbox_service.resend(pages.pool(request), delivery_id)
    message = f"Notification {delivery_id} ({found['eventType']}) will be sent again now."
    return pages.see_other(f"{PREFIX}/orders/{order_id}", message, request)

"""Plain words for the back-office: what a status means in its provider's API, what an event
was, and why an action was refused (the domain's code, said so a person understands it; each
provider adds its own codes). A refusal is said in these words, with the amount it was about
in the currency's major units, never with the API's message (written for a program, in minor
units)."""

from __future__ import annotations

from collections.abc import Callable

from orderdesk.backoffice.presenter import money
from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError
from orderdesk.domain.order import EventType, Order
from orderdesk.providers.registry import PROVIDERS

#: What each provider's statuses mean, in plain words.
STATUS_WORDS = {
    status: said
    for provider in PROVIDERS.values()
    for status, said in provider.status_words.items()
}

#: What each event type was (every type has its words: a test checks).
EVENT_WORDS: dict[str, str] = {
    EventType.CREATE: "Order authorised",
    EventType.READY_FOR_CAPTURE: "Ready for capture",
    EventType.PARTIAL_CAPTURE: "Part captured",
    EventType.FULL_CAPTURE: "Captured in full",
    EventType.PARTIAL_REFUND: "Part refunded",
    EventType.FULL_REFUND: "Refunded in full",
    EventType.CANCEL: "Rest cancelled",
    EventType.EDIT: "Order edited",
    EventType.EXTEND_EXPIRY: "Expiry extended",
    EventType.EDIT_CUSTOMER: "Customer edited",
    EventType.CLOSE: "Order closed",
    EventType.REAUTHORIZE_REQUESTED: "Higher authorisation asked for (credit check)",
    EventType.REAUTHORIZE: "Authorisation changed",
    EventType.SET_REFERENCE: "Reference set",
    EventType.ACKNOWLEDGE: "Order acknowledged",
    EventType.EDIT_PAYMENT_METHOD: "Payment method changed",
    EventType.EXPIRE: "Authorisation expired",
    EventType.AUTHORIZE: "Accepted after the hold",
    EventType.REJECT: "Rejected after the hold",
    EventType.PAID: "Customer paid",
}

_EXPLAINED = {
    e.ORDER_NOT_ON_HOLD: "The order is not on hold any more: it was accepted or rejected.",
    e.PAYMENT_AMOUNT_TOO_LARGE: "That is more than is left to pay of the invoice.",
    e.NOTHING_TO_PAY: "Nothing is owed on this invoice.",
    e.CAPTURE_ORDER_ALREADY_CAPTURED: "Everything on this order is already captured.",
    e.CAPTURE_INVALID_INVOICE_STATUS: "The order's status does not allow a capture.",
    e.CAPTURE_AMOUNT_TOO_LARGE: "That is more than the whole order is worth.",
    e.CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT: "That is more than is left to capture.",
    e.CAPTURE_ITEM_NOT_MATCHED: "A chosen line no longer matches an uncaptured line.",
    e.CAPTURE_LINE_NOT_FOUND: "A chosen line is no longer uncaptured (was it just captured?).",
    e.CAPTURE_LINE_ALREADY_CAPTURED: "A chosen line has already been captured.",
    e.CAPTURE_LINES_DO_NOT_MATCH_UNCAPTURED: (
        "The uncaptured lines no longer add up to what is left to capture."
    ),
    e.CAPTURE_ITEM_QUANTITY_TOO_LARGE: "More of a line was chosen than is left uncaptured.",
    e.CAPTURE_ITEMS_AMOUNT_NOT_EQUAL_TO_TOTAL_AMOUNT: (
        "The chosen lines do not add up to the amount asked for."
    ),
    e.CAPTURE_AMOUNT_MUST_BE_POSITIVE: "A capture must be of more than nothing.",
    e.CAPTURE_AMOUNT_HAS_TOO_MANY_DECIMALS: "The amount has more decimals than the currency.",
    e.CAPTURE_ITEMS_UNITPRICE_HAS_TOO_MANY_DECIMALS: (
        "A line's price has more decimals than the currency."
    ),
    e.CAPTURE_BY_AMOUNT_NOT_ALLOWED_FOR_B2B: (
        "A business store captures lines, not an amount: choose the lines."
    ),
    e.CANCEL_INVALID_ORDER_STATUS: (
        "Nothing is left to cancel: the order is fully captured, cancelled or closed."
    ),
    e.EXTEND_INVALID_ORDER_STATUS: (
        "Only an order with something left to capture can have its expiry extended."
    ),
    e.REFUND_INVALID_ORDER_STATUS: (
        "The order's status does not allow a refund: nothing captured is left to refund."
    ),
    e.REFUND_AMOUNT_TOO_LARGE: "That is more than is left to refund.",
    e.REFUND_AMOUNT_MUST_BE_POSITIVE: "A refund must be of more than nothing.",
    e.REFUND_AMOUNT_MUST_NOT_BE_NEGATIVE: "A refund cannot be of a negative amount.",
    e.REFUND_AMOUNT_HAS_TOO_MANY_DECIMALS: "The amount has more decimals than the currency.",
    e.REFUND_ITEMS_UNITPRICE_HAS_TOO_MANY_DECIMALS: (
        "A line's price has more decimals than the currency."
    ),
    e.REFUND_ITEMS_AMOUNT_NOT_EQUAL_TO_TOTAL_AMOUNT: (
        "The chosen lines do not add up to the amount asked for."
    ),
    e.REFUND_ITEM_NOT_MATCHED: (
        "A chosen line no longer matches a captured line that is not yet refunded."
    ),
    e.REFUND_ITEM_QUANTITY_TOO_LARGE: "More of a line was chosen than is left to refund.",
    e.REFUND_LINES_DO_NOT_MATCH: "A chosen line is not a line of that capture.",
    e.REFUND_LINE_QUANTITY_TOO_LARGE: (
        "A chosen line has already been refunded (in part or whole)."
    ),
    e.LEDGER_NOT_FOUND: "That capture is not part of this order.",
    e.ORDER_NOT_FOUND: "There is no such order.",
    e.IDEMPOTENCY_REQUEST_IN_PROGRESS: "This form is being sent already; wait a moment.",
    e.IDEMPOTENCY_KEY_REUSED: "This form was already sent with other values; reload the page.",
    **{code: said for p in PROVIDERS.values() for code, said in p.explained.items()},
}


#: Refusals about an amount: what the limit was, and the order's amount that is the limit.
_LIMITS: dict[str, tuple[str, Callable[[Order], int]]] = {
    e.REFUND_AMOUNT_TOO_LARGE: ("Left to refund", lambda order: order.refundable),
    e.CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT: (
        "Left to capture",
        lambda order: order.remaining,
    ),
    e.CAPTURE_AMOUNT_TOO_LARGE: ("Authorised", lambda order: order.authorized),
}


def explain(error: DomainError, order: Order | None = None) -> str:
    """Why an action was refused, in a sentence or two: the code's plain words and, for a
    limit of ``order``'s, that amount in major units; a code without words, its message."""
    said = _EXPLAINED.get(error.code)
    if said is None:
        message = error.message.rstrip()
        return message if message.endswith((".", "!", "?")) else f"{message}."
    limit = _LIMITS.get(error.code)
    if limit is None or order is None:
        return said
    what, amount = limit
    return f"{said} {what}: {money(amount(order), order.currency)}."

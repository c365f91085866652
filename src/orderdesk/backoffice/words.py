"""Plain words for the back-office: what a status means in its provider's API, what an event
was, and why an action was refused (the domain's code, said so a person understands it; each
provider adds its own codes)."""

from __future__ import annotations

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError
from orderdesk.providers.registry import PROVIDERS

#: What each provider's statuses mean, in plain words.
STATUS_WORDS = {
    status: said
    for provider in PROVIDERS.values()
    for status, said in provider.status_words.items()
}

EVENT_WORDS = {
    "create": "Order authorised",
    "readyForCapture": "Ready for capture",
    "partialCapture": "Part captured",
    "fullCapture": "Captured in full",
    "partialRefund": "Part refunded",
    "fullRefund": "Refunded in full",
    "cancel": "Rest cancelled",
    "edit": "Order edited",
    "extendExpiry": "Expiry extended",
    "editCustomer": "Customer edited",
    "close": "Order closed",
}

_EXPLAINED = {
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


def explain(error: DomainError) -> str:
    """One or two sentences: what was refused and why (the rule's own message follows)."""
    said = _EXPLAINED.get(error.code)
    if said is None:
        return f"Refused: {error.message}."
    return f"{said} ({error.message}.)"


def refusal_from(code: str, message: str) -> str:
    return explain(DomainError(code, message))

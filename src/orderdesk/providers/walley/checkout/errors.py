"""The checkout API's refusals in Walley's envelope (``{"id", "error": {"code", "message",
"errors": [{"reason", "message"}]}}``, dev.walleypay.com "HTTP Error Codes"): 400 for a bad
body, 404 for no such checkout, 423 while the customer pays (locked), 900 — Walley's own
status for a business error — once the purchase is completed or the checkout closed."""

from __future__ import annotations

from typing import Any

from orderdesk.domain import checkout as c
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.providers.walley.errors import RESPONSES as WALLEY_RESPONSES
from orderdesk.providers.walley.errors import WalleyError, envelope
from orderdesk.web.answers import Reply

PURCHASE_COMPLETED = "Purchase_Completed"  # the plugin looks for it in a 900
CHECKOUT_ABORTED = "Checkout_Aborted"
RESOURCE_LOCKED = "Resource_Locked"
NOT_FOUND = "Not_Found"
FORBIDDEN = "Forbidden"

TITLES = {
    400: "Bad or faulty request. Please examine the errors property for details.",
    403: "Access to the requested resource is denied.",
    404: "The resource requested was not found.",
    423: "The resource requested is currently locked for modification. Try again.",
    900: "The request was rejected by the server due to a business error.",
}

#: The core's refusals of a session (``domain/checkout.py``) as Walley answers them.
REFUSALS: dict[str, tuple[int, str]] = {
    c.CHECKOUT_NOT_FOUND: (404, NOT_FOUND),
    c.CHECKOUT_EXPIRED: (404, NOT_FOUND),  # "aborted … requests … result in a 404"
    c.CHECKOUT_LOCKED: (423, RESOURCE_LOCKED),
    c.CHECKOUT_COMPLETED: (900, PURCHASE_COMPLETED),
    c.CHECKOUT_CLOSED: (900, CHECKOUT_ABORTED),
}
KINDS = {Kind.INVALID: 400, Kind.NOT_FOUND: 404, Kind.FORBIDDEN: 403}

#: The document's answers. Walley's 900 is outside HTTP's status codes, which are all an
#: OpenAPI document may name (ReDoc renders nothing at all with one), so it is the default.
RESPONSES: dict[int | str, dict[str, Any]] = {
    **WALLEY_RESPONSES,
    **{
        status: {"model": WalleyError, "description": title}
        for status, title in TITLES.items()
        if status < 600
    },
    "default": {"model": WalleyError, "description": f"900 (Walley's own status): {TITLES[900]}"},
}


def refusal(err: DomainError) -> Reply:
    """``err`` as the checkout API answers it (a rule of the order: a 900)."""
    status, reason = REFUSALS.get(err.code, (KINDS.get(err.kind, 900), err.code))
    return envelope(status, reason, err.message, TITLES.get(status))

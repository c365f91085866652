"""Domain error codes. One code per rule; each dialect maps the kind to its HTTP status.

Walley's documented capture codes are used verbatim; rules Walley does not name get a code
in the same style, and Ledyer (whose codes are undocumented) reports the same codes.
"""

from __future__ import annotations

from enum import Enum


class Kind(Enum):
    INVALID = "invalid"  # the request is malformed or a value is out of range → 400
    RULE = "rule"  # a business rule rejects the values → 422
    STATE = "state"  # the order's state does not allow the operation → Walley 422, Ledyer 409
    NOT_FOUND = "not_found"  # → 404
    FORBIDDEN = "forbidden"  # → 403
    IN_PROGRESS = "in_progress"  # the same idempotency key is being processed → 409


class DomainError(Exception):
    """A rule was broken; nothing was changed."""

    def __init__(
        self, code: str, message: str, kind: Kind = Kind.RULE, field: str | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.kind = kind
        self.field = field


# -- capture (Walley's documented table) --------------------------------------------------
CAPTURE_ITEMS_AMOUNT_NOT_EQUAL_TO_TOTAL_AMOUNT = "CAPTURE_ITEMS_AMOUNT_NOT_EQUAL_TO_TOTAL_AMOUNT"
CAPTURE_DESCRIPTION_TOO_LONG = "CAPTURE_DESCRIPTION_TOO_LONG"
CAPTURE_AMOUNT_MUST_NOT_BE_NEGATIVE = "CAPTURE_AMOUNT_MUST_NOT_BE_NEGATIVE"
CAPTURE_AMOUNT_TOO_LARGE = "CAPTURE_AMOUNT_TOO_LARGE"
CAPTURE_AMOUNT_HAS_TOO_MANY_DECIMALS = "CAPTURE_AMOUNT_HAS_TOO_MANY_DECIMALS"
CAPTURE_ORDER_ALREADY_CAPTURED = "CAPTURE_ORDER_ALREADY_CAPTURED"
CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT = "CAPTURE_AMOUNT_GREATER_THAN_INVOICE_AMOUNT"
CAPTURE_ITEMS_UNITPRICE_HAS_TOO_MANY_DECIMALS = "CAPTURE_ITEMS_UNITPRICE_HAS_TOO_MANY_DECIMALS"
CAPTURE_INVALID_INVOICE_STATUS = "CAPTURE_INVALID_INVOICE_STATUS"
# -- capture (ours, same style) ---------------------------------------------------------------
CAPTURE_ITEM_NOT_MATCHED = "CAPTURE_ITEM_NOT_MATCHED"
CAPTURE_ITEM_AMBIGUOUS = "CAPTURE_ITEM_AMBIGUOUS"
CAPTURE_ITEM_QUANTITY_TOO_LARGE = "CAPTURE_ITEM_QUANTITY_TOO_LARGE"
CAPTURE_BY_AMOUNT_NOT_ALLOWED_FOR_B2B = "CAPTURE_BY_AMOUNT_NOT_ALLOWED_FOR_B2B"
CAPTURE_AMOUNT_MUST_BE_POSITIVE = "CAPTURE_AMOUNT_MUST_BE_POSITIVE"
CAPTURE_ITEMS_NOT_EXACT = "CAPTURE_ITEMS_NOT_EXACT"
CAPTURE_LINE_NOT_FOUND = "CAPTURE_LINE_NOT_FOUND"
CAPTURE_LINE_ALREADY_CAPTURED = "CAPTURE_LINE_ALREADY_CAPTURED"
CAPTURE_LINES_DO_NOT_MATCH_UNCAPTURED = "CAPTURE_LINES_DO_NOT_MATCH_UNCAPTURED"
# -- refund ----------------------------------------------------------------------------------
REFUND_AMOUNT_TOO_LARGE = "REFUND_AMOUNT_TOO_LARGE"
REFUND_AMOUNT_MUST_BE_POSITIVE = "REFUND_AMOUNT_MUST_BE_POSITIVE"
REFUND_LINES_DO_NOT_MATCH = "REFUND_LINES_DO_NOT_MATCH"
REFUND_LINE_QUANTITY_TOO_LARGE = "REFUND_LINE_QUANTITY_TOO_LARGE"
# -- sub-orders, reference, payment method (Ledyer) ---------------------------------------------
LEDGER_NOT_FOUND = "LEDGER_NOT_FOUND"
REFERENCE_TOO_LONG = "REFERENCE_TOO_LONG"
PAYMENT_METHOD_NOT_ALLOWED = "PAYMENT_METHOD_NOT_ALLOWED"
INVALID_CURSOR = "INVALID_CURSOR"
# -- cancel -------------------------------------------------------------------------------------
CANCEL_INVALID_ORDER_STATUS = "CANCEL_INVALID_ORDER_STATUS"
EXTEND_INVALID_ORDER_STATUS = "EXTEND_INVALID_ORDER_STATUS"
# -- order lines and totals (sandbox create, Ledyer bodies) -----------------------------------
TOTAL_AMOUNT_MISMATCH = "TOTAL_AMOUNT_MISMATCH"
LINE_TOTAL_MISMATCH = "LINE_TOTAL_MISMATCH"
VAT_AMOUNT_OUT_OF_TOLERANCE = "VAT_AMOUNT_OUT_OF_TOLERANCE"
INVALID_VAT_RATE = "INVALID_VAT_RATE"
INVALID_QUANTITY = "INVALID_QUANTITY"
UNKNOWN_CURRENCY = "UNKNOWN_CURRENCY"
ORDER_HAS_NO_LINES = "ORDER_HAS_NO_LINES"
ORDER_AMOUNT_NOT_POSITIVE = "ORDER_AMOUNT_NOT_POSITIVE"
# -- edit -------------------------------------------------------------------------------------
EDIT_ABOVE_AUTHORIZATION = "EDIT_ABOVE_AUTHORIZATION"
# -- generic ----------------------------------------------------------------------------------
ACTION_NOT_AVAILABLE = "ACTION_NOT_AVAILABLE"
ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
FORBIDDEN = "FORBIDDEN"
INVALID_REQUEST = "INVALID_REQUEST"
IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
IDEMPOTENCY_REQUEST_IN_PROGRESS = "IDEMPOTENCY_REQUEST_IN_PROGRESS"
IDEMPOTENCY_KEY_INVALID = "IDEMPOTENCY_KEY_INVALID"


def invalid(message: str, field: str | None = None, code: str = INVALID_REQUEST) -> DomainError:
    return DomainError(code, message, Kind.INVALID, field)

"""Ledyer's answers, defined once: ``views.py`` builds these TypedDicts (plain dicts, written
by orjson) and the routes give the same types to the OpenAPI document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import Field
from typing_extensions import TypedDict  # pydantic refuses typing's before Python 3.12


class LedyerAmount(TypedDict):
    amount: Annotated[str, Field(examples=["4890.00"])]
    currency: str
    formatted: Annotated[str, Field(examples=["4,890.00"])]
    formattedWithCurrency: Annotated[str, Field(examples=["SEK 4,890.00"])]
    minorUnits: int


class LedyerLine(TypedDict):
    description: str
    id: Annotated[str, Field(description="ol_…")]
    quantity: int
    reference: str
    totalAmount: int
    totalVatAmount: int
    type: str
    unitDiscountAmount: int
    unitPrice: int | None
    vat: Annotated[int, Field(description="Basis points: 2500 = 25 %")]


class LedyerAction(TypedDict):
    type: str


class LedyerChunk(TypedDict):
    """The uncaptured part of the order (a sub-order with a ledger id)."""

    availableActions: list[LedyerAction]
    createdAt: str
    ledgerId: str
    note: str
    orderLines: list[LedyerLine]
    status: list[str]
    totalOrderAmount: LedyerAmount
    totalOrderAmountExclVat: LedyerAmount
    totalOrderVatAmount: LedyerAmount


class LedyerCapture(LedyerChunk):
    """One capture (one invoice), or one refund of a capture (one credit note). A capture's
    ``availableActions`` are ``refund`` and ``partialRefund`` until part of it is refunded,
    then ``partialRefund`` until all of it is, then none; a refund's are none."""

    documentReference: str
    documentUrl: Annotated[str, Field(description="Signed link to the invoice PDF")]


class LedyerEvent(TypedDict):
    amount: LedyerAmount
    createdAt: str
    id: str
    ledgerId: str
    orderId: str
    type: str


class LedyerPaymentMethod(TypedDict):
    provider: str
    type: str


class LedyerRiskProfile(TypedDict):
    tags: list[str]


class LedyerOrder(TypedDict):
    """The whole order: every Ledyer answer, reads and writes alike."""

    authorizeStatus: str
    captured: list[LedyerCapture]
    capturedAmount: LedyerAmount
    createdAt: str
    customer: dict[str, Any]
    events: list[LedyerEvent]
    expiresAt: str
    id: Annotated[str, Field(description="or_…")]
    merchantId: str
    merchantReference: str
    orderAmount: LedyerAmount
    orderReference: str
    paymentMethod: LedyerPaymentMethod
    riskProfile: LedyerRiskProfile
    refunded: Annotated[list[LedyerCapture], Field(description="Credit notes, one per refund")]
    refundedAmount: LedyerAmount
    status: Sequence[str]  # the rules' list of LedyerStatus, a StrEnum
    storeId: str
    uncaptured: LedyerChunk | None
    uncapturedAmount: LedyerAmount
    updatedAt: str


class LedyerPaymentStatus(TypedDict):
    """``GET /v1/orders/{orderId}/paymentstatus`` and ``GET /v1/paymentstatus?orderId=…`` (or
    ``?sessionId=…``)."""

    note: Annotated[str, Field(examples=["Authorized"])]
    paymentMethod: LedyerPaymentMethod
    status: Annotated[
        str,
        Field(
            description="orderInitiated, orderPending, paymentPending, paymentConfirmed,"
            " orderCaptured, orderRefunded, orderCancelled or unknown"
        ),
    ]


class LedyerOrderList(TypedDict):
    """``GET /v1/orders``: a page of orders, newest first."""

    orders: list[LedyerOrder]
    nextCursor: Annotated[
        str | None, Field(description="Pass as cursor for the next page; null at the end")
    ]
    lastId: Annotated[
        str | None, Field(description="The last order's id (for the deprecated fromId)")
    ]

"""Ledyer's order object described for the OpenAPI document (``views.py`` writes it)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class LedyerAmount(BaseModel):
    amount: str = Field(examples=["4890.00"])
    currency: str
    formatted: str = Field(examples=["4,890.00"])
    formattedWithCurrency: str = Field(examples=["SEK 4,890.00"])
    minorUnits: int


class LedyerLine(BaseModel):
    description: str
    id: str = Field(description="ol_…")
    quantity: int
    reference: str
    totalAmount: int
    totalVatAmount: int
    type: str
    unitDiscountAmount: int
    unitPrice: int | None
    vat: int = Field(description="Basis points: 2500 = 25 %")


class LedyerAction(BaseModel):
    type: str


class LedyerChunk(BaseModel):
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
    documentUrl: str = Field(description="Signed link to the invoice PDF")


class LedyerEvent(BaseModel):
    amount: LedyerAmount
    createdAt: str
    id: str
    ledgerId: str
    orderId: str
    type: str


class LedyerPaymentMethod(BaseModel):
    provider: str
    type: str


class LedyerRiskProfile(BaseModel):
    tags: list[str]


class LedyerOrder(BaseModel):
    """The whole order: every Ledyer answer, reads and writes alike."""

    model_config = ConfigDict(title="LedyerOrder")

    authorizeStatus: str
    captured: list[LedyerCapture]
    capturedAmount: LedyerAmount
    createdAt: str
    customer: dict[str, Any]
    events: list[LedyerEvent]
    expiresAt: str
    id: str = Field(description="or_…")
    merchantId: str
    merchantReference: str
    orderAmount: LedyerAmount
    orderReference: str
    paymentMethod: LedyerPaymentMethod
    riskProfile: LedyerRiskProfile
    refunded: list[LedyerCapture] = Field(description="Credit notes, one per refund")
    refundedAmount: LedyerAmount
    status: list[str]
    storeId: str
    uncaptured: LedyerChunk | None
    uncapturedAmount: LedyerAmount
    updatedAt: str


class LedyerPaymentStatus(BaseModel):
    """``GET /v1/orders/{orderId}/paymentstatus`` and ``GET /v1/paymentstatus?orderId=…``."""

    model_config = ConfigDict(title="LedyerPaymentStatus")

    note: str = Field(examples=["Authorized"])
    paymentMethod: LedyerPaymentMethod
    status: str = Field(
        description="orderInitiated, orderPending, paymentPending, paymentConfirmed,"
        " orderCaptured, orderRefunded or orderCancelled"
    )


class LedyerOrderList(BaseModel):
    """``GET /v1/orders``: a page of orders, newest first."""

    model_config = ConfigDict(title="LedyerOrderList")

    orders: list[LedyerOrder]
    nextCursor: str | None = Field(description="Pass as cursor for the next page; null at the end")
    lastId: str | None = Field(description="The last order's id (for the deprecated fromId)")

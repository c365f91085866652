"""Ledyer request bodies: integer minor units, basis-point VAT, strict JSON types."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orderdesk.web.bodies import CompanyAddress, Minor, OrderLine


class CaptureBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", title="CaptureRequest")

    orderLines: list[OrderLine] = Field(min_length=1, max_length=1000)
    totalCaptureAmount: Minor = Field(description="The sum of the lines' totalAmount")


class EditBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", title="EditOrderRequest")

    orderLines: list[OrderLine] = Field(min_length=1, max_length=1000)
    totalOrderAmount: Minor
    totalOrderAmountExclVat: Minor
    totalOrderVatAmount: Minor


class RefundBody(BaseModel):
    """``POST …/refund/{ledgerId}``: no body, ``[]``, or a note."""

    model_config = ConfigDict(strict=True, extra="ignore", title="RefundRequest")

    note: str = Field("", max_length=1000, description="Why the chunk is refunded")


class PartialRefundBody(BaseModel):
    """``POST …/partialrefund/{ledgerId}``: positive lines of the captured chunk."""

    model_config = ConfigDict(strict=True, extra="ignore", title="PartialRefundRequest")

    orderLines: list[OrderLine] = Field(min_length=1, max_length=1000)
    totalRefundAmount: Minor = Field(description="The sum of the lines' totalAmount")
    note: str = Field("", max_length=1000)


class ReferenceBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", title="SetReferenceRequest")

    reference: str = Field(max_length=1000, description="At most 50 characters (422 beyond)")


class PaymentMethodValue(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    provider: str = Field(max_length=50, examples=["ledyer"])
    type: str = Field(max_length=50, examples=["advanceInvoice"])


class PaymentMethodBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", title="EditPaymentMethodRequest")

    paymentMethod: PaymentMethodValue


LedyerStatusFilter = Literal[
    "uncaptured",
    "partiallyCaptured",
    "fullyCaptured",
    "partiallyRefunded",
    "fullyRefunded",
    "cancelled",
    "unacknowledged",
    "expired",
    "partiallyPaid",
    "fullyPaid",
]
PaymentMethodCategory = Literal["advanceInvoice", "card", "invoice", "serviceInvoice"]


def is_empty(body: bytes) -> bool:
    """No body: nothing, ``[]`` or ``{}`` (what clients send when they have no data)."""
    return body.strip() in (b"", b"[]", b"{}")


class InvoiceChannel(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    type: str | None = Field(None, max_length=20)
    details: str | None = Field(None, max_length=200)


class EditCustomerBody(BaseModel):
    """``POST /v1/orders/{id}/customer``: every field optional; an address replaces the old one."""

    model_config = ConfigDict(strict=True, extra="ignore", title="EditCustomerRequest")

    billingAddress: CompanyAddress | None = None
    shippingAddress: CompanyAddress | None = None
    email: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=30)
    invoiceChannel: InvoiceChannel | None = None
    reference1: str | None = Field(None, max_length=100)
    reference2: str | None = Field(None, max_length=100)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)

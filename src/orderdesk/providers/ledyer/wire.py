"""Ledyer request bodies: integer minor units, basis-point VAT, strict JSON types."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orderdesk.domain.lines import MAX_QUANTITY, CaptureLine
from orderdesk.domain.money import MAX_MINOR
from orderdesk.domain.vat import MAX_VAT_BP

Minor = Annotated[int, Field(ge=-MAX_MINOR, le=MAX_MINOR)]


class OrderLine(BaseModel):
    """An order line as Ledyer's clients send it (``unitPrice`` and discount may be absent)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    id: str | None = Field(None, max_length=64, description="ol_… of an uncaptured line")
    reference: str = Field("", max_length=255, description="Article number (SKU)")
    description: str = Field("", max_length=255)
    type: str = Field("physical", max_length=50, description="physical, digital, shippingFee, …")
    quantity: int = Field(ge=0, le=MAX_QUANTITY)
    unitPrice: Minor | None = Field(None, description="Minor units, VAT included")
    unitDiscountAmount: Minor | None = Field(None, description="Minor units per unit")
    totalAmount: Minor = Field(description="Minor units, VAT included, after discount")
    totalVatAmount: Minor = Field(description="Within ±1 of the exact VAT part")
    vat: int = Field(ge=0, le=MAX_VAT_BP, description="Basis points: 2500 = 25 %")

    def command(self) -> CaptureLine:
        return CaptureLine(
            id=self.id,
            reference=self.reference,
            description=self.description,
            type=self.type,
            quantity=self.quantity,
            unit_price=self.unitPrice,
            unit_discount=self.unitDiscountAmount,
            total_amount=self.totalAmount,
            vat=self.vat,
            total_vat=self.totalVatAmount,
        )


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
]
PaymentMethodCategory = Literal["advanceInvoice", "card", "invoice", "serviceInvoice"]


def is_empty(body: bytes) -> bool:
    """No body: nothing, ``[]`` or ``{}`` (what clients send when they have no data)."""
    return body.strip() in (b"", b"[]", b"{}")


class Contact(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    email: str | None = Field(None, max_length=200)
    firstName: str | None = Field(None, max_length=200)
    lastName: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=30)


class CompanyAddress(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    attentionName: str | None = Field(None, max_length=200)
    careOf: str | None = Field(None, max_length=200)
    city: str | None = Field(None, max_length=100)
    companyName: str | None = Field(None, max_length=200)
    country: str | None = Field(None, max_length=50)
    postalCode: str | None = Field(None, max_length=20)
    streetAddress: str | None = Field(None, max_length=200)
    streetAddress2: str | None = Field(None, max_length=200)
    contact: Contact | None = None


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

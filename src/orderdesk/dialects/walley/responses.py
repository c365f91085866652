"""Walley's answers described for the OpenAPI document (``views.py`` writes them).

Amounts are JSON numbers with the currency's decimals (``285.00``), never strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

Number = Annotated[Decimal, WithJsonSchema({"type": "number"})]
Text = str | None


class WalleyItem(BaseModel):
    articleNumber: str
    description: str
    quantity: int
    price: Number = Field(description="Unit price incl. VAT, after discount")
    vatRate: Number = Field(description="Percent")
    totalAmount: Number
    type: str


class WalleyInvoice(BaseModel):
    invoiceNumber: str
    paymentStatus: str
    totalAmount: Number
    createdAt: str = Field(json_schema_extra={"format": "date-time"})
    dueDate: str = Field(json_schema_extra={"format": "date"})
    description: Text
    actionReference: Text


class WalleyAddress(BaseModel):
    addressLine1: Text
    addressLine2: Text
    city: Text
    coAddress: Text
    receiverName: Text
    countryCode: Text
    email: Text
    mobilePhone: Text
    phoneNumber: Text
    postalCode: Text


class WalleyCustomer(BaseModel):
    type: str = Field(description="Person or Company")
    name: Text
    firstName: Text
    lastName: Text
    registrationNumber: Text = Field(description="Masked")
    countryCode: Text
    coAddress: Text
    addressLine1: Text
    addressLine2: Text
    city: Text
    postalCode: Text
    email: Text
    mobilePhoneNumber: Text
    homePhoneNumber: Text


class WalleyOrder(BaseModel):
    id: str = Field(json_schema_extra={"format": "uuid"})
    reference: str
    paymentMethod: str
    totalAmount: Number
    currency: str
    status: str = Field(
        description="NotActivated, PartActivated, Activated, Returned, Expired, Closed, Cancelled"
    )
    salesSegment: str
    countryCode: str
    productCode: Text
    placedAt: str = Field(json_schema_extra={"format": "date-time"})
    expiresAt: Text = Field(description="None once nothing is left to capture")
    customer: WalleyCustomer
    deliveryAddress: WalleyAddress | None
    invoiceAddress: WalleyAddress | None
    items: list[WalleyItem]
    invoices: list[WalleyInvoice]


class WalleyOrderAnswer(BaseModel):
    """``GET /manage/orders/{orderId}``."""

    model_config = ConfigDict(title="WalleyOrderAnswer")

    data: WalleyOrder


LOCATION: dict[str, Any] = {
    "Location": {"description": "/manage/orders/{orderId}", "schema": {"type": "string"}}
}

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
    totalAmount: Number = Field(description="Negative for a credit invoice (a refund)")
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


class WalleyCustomerDetails(WalleyCustomer):
    customerId: Text


class WalleyOrderSummary(BaseModel):
    """An order as the search lists it."""

    id: str = Field(json_schema_extra={"format": "uuid"})
    orderNumber: str = Field(description="The merchant's order reference")
    merchantId: str
    storeId: str
    paymentMethod: str
    totalAmount: Number
    totalVat: Number
    currency: str
    status: str
    countryCode: str
    placedAt: str = Field(json_schema_extra={"format": "date-time"})
    expiresAt: Text
    customerDetails: WalleyCustomerDetails
    deliveryAddress: WalleyAddress | None
    invoiceAddress: WalleyAddress | None
    tags: list[str]


class WalleySearchAnswer(BaseModel):
    """``GET /manage/orders``: one page, newest first."""

    model_config = ConfigDict(title="WalleySearchAnswer")

    data: list[WalleyOrderSummary]


class WalleyReauthorization(BaseModel):
    status: str = Field(description="Pending, Completed or Failed")


class WalleyReauthorizationAnswer(BaseModel):
    """``GET /manage/orders/{orderId}/reauthorize/{reauthorizeId}``."""

    model_config = ConfigDict(title="WalleyReauthorizationAnswer")

    data: WalleyReauthorization


class WalleyOrderAnswer(BaseModel):
    """``GET /manage/orders/{orderId}``."""

    model_config = ConfigDict(title="WalleyOrderAnswer")

    data: WalleyOrder


LOCATION: dict[str, Any] = {
    "Location": {"description": "/manage/orders/{orderId}", "schema": {"type": "string"}}
}
CORRELATION: dict[str, Any] = {
    "X-Correlation-Id": {
        "description": "The write's correlationId: GET /manage/orders/{orderId}?correlationId="
        "… answers with the order as it is, this write included",
        "schema": {"type": "string"},
    }
}

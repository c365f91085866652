"""Walley's answers, defined once: ``views.py`` builds these TypedDicts (plain dicts, written
by orjson) and the routes give the same types to the OpenAPI document.

Amounts are JSON numbers with the currency's decimals (``285.00``), never strings.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from pydantic import Field, GetPydanticSchema, WithJsonSchema
from pydantic_core import core_schema
from typing_extensions import TypedDict  # pydantic refuses typing's before Python 3.12

#: A JSON number, written as an ``orjson.Fragment`` of its text (``views.decimal_number``) so no
#: float ever carries it; an answer read back (the tests validate them) gives a ``Decimal``.
Number = Annotated[
    orjson.Fragment,
    GetPydanticSchema(lambda _source, _handler: core_schema.decimal_schema()),
    WithJsonSchema({"type": "number"}),
]
Text = str | None


class WalleyItem(TypedDict):
    articleNumber: str
    description: str
    quantity: int
    price: Annotated[Number, Field(description="Unit price incl. VAT, after discount")]
    vatRate: Annotated[Number, Field(description="Percent")]
    totalAmount: Number
    type: str


class WalleyInvoice(TypedDict):
    invoiceNumber: str
    paymentStatus: Annotated[
        str, Field(json_schema_extra={"enum": ["NotPaid", "PartiallyPaid", "FullyPaid"]})
    ]
    totalAmount: Annotated[Number, Field(description="Negative for a credit invoice (a refund)")]
    createdAt: Annotated[str, Field(json_schema_extra={"format": "date-time"})]
    dueDate: Annotated[str, Field(json_schema_extra={"format": "date"})]
    description: Text
    actionReference: Text


class WalleyAddress(TypedDict):
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


class WalleyCustomer(TypedDict):
    type: Annotated[str, Field(description="Person or Company")]
    name: Text
    firstName: Text
    lastName: Text
    registrationNumber: Annotated[Text, Field(description="Masked")]
    countryCode: Text
    coAddress: Text
    addressLine1: Text
    addressLine2: Text
    city: Text
    postalCode: Text
    email: Text
    mobilePhoneNumber: Text
    homePhoneNumber: Text


class WalleyOrder(TypedDict):
    id: Annotated[str, Field(json_schema_extra={"format": "uuid"})]
    reference: str
    paymentMethod: str
    totalAmount: Number
    currency: str
    status: Annotated[
        str,
        Field(
            description="NotActivated, PartActivated, Activated, Returned, Expired, Closed,"
            " Cancelled, OnHold"
        ),
    ]
    salesSegment: str
    countryCode: str
    productCode: Text
    placedAt: Annotated[str, Field(json_schema_extra={"format": "date-time"})]
    expiresAt: Annotated[Text, Field(description="None once nothing is left to capture")]
    customer: WalleyCustomer
    deliveryAddress: WalleyAddress | None
    invoiceAddress: WalleyAddress | None
    items: list[WalleyItem]
    invoices: list[WalleyInvoice]


class WalleyCustomerDetails(WalleyCustomer):
    customerId: Text


class WalleyOrderSummary(TypedDict):
    """An order as the search lists it."""

    id: Annotated[str, Field(json_schema_extra={"format": "uuid"})]
    orderNumber: Annotated[str, Field(description="The merchant's order reference")]
    merchantId: str
    storeId: str
    paymentMethod: str
    totalAmount: Number
    totalVat: Number
    currency: str
    status: str
    countryCode: str
    placedAt: Annotated[str, Field(json_schema_extra={"format": "date-time"})]
    expiresAt: Text
    customerDetails: WalleyCustomerDetails
    deliveryAddress: WalleyAddress | None
    invoiceAddress: WalleyAddress | None
    tags: list[str]


class WalleySearchAnswer(TypedDict):
    """``GET /manage/orders``: one page, newest first."""

    data: list[WalleyOrderSummary]


class WalleyReauthorization(TypedDict):
    status: Annotated[str, Field(description="Pending, Completed or Failed")]


class WalleyReauthorizationAnswer(TypedDict):
    """``GET /manage/orders/{orderId}/reauthorize/{reauthorizeId}``."""

    data: WalleyReauthorization


class WalleyOrderAnswer(TypedDict):
    """``GET /manage/orders/{orderId}``."""

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

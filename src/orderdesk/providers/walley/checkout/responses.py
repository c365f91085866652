"""The checkout API's answers, defined once: ``views.py`` builds them, the routes document them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field
from typing_extensions import TypedDict  # pydantic refuses typing's before Python 3.12

from orderdesk.providers.walley.responses import Number

Text = str | None


class Created(TypedDict):
    privateId: Annotated[str, Field(description="The session, for the shop's server")]
    publicToken: Annotated[str, Field(description="For the loader's data-token")]
    expiresAt: Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class CreatedAnswer(TypedDict):
    id: str
    data: Created
    error: None


class Done(TypedDict):
    id: str
    data: None
    error: None


class CheckoutItem(TypedDict):
    id: str
    description: str
    unitPrice: Number
    quantity: int
    vat: Annotated[Number, Field(description="Percent")]


class Cart(TypedDict):
    totalAmount: Number
    items: list[CheckoutItem]


class Purchase(TypedDict):
    amountToPay: Number
    paymentName: str
    invoiceDeliveryMethod: str
    purchaseIdentifier: str
    result: Result


class CheckoutOrder(TypedDict):
    orderId: Annotated[str, Field(description="The order in order management")]
    totalAmount: Number
    items: list[CheckoutItem]


SessionStatus = Literal[
    "Initialized", "CustomerIdentified", "CommittedToPurchase", "PurchaseCompleted", "Aborted"
]
Result = Literal["Preliminary", "OnHold", "Rejected", "Activated", "Signing", "Completed"]


class CheckoutInformation(TypedDict):
    customerType: Literal["PrivateCustomer", "BusinessCustomer"] | None
    customer: dict[str, Any] | None
    businessCustomer: dict[str, Any] | None
    countryCode: str
    status: SessionStatus
    reference: Text
    cart: Cart
    fees: dict[str, CheckoutItem] | None
    metadata: dict[str, Any] | None
    purchase: Purchase | None
    order: CheckoutOrder | None
    shipping: None


class CheckoutAnswer(TypedDict):
    id: str
    data: CheckoutInformation
    error: None

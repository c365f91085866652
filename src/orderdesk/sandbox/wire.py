"""Sandbox request bodies: orderdesk's own API for what a checkout would create."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, field_validator

from orderdesk.providers.registry import PROVIDERS
from orderdesk.web.bodies import CompanyAddress, Minor, OrderLine


class MerchantBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)


class StoreBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    storeId: str | None = Field(
        None, pattern=r"^[0-9A-Za-z_-]{1,40}$", description="Default: a new numeric id"
    )
    provider: str = Field(json_schema_extra={"enum": list[JsonValue](PROVIDERS)})
    country: str = Field(pattern=r"^[A-Z]{2}$")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    segment: Literal["B2C", "B2B"] = "B2C"

    @field_validator("provider")
    @classmethod
    def _installed(cls, provider: str) -> str:
        return installed(provider)


def installed(provider: str) -> str:
    """``provider``, when it is one of the registry's."""
    if provider not in PROVIDERS:
        raise ValueError(f"Input should be one of {', '.join(map(repr, PROVIDERS))}")
    return provider


def _payment_methods() -> str:
    listed = [
        f"{p.title} stores: {', '.join(p.payment_methods)}"
        for p in PROVIDERS.values()
        if p.payment_methods is not None
    ]
    return "; ".join(listed) or "Any"


class CredentialBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    storeIds: list[str] | None = Field(
        None,
        description="The stores it may act on. Default: all the merchant's stores, "
        "including stores added later (a token lists the stores when it is issued)",
    )


class Customer(BaseModel):
    model_config = ConfigDict(extra="allow")

    firstName: str | None = None
    lastName: str | None = None
    companyName: str | None = None
    companyId: str | None = None
    nationalId: str | None = None
    email: str | None = None
    phone: str | None = None
    reference1: str | None = None
    reference2: str | None = None
    billingAddress: CompanyAddress | None = None
    shippingAddress: CompanyAddress | None = None


class OrderBody(BaseModel):
    """An authorised order: lines in minor units with VAT in basis points."""

    model_config = ConfigDict(strict=True, extra="forbid")

    storeId: str
    orderLines: list[OrderLine] = Field(min_length=1, max_length=5000)
    totalOrderAmount: Minor
    totalOrderVatAmount: Minor | None = None
    merchantReference: str = Field("", max_length=50)
    customer: Customer = Field(default_factory=Customer)
    paymentMethod: str = Field(
        "invoice",
        max_length=40,
        description=_payment_methods(),
    )
    acknowledged: bool = Field(False, description="As if the shop had acknowledged the order")
    onHold: bool = Field(
        False,
        description="The order starts on hold until POST "
        "/sandbox/orders/{orderId}/accept or /reject; only where the provider holds orders",
    )
    expiresAt: AwareDatetime | None = Field(None, description="Default: 14 days from now")


class PaymentBody(BaseModel):
    """A customer's payment of one invoice, whole or part."""

    model_config = ConfigDict(strict=True, extra="forbid")

    ledgerId: str | None = Field(
        None,
        max_length=100,
        description="The invoice paid: a capture's ledger id (an advance invoice: the "
        "uncaptured chunk's). Default: the oldest invoice not paid whole",
    )
    amount: Minor | None = Field(
        None, description="Minor units, more than 0. Default: all that is left to pay of it"
    )

    @field_validator("amount")
    @classmethod
    def _positive(cls, amount: int | None) -> int | None:
        if amount is not None and amount <= 0:
            raise ValueError("amount must be more than 0")
        return amount


class StoreSettingsBody(BaseModel):
    """How a store behaves in the sandbox; each setting omitted is its default."""

    model_config = ConfigDict(extra="forbid")

    creditCheck: Literal["approve", "reject"] = Field(
        "approve", description="The outcome of the credit check a raised reauthorization needs"
    )
    creditCheckSeconds: float = Field(
        0, ge=0, le=3600, description="How long the credit check takes (0: answered at once)"
    )
    manageableAfterSeconds: float = Field(
        0,
        ge=0,
        le=3600,
        description="A new order is not found this long (where the provider syncs orders late)",
    )
    readLagSeconds: float = Field(
        0, ge=0, le=3600, description="GET order shows the order as it was this long ago"
    )


class FaultBody(BaseModel):
    """A fault for the next ``count`` requests matching every criterion given."""

    model_config = ConfigDict(strict=True, extra="forbid")

    storeId: str | None = Field(None, description="Only requests on orders of this store")
    route: str | None = Field(
        None,
        description="Only this route: a path template as in the API documentation, "
        "optionally after a method, e.g. 'POST /v1/orders/{orderId}/partialcapture'",
        max_length=300,
    )
    orderId: str | None = Field(None, description="Only requests on this order")
    count: int = Field(1, ge=1, le=1_000_000, description="How many requests get the fault")
    action: Literal["error", "timeout", "drop", "delay"] = "error"
    status: int = Field(503, ge=500, le=599, description="The status of an 'error'")
    delayMs: int | None = Field(
        None,
        ge=0,
        le=600_000,
        description="'delay': how late the answer comes (default 1000); "
        "'timeout': how long before the connection is closed (default 30000)",
    )
    phase: Literal["before", "after"] = Field(
        "before",
        description="'before' the application sees the request, or 'after' it has handled "
        "it and committed (the answer is lost, the write is kept)",
    )

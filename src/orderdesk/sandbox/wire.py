"""Sandbox request bodies: orderdesk's own API for what a checkout would create."""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

import orjson
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    field_validator,
    model_validator,
)

from orderdesk.domain.lines import MAX_LINES
from orderdesk.domain.money import MAX_MINOR
from orderdesk.providers.registry import PROVIDERS
from orderdesk.store.merchants import Store
from orderdesk.web.bodies import CompanyAddress, Minor, OrderLine, rule_broken


class MerchantBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)


#: A store id: it names the store in paths, file names and the back-office (no markup, no
#: line breaks). The one definition for the sandbox API, scenarios and the back-office.
StoreId = Annotated[str, Field(pattern=r"^[0-9A-Za-z_-]{1,40}$")]
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")]


class StoreBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    storeId: StoreId | None = Field(None, description="Default: a new numeric id")
    provider: str = Field(json_schema_extra={"enum": list[JsonValue](PROVIDERS)})
    country: Country
    currency: Currency
    segment: Literal["B2C", "B2B"] = "B2C"

    @field_validator("provider")
    @classmethod
    def _installed(cls, provider: str) -> str:
        return installed(provider)

    def store(self, merchant_id: str) -> Store:
        """The store to make (a new numeric id when none was given)."""
        return Store(
            id=self.storeId or str(secrets.randbelow(9 * 10**8) + 10**8),
            merchant_id=merchant_id,
            provider=self.provider,
            country=self.country,
            currency=self.currency,
            segment=self.segment,
        )


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


#: Fields of a customer beyond the named ones (kept and shown as sent), and the JSON text
#: each may take: orderdesk limits, so that an order's customer stays a few kB.
MAX_CUSTOMER_EXTRAS = 10
MAX_CUSTOMER_EXTRA_JSON = 500


class Customer(BaseModel):
    """The customer as a checkout left it: the lengths of the common address and contact
    shapes (``web/bodies.py``: names and e-mail 200, phone 30, references 100, addresses), and a few
    fields more, each small."""

    model_config = ConfigDict(extra="allow")

    firstName: str | None = Field(default=None, max_length=200)
    lastName: str | None = Field(default=None, max_length=200)
    companyName: str | None = Field(default=None, max_length=200)
    companyId: str | None = Field(default=None, max_length=50)
    nationalId: str | None = Field(default=None, max_length=50)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=30)
    reference1: str | None = Field(default=None, max_length=100)
    reference2: str | None = Field(default=None, max_length=100)
    billingAddress: CompanyAddress | None = None
    shippingAddress: CompanyAddress | None = None

    @model_validator(mode="after")
    def _few_small_extras(self) -> Customer:
        extras = self.model_extra or {}
        if len(extras) > MAX_CUSTOMER_EXTRAS:
            raise rule_broken(
                f"at most {MAX_CUSTOMER_EXTRAS} fields besides the named ones, not {len(extras)}"
            )
        for name, value in extras.items():
            try:
                size = len(orjson.dumps(value))
            except TypeError:  # an integer beyond 64 bits, or text that is not UTF-8
                raise rule_broken(f"{name[:50]!r} is not JSON that can be stored") from None
            if len(name) > 50 or size > MAX_CUSTOMER_EXTRA_JSON:
                raise rule_broken(
                    f"{name[:50]}: a field besides the named ones takes a name of at most 50 "
                    f"characters and at most {MAX_CUSTOMER_EXTRA_JSON} bytes of JSON"
                )
        return self


class OrderBody(BaseModel):
    """An authorised order: lines in minor units with VAT in basis points."""

    model_config = ConfigDict(strict=True, extra="forbid")

    storeId: str
    orderLines: list[OrderLine] = Field(min_length=1, max_length=MAX_LINES)
    totalOrderAmount: Minor
    totalOrderVatAmount: Minor | None = None
    merchantReference: str = Field("", max_length=50)
    customer: Customer = Field(default_factory=Customer)
    paymentMethod: str | None = Field(
        None,
        max_length=40,
        description=f"Default: the first of the store's provider's. {_payment_methods()}",
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
    amount: Annotated[int, Field(ge=1, le=MAX_MINOR)] | None = Field(
        None, description="Minor units, more than 0. Default: all that is left to pay of it"
    )


class StoreSettingsBody(BaseModel):
    """How a store behaves in the sandbox; each setting omitted is its default."""

    model_config = ConfigDict(strict=True, extra="forbid")

    creditCheck: Literal["approve", "reject"] = Field(
        "approve",
        description="The outcome of the credit check a raise of an order's amount needs "
        "(a reauthorization, an edit above the authorization)",
    )
    creditCheckSeconds: float = Field(
        0,
        ge=0,
        le=3600,
        description="How long the credit check takes (0: answered at once; an edit that "
        "answers synchronously waits for it)",
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


# -- checkout sessions ----------------------------------------------------------------------

#: An http(s) URL without ASCII whitespace (spelled out: ``\s`` is Unicode whitespace in
#: Python and Rust, ECMA's narrower, and clients read the pattern in either).
ShopUrl = Annotated[
    str, Field(max_length=2000, pattern=r"^https?://[^ \t\n\r\f\v/?#]+[^ \t\n\r\f\v]*$")
]


class CheckoutUrls(BaseModel):
    """The shop's URLs (``{checkout.id}`` and ``{order.id}`` are filled in on use by
    orderdesk's own checkout; a provider's checkout fills its own placeholders)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    confirmation: ShopUrl | None = Field(
        default=None, description="Where the top window goes after pay"
    )
    notification: ShopUrl | None = Field(
        default=None, description="The callback when the order is made"
    )
    validation: ShopUrl | None = Field(
        default=None, description="Called before pay: a 2xx answer accepts the purchase"
    )


class ScenarioBody(BaseModel):
    """How the sandbox plays checkout sessions; each setting omitted is its default."""

    model_config = ConfigDict(strict=True, extra="forbid")

    callbacks: Literal["normal", "duplicate", "late", "none"] = Field(
        "normal",
        description="Callbacks queued at once, twice, callbackDelaySeconds late (the store's "
        "clock), or not at all (only the redirect confirms)",
    )
    callbackDelaySeconds: int = Field(300, ge=0, le=7 * 86400)
    redirect: Literal["normal", "lost"] = Field(
        "normal", description="lost: the top window is not sent to the confirmation URL"
    )
    validation: bool = Field(True, description="Whether the shop's validation hook is called")
    tokenLifetimeSeconds: int = Field(
        172800, ge=1, le=30 * 86400, description="How long the public token may be paid with"
    )
    sessionLifetimeSeconds: int = Field(
        604800, ge=1, le=90 * 86400, description="When an unpaid session expires"
    )


class CheckoutBody(BaseModel):
    """A checkout session in a store, as a shop's server would make it with the provider."""

    model_config = ConfigDict(strict=True, extra="forbid")

    storeId: str = Field(max_length=40)
    orderLines: list[OrderLine] = Field(default_factory=list, max_length=MAX_LINES)
    fees: list[OrderLine] = Field(default_factory=list, max_length=10)
    merchantReference: str = Field("", max_length=50)
    customer: Customer = Field(default_factory=Customer)
    urls: CheckoutUrls = Field(default_factory=CheckoutUrls)
    metadata: dict[str, JsonValue] = Field(default_factory=dict, max_length=20)
    scenario: ScenarioBody | None = Field(None, description="Default: the store's scenario")


class PayBody(BaseModel):
    """Pay a session headlessly, as the persona would in the hosted checkout."""

    model_config = ConfigDict(strict=True, extra="forbid")

    persona: Literal["approve", "decline", "onHold", "signing", "abandon"] = "approve"

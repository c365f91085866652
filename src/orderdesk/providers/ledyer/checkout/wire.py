"""Order-session bodies as Ledyer's clients send them.

WooCommerce's plugin computes several numbers with PHP's ``round()``, which returns a float,
so ``wp_json_encode`` writes them as ``2.0`` or ``96125.0``; Ledyer takes them, so a whole
number written with ``.0`` is taken here too (``2.5`` is still refused).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from orderdesk.domain.lines import MAX_QUANTITY, CaptureLine
from orderdesk.domain.money import MAX_MINOR
from orderdesk.domain.vat import MAX_VAT_BP
from orderdesk.web.bodies import LineText, LineType


def _whole(value: Any) -> Any:
    """``2.0`` → ``2``; anything else as sent, for the strict integer check to judge."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Whole = BeforeValidator(_whole)
Minor = Annotated[int, Field(ge=-MAX_MINOR, le=MAX_MINOR), Whole]
Quantity = Annotated[int, Field(ge=0, le=MAX_QUANTITY), Whole]
Vat = Annotated[int, Field(ge=0, le=MAX_VAT_BP, description="Basis points: 2500 = 25 %"), Whole]
Url = Annotated[str, Field(max_length=2000)]


class SessionLine(BaseModel):
    """An order line of a session: minor units, VAT in basis points."""

    model_config = ConfigDict(strict=True, extra="ignore", title="SessionOrderLine")

    reference: LineText = ""
    description: LineText = ""
    type: LineType = "physical"
    quantity: Quantity
    unitPrice: Minor | None = None
    unitDiscountAmount: Minor | None = None
    totalAmount: Minor
    totalVatAmount: Minor
    vat: Vat

    def command(self) -> CaptureLine:
        return CaptureLine(
            id=None,
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


class SessionCustomer(BaseModel):
    """What the shop already knows of its customer (prefilled in the checkout)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    companyId: str | None = Field(None, max_length=50)
    email: str | None = Field(None, max_length=200)
    firstName: str | None = Field(None, max_length=200)
    lastName: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=30)
    reference1: str | None = Field(None, max_length=100)
    reference2: str | None = Field(None, max_length=100)
    ssn: str | None = Field(None, max_length=50)


class Security(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    level: Annotated[int, Field(ge=0, le=1000), Whole] | None = None
    requireClientValidation: bool | None = None
    validationSuccessOnTimeout: bool | None = None


class CustomerSettings(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    allowShippingAddress: bool | None = None
    showNameFields: bool | None = None
    showShippingAddressContact: bool | None = None


class Urls(BaseModel):
    """The shop's URLs; ``""`` is as good as none (the plugin sends ``"confirmation": ""``)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    confirmation: Url | None = None
    notification: Url | None = None
    privacy: Url | None = None
    terms: Url | None = None
    validate_: Url | None = Field(None, alias="validate")


class Settings(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    security: Security | None = None
    customer: CustomerSettings | None = None
    urls: Urls | None = None


class AutoCapture(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    enabled: bool = False
    delayMinutes: Annotated[int, Field(ge=0, le=10080), Whole] = 0


Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")]
Metadata = Annotated[dict[str, Any], Field(max_length=50)]


class UpdateSessionBody(BaseModel):
    """``POST /v1/sessions/{orderId}``: the three totals are required; new ``orderLines``
    replace every line; what is left out stays as it was."""

    model_config = ConfigDict(strict=True, extra="ignore", title="UpdateOrderSessionRequest")

    country: Country | None = None
    currency: Currency | None = None
    locale: str | None = Field(None, max_length=20)
    metadata: Metadata | None = None
    orderLines: list[SessionLine] | None = Field(None, max_length=1000)
    reference: str | None = Field(None, max_length=1000, description="At most 50 (422 beyond)")
    settlementReference: str | None = Field(None, max_length=1000)
    settings: Settings | None = None
    totalOrderAmount: Minor
    totalOrderAmountExclVat: Minor
    totalOrderVatAmount: Minor


class CreateSessionBody(UpdateSessionBody):
    """``POST /v1/sessions``."""

    model_config = ConfigDict(strict=True, extra="ignore", title="CreateOrderSessionRequest")

    country: Country
    currency: Currency
    customer: SessionCustomer | None = None
    autoCapture: AutoCapture | None = None
    storeId: str | None = Field(None, max_length=50)
    tokenize: bool | None = None

"""Klarna request bodies: integer minor units, ``tax_rate`` in basis points, snake_case, unknown
fields ignored (clients send ``order_tax_amount``, empty ``shipping_info`` entries, …)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from orderdesk.domain.lines import MAX_QUANTITY, CaptureLine
from orderdesk.domain.money import MAX_MINOR
from orderdesk.domain.vat import MAX_VAT_BP
from orderdesk.web.bodies import parse

#: Klarna's limits (its OM specification): texts, lines and shipping entries per request.
MAX_TEXT = 255
MAX_LINES = 1000
MAX_SHIPPING_INFO = 500


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class KlarnaLineBody(_Body):
    """An order line as Klarna has it: ``total_amount = quantity × unit_price −
    total_discount_amount``, ``total_tax_amount`` the tax inside ``total_amount``."""

    model_config = ConfigDict(strict=True, extra="ignore", title="KlarnaLineRequest")

    type: str = Field("physical", max_length=50)
    reference: str = Field("", max_length=MAX_TEXT, description="Article number (SKU)")
    name: str = Field(max_length=MAX_TEXT)
    quantity: int = Field(ge=0, le=MAX_QUANTITY)
    quantity_unit: str | None = Field(None, max_length=8)
    unit_price: int = Field(ge=-MAX_MINOR, le=MAX_MINOR, description="Minor units, tax included")
    tax_rate: int = Field(ge=0, le=MAX_VAT_BP, description="Basis points (2500 = 25 %)")
    total_amount: int = Field(ge=-MAX_MINOR, le=MAX_MINOR)
    total_discount_amount: int = Field(0, ge=0, le=MAX_MINOR)
    total_tax_amount: int = Field(ge=-MAX_MINOR, le=MAX_MINOR)
    merchant_data: str | None = Field(None, max_length=1024)
    product_url: str | None = Field(None, max_length=1024)
    image_url: str | None = Field(None, max_length=1024)

    def command(self) -> CaptureLine:
        """The line in the domain's terms: a per-unit discount when the discount divides by
        the quantity, else no unit price (the total stands)."""
        per_unit, rest = divmod(self.total_discount_amount, self.quantity or 1)
        exact = rest == 0 and self.quantity > 0
        return CaptureLine(
            id=None,
            reference=self.reference,
            description=self.name,
            type=self.type,
            quantity=self.quantity,
            unit_price=self.unit_price if exact else None,
            unit_discount=per_unit if exact else None,
            total_amount=self.total_amount,
            vat=self.tax_rate,
            total_vat=self.total_tax_amount,
        )


class KlarnaShippingEntry(_Body):
    model_config = ConfigDict(strict=True, extra="ignore", title="KlarnaShippingInfoRequest")

    shipping_company: str | None = Field(None, max_length=100)
    shipping_method: str | None = Field(None, max_length=100)
    tracking_number: str | None = Field(None, max_length=100)
    tracking_uri: str | None = Field(None, max_length=1024)
    return_shipping_company: str | None = Field(None, max_length=100)
    return_tracking_number: str | None = Field(None, max_length=100)
    return_tracking_uri: str | None = Field(None, max_length=1024)


class CaptureBody(_Body):
    model_config = ConfigDict(strict=True, extra="ignore", title="KlarnaCaptureRequest")

    captured_amount: int = Field(ge=0, le=MAX_MINOR, description="Minor units")
    description: str | None = Field(None, max_length=MAX_TEXT)
    reference: str | None = Field(None, max_length=MAX_TEXT)
    order_lines: list[KlarnaLineBody] | None = Field(None, max_length=MAX_LINES)
    shipping_info: list[KlarnaShippingEntry] | None = Field(None, max_length=MAX_SHIPPING_INFO)
    shipping_delay: int | None = Field(None, ge=0, le=1000, description="Days")


class RefundBody(_Body):
    model_config = ConfigDict(strict=True, extra="ignore", title="KlarnaRefundRequest")

    refunded_amount: int = Field(ge=0, le=MAX_MINOR, description="Minor units")
    description: str | None = Field(None, max_length=MAX_TEXT)
    reference: str | None = Field(None, max_length=MAX_TEXT)
    order_lines: list[KlarnaLineBody] | None = Field(None, max_length=MAX_LINES)


class AuthorizationBody(_Body):
    """``PATCH …/authorization``: the new order amount (and lines)."""

    model_config = ConfigDict(strict=True, extra="ignore", title="KlarnaUpdateAuthorization")

    order_amount: int = Field(ge=0, le=MAX_MINOR, description="Minor units")
    description: str | None = Field(None, max_length=MAX_TEXT)
    order_lines: list[KlarnaLineBody] | None = Field(None, max_length=MAX_LINES)


class KlarnaAddressBody(_Body):
    model_config = ConfigDict(strict=True, extra="ignore", title="KlarnaAddressRequest")

    title: str | None = Field(None, max_length=20)
    given_name: str | None = Field(None, max_length=100)
    family_name: str | None = Field(None, max_length=100)
    organization_name: str | None = Field(None, max_length=255)
    email: str | None = Field(None, max_length=255)
    street_address: str | None = Field(None, max_length=255)
    street_address2: str | None = Field(None, max_length=255)
    postal_code: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=100)
    region: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=30)
    country: str | None = Field(None, max_length=2)
    care_of: str | None = Field(None, max_length=100)


class CustomerDetailsBody(_Body):
    """``PATCH …/customer-details``: the fields sent are merged into the stored addresses."""

    model_config = ConfigDict(strict=True, extra="ignore", title="KlarnaUpdateCustomerDetails")

    shipping_address: KlarnaAddressBody | None = None
    billing_address: KlarnaAddressBody | None = None


class MerchantReferencesBody(_Body):
    model_config = ConfigDict(strict=True, extra="ignore", title="KlarnaUpdateMerchantReferences")

    merchant_reference1: str | None = Field(None, max_length=MAX_TEXT)
    merchant_reference2: str | None = Field(None, max_length=MAX_TEXT)


class ShippingInfoBody(_Body):
    model_config = ConfigDict(strict=True, extra="ignore", title="KlarnaShippingInfo")

    shipping_info: list[KlarnaShippingEntry] = Field(max_length=MAX_SHIPPING_INFO)


class ExtendDueDateBody(_Body):
    model_config = ConfigDict(strict=True, extra="ignore", title="KlarnaExtendDueDate")

    number_of_days: int = Field(ge=1, le=365)


def is_empty(body: bytes) -> bool:
    """No body: nothing, ``{}`` or ``null`` (clients send a JSON type on body-less POSTs)."""
    return body.strip() in (b"", b"{}", b"null", b"[]")


class SandboxOrderBody(BaseModel):
    """``POST /sandbox/orders`` for a Klarna store in Klarna's own words: ``order_lines``,
    ``order_amount`` (and ``order_tax_amount``), the merchant references and addresses as
    Klarna's checkout has them; the sandbox's own fields (``storeId``, ``onHold``,
    ``expiresAt``, …) as in its common body."""

    model_config = ConfigDict(strict=True, extra="allow", title="KlarnaSandboxOrder")

    order_lines: list[KlarnaLineBody] = Field(min_length=1, max_length=MAX_LINES)
    order_amount: int = Field(ge=0, le=MAX_MINOR, description="Minor units")
    order_tax_amount: int | None = Field(None, ge=0, le=MAX_MINOR)
    merchant_reference1: str | None = Field(None, max_length=MAX_TEXT)
    merchant_reference2: str | None = Field(None, max_length=MAX_TEXT)
    billing_address: KlarnaAddressBody | None = None
    shipping_address: KlarnaAddressBody | None = None


def _common_line(line: KlarnaLineBody) -> dict[str, Any]:
    made = line.command()
    return {
        "reference": made.reference,
        "description": made.description,
        "type": made.type,
        "quantity": made.quantity,
        "unitPrice": made.unit_price,
        "unitDiscountAmount": made.unit_discount,
        "totalAmount": made.total_amount,
        "totalVatAmount": made.total_vat,
        "vat": made.vat,
    }


def _common_address(address: KlarnaAddressBody) -> dict[str, Any]:
    contact = {
        "firstName": address.given_name,
        "lastName": address.family_name,
        "email": address.email,
        "phone": address.phone,
    }
    common = {
        "companyName": address.organization_name,
        "careOf": address.care_of,
        "streetAddress": address.street_address,
        "streetAddress2": address.street_address2,
        "postalCode": address.postal_code,
        "city": address.city,
        "country": address.country,
        "contact": {k: v for k, v in contact.items() if v is not None},
    }
    return {k: v for k, v in common.items() if v is not None}


def sandbox_order(raw: bytes) -> dict[str, Any]:
    """A sandbox order in Klarna's words as the sandbox's common body (``Provider.order_shape``):
    the lines and totals renamed, the first reference the order's, the second kept as
    Klarna's, the addresses the customer's."""
    body = parse(SandboxOrderBody, raw)
    common: dict[str, Any] = dict(body.model_extra or {})
    common["orderLines"] = [_common_line(line) for line in body.order_lines]
    common["totalOrderAmount"] = body.order_amount
    if body.order_tax_amount is not None:
        common["totalOrderVatAmount"] = body.order_tax_amount
    if body.merchant_reference1 is not None:
        common["merchantReference"] = body.merchant_reference1
    customer = dict(common.get("customer") or {})
    if body.merchant_reference2 is not None:
        customer["klarna"] = {"merchant_reference2": body.merchant_reference2}
    for name, address in (
        ("billingAddress", body.billing_address),
        ("shippingAddress", body.shipping_address),
    ):
        if address is not None:
            customer[name] = _common_address(address)
    if customer:
        common["customer"] = customer
    return common

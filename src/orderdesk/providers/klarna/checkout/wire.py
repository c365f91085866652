"""Klarna Checkout v3 request bodies (``POST /checkout/v3/orders``, ``POST …/{order_id}``):
the checkout order as Klarna's published specification (``checkout.json``, 2020-10-18) and
its two public clients send it. Amounts are integers in minor units; Klarna checks that the
order's amounts add up and answers ``400 BAD_VALUE`` "Bad value: <field>" when they do not."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from orderdesk.domain.errors import DomainError, invalid
from orderdesk.domain.money import MAX_MINOR
from orderdesk.providers.klarna.wire import MAX_LINES, MAX_TEXT, KlarnaAddressBody, KlarnaLineBody
from orderdesk.web.bodies import parse

#: The placeholder Klarna fills in every merchant URL with the checkout order's id.
ORDER_ID_PLACEHOLDER = "{checkout.order.id}"
MAX_URL = 2000
MAX_MERCHANT_DATA = 6000


def _text(value: object) -> object:
    """A reference as a string: the WooCommerce plugin sends its order id, an integer, as
    ``merchant_reference2`` (``wp_json_encode`` of a PHP int)."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Reference = Annotated[str, BeforeValidator(_text), Field(max_length=MAX_TEXT)]
Url = Annotated[str, Field(min_length=1, max_length=MAX_URL)]


class MerchantUrls(BaseModel):
    """The shop's URLs; ``{checkout.order.id}`` in any of them is the checkout order's id."""

    model_config = ConfigDict(strict=True, extra="allow", title="KlarnaMerchantUrls")

    terms: Url
    checkout: Url
    confirmation: Url
    push: Url
    validation: Url | None = None
    cancellation_terms: Url | None = None
    shipping_option_update: Url | None = None
    address_update: Url | None = None
    notification: Url | None = None
    country_change: Url | None = None


class CheckoutUpdateBody(BaseModel):
    """An update: every property optional; those sent replace the stored ones."""

    model_config = ConfigDict(strict=True, extra="ignore", title="KlarnaCheckoutOrderUpdate")

    purchase_country: str | None = Field(None, pattern=r"^[A-Za-z]{2}$")
    purchase_currency: str | None = Field(None, pattern=r"^[A-Za-z]{3}$")
    locale: str | None = Field(None, pattern=r"^[A-Za-z]{2}(?:-[A-Za-z]{2})*$")
    order_amount: int | None = Field(None, ge=0, le=MAX_MINOR, description="Minor units")
    order_tax_amount: int | None = Field(None, ge=0, le=MAX_MINOR, description="Minor units")
    order_lines: list[KlarnaLineBody] | None = Field(None, max_length=MAX_LINES)
    merchant_urls: MerchantUrls | None = None
    billing_address: KlarnaAddressBody | None = None
    shipping_address: KlarnaAddressBody | None = None
    customer: dict[str, Any] | None = None
    options: dict[str, Any] | None = None
    gui: dict[str, Any] | None = None
    merchant_reference1: Reference | None = None
    merchant_reference2: Reference | None = None
    merchant_data: str | None = Field(None, max_length=MAX_MERCHANT_DATA)
    billing_countries: list[Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")]] | None = None
    shipping_countries: list[Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")]] | None = None
    shipping_options: list[dict[str, Any]] | None = None
    external_payment_methods: list[dict[str, Any]] | None = None
    external_checkouts: list[dict[str, Any]] | None = None
    tags: list[str] | None = None
    recurring: bool | None = None


class CheckoutOrderBody(CheckoutUpdateBody):
    """A new checkout order: the specification's required properties, and ``merchant_urls``
    (Klarna refuses an order without them)."""

    model_config = ConfigDict(strict=True, extra="ignore", title="KlarnaCheckoutOrderCreate")

    purchase_country: str = Field(pattern=r"^[A-Za-z]{2}$")
    purchase_currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    locale: str = Field(pattern=r"^[A-Za-z]{2}(?:-[A-Za-z]{2})*$")
    order_amount: int = Field(ge=0, le=MAX_MINOR, description="Minor units")
    order_tax_amount: int = Field(ge=0, le=MAX_MINOR, description="Minor units")
    order_lines: list[KlarnaLineBody] = Field(max_length=MAX_LINES)
    merchant_urls: MerchantUrls


def bad_value(field: str) -> DomainError:
    """Klarna's words for a field it refuses: ``BAD_VALUE`` "Bad value: <field>"."""
    return invalid(f"Bad value: {field}", field)


def parse_create(raw: bytes) -> dict[str, Any]:
    """The new order's properties as stored (JSON, unset ones left out), its amounts checked."""
    body = parse(CheckoutOrderBody, raw)
    data = body.model_dump(mode="json", exclude_none=True)
    check_amounts(data)
    return data


def parse_update(raw: bytes) -> dict[str, Any]:
    """The properties an update sends (unset ones left out; checked once merged)."""
    return parse(CheckoutUpdateBody, raw).model_dump(mode="json", exclude_none=True)


def merged(stored: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """The order after an update: the properties sent replace the stored ones, whole."""
    out = {**stored, **update}
    check_amounts(out)
    return out


def check_amounts(order: dict[str, Any]) -> None:
    """Klarna's checks: each line's ``total_amount = quantity × unit_price −
    total_discount_amount``, and the order's amount and tax the sums of its lines'."""
    lines: list[dict[str, Any]] = order["order_lines"]
    for i, line in enumerate(lines):
        expected = line["quantity"] * line["unit_price"] - line.get("total_discount_amount", 0)
        if line["total_amount"] != expected:
            raise bad_value(f"order_lines[{i}].total_amount")
    if order["order_amount"] != sum(line["total_amount"] for line in lines):
        raise bad_value("order_amount")
    if order["order_tax_amount"] != sum(line["total_tax_amount"] for line in lines):
        raise bad_value("order_tax_amount")


def filled(url: str, order_id: str) -> str:
    """A merchant URL with ``{checkout.order.id}`` replaced by the order's id."""
    return url.replace(ORDER_ID_PLACEHOLDER, order_id)


def line_body(line: dict[str, Any]) -> KlarnaLineBody:
    """A stored line as the order-management line model (its ``command()`` is the domain's)."""
    return KlarnaLineBody.model_validate(line)

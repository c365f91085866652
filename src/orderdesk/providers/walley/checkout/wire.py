"""The checkout API's request bodies as Walley's clients send them.

Krokedil's WooCommerce plugin sends prices as strings (``"1250.00"``), a whole update's cart as
a bare array of items and ``"fees": ""`` when there are none; the official PHP SDK sends floats
and ``storeId`` as a string. Property names match case-insensitively (``Reference``), as on
``/manage``. Anything malformed is Walley's 400 ``Validation_Error``, naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from orderdesk.domain.errors import DomainError, invalid
from orderdesk.domain.lines import MAX_LINES, MAX_QUANTITY, CaptureLine
from orderdesk.domain.money import MoneyFormatError, to_minor
from orderdesk.domain.vat import vat_amount
from orderdesk.providers.walley.wire import (
    Text50,
    Text255,
    VatBasisPoints,
    _decimal,
    _int_as_text,
    _storable,
    _WalleyBody,
    _whole_number,
    parse_body,
    validate,
)

VALIDATION_ERROR = "Validation_Error"
DUPLICATE_ARTICLES = "Duplicate_Articles"
#: Walley's markets (``countryCode`` at initialize).
COUNTRIES = ("SE", "NO", "FI", "DK", "DE", "EU")
MAX_URI = 2048


def _store_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


StoreId = Annotated[
    str,
    BeforeValidator(_store_text),
    StringConstraints(strict=True, min_length=1, max_length=64),
]
Uri = Annotated[str, StringConstraints(strict=True, max_length=MAX_URI), AfterValidator(_storable)]
Flag = Annotated[bool, Strict()]


# A price incl. VAT: a number or a numeric string with at most 2 decimals (every Walley
# market's currency has 2), below 10**11 in size.
def _in_range(value: Decimal) -> Decimal:
    if not -(10**11) < value < 10**11:
        raise PydanticCustomError("amount_range", "Input should be below 10**11 in size")
    return value


Amount = Annotated[
    Decimal,
    BeforeValidator(_decimal),
    AfterValidator(_in_range),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "exclusiveMinimum": -1e11,
                    "exclusiveMaximum": 1e11,
                    "multipleOf": 0.01,
                },
                {"type": "string", "pattern": r"^[+-]?[0-9]{1,11}(\.[0-9]{0,2})?$"},
            ]
        }
    ),
]


def _storable_json(value: Any) -> Any:
    """Any JSON the session keeps as it was sent (metadata, the customer, custom fields): no
    NUL and no unpaired surrogate in any string, key or value (PostgreSQL's JSON refuses
    them); its numbers, read as ``Decimal``, kept as JSON numbers (whole ones as integers —
    this is the shop's own data, never money orderdesk computes with)."""
    if isinstance(value, str):
        return _storable(value)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        number = Decimal(value)
        if abs(number) >= 2**63:
            raise PydanticCustomError("number_range", "Numbers may not exceed 2**63 in size")
        return int(number) if number == int(number) else float(number)
    if isinstance(value, dict):
        return {_storable(key): _storable_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable_json(item) for item in value]
    return value


def _counted(quantity: int) -> int:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise PydanticCustomError(
            "quantity_range", "Input should be 1 to {max}", {"max": MAX_QUANTITY}
        )
    return quantity


Quantity = Annotated[
    int,
    BeforeValidator(_whole_number),
    AfterValidator(_counted),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY}),
]
# An article number: a string, or an integer taken as its digits (both documented).
ArticleId = Annotated[
    Text50,
    BeforeValidator(_int_as_text),
    WithJsonSchema({"anyOf": [{"type": "string", "maxLength": 50}, {"type": "integer"}]}),
]
# A weight in kilograms, any decimals.
Weight = Annotated[
    Decimal,
    BeforeValidator(_decimal),
    AfterValidator(_in_range),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": -1e11, "exclusiveMaximum": 1e11},
                {"type": "string", "pattern": r"^[+-]?[0-9]{1,11}(\.[0-9]{0,20})?$"},
            ]
        }
    ),
]
Kept = Annotated[dict[str, Any], AfterValidator(_storable_json)]
KeptList = Annotated[list[Any], AfterValidator(_storable_json)]


class CheckoutItemSchema(_WalleyBody):
    model_config = ConfigDict(title="CheckoutItem")

    id: ArticleId = Field(description="Article number, unique in the cart")
    description: Text255
    unitPrice: Amount = Field(description="Price per unit incl. VAT, at most 2 decimals")
    quantity: Quantity
    vat: VatBasisPoints = Field(description="VAT rate in percent")
    sku: Text50 | None = None
    unitWeight: Weight | None = None
    requiresElectronicId: Flag | None = None
    type: Text50 | None = Field(None, description="e.g. GiftCard")


class FeeSchema(_WalleyBody):
    model_config = ConfigDict(title="CheckoutFee")

    id: ArticleId
    description: Text255 | None = None
    unitPrice: Amount = Field(description="Incl. VAT, at most 2 decimals")
    vat: VatBasisPoints
    sku: Text50 | None = None


class FeesSchema(_WalleyBody):
    model_config = ConfigDict(title="CheckoutFees")

    shipping: FeeSchema | None = None
    directInvoiceFee: FeeSchema | None = None


class CartSchema(_WalleyBody):
    model_config = ConfigDict(title="CheckoutCart")

    items: list[CheckoutItemSchema] = Field(min_length=1, max_length=MAX_LINES)
    shippingProperties: Kept | None = None


def _no_fees(value: object) -> object:
    """``"fees": ""`` (the WooCommerce plugin's empty fees) is no fees."""
    return None if value == "" else value


def _bare_cart(value: object) -> object:
    """An update's cart may be the bare array of items."""
    return {"items": value} if isinstance(value, list) else value


Fees = Annotated[
    FeesSchema | None,
    BeforeValidator(_no_fees),
    Field(description='The fees, or "" for none'),
]


class InitializeSchema(_WalleyBody):
    model_config = ConfigDict(title="InitializeCheckout")

    storeId: StoreId = Field(description="The store, a number or its digits")
    countryCode: Annotated[str, StringConstraints(strict=True, pattern="^(SE|NO|FI|DK|DE|EU)$")]
    reference: Text255 | None = None
    redirectPageUri: Uri | None = None
    checkoutAbortedRedirectPageUri: Uri | None = None
    merchantTermsUri: Uri
    notificationUri: Uri
    validationUri: Uri | None = None
    profileName: Text255 | None = None
    cart: CartSchema
    fees: Fees = None
    metadata: Kept | None = None
    customer: Kept | None = None
    privateCustomerPrefill: Kept | None = None
    businessCustomerPrefill: Kept | None = None
    customFields: KeptList | None = None


class UpdateSchema(_WalleyBody):
    model_config = ConfigDict(title="UpdateCheckout")

    cart: Annotated[CartSchema, BeforeValidator(_bare_cart)] = Field(
        description="The cart, or the bare array of its items"
    )
    fees: Fees = None
    metadata: Kept | None = None
    shippingProperties: Kept | None = None


class MetadataSchema(_WalleyBody):
    model_config = ConfigDict(title="UpdateMetadata")

    metadata: Kept


class ReferenceSchema(_WalleyBody):
    model_config = ConfigDict(title="UpdateReference")

    reference: Annotated[
        str, StringConstraints(strict=True, max_length=50), AfterValidator(_storable)
    ] = Field(description="The order's reference, at most 50 characters")


# -- what the bodies say, in minor units ---------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Priced:
    """A cart item or a fee as sent: amounts still decimal, before the store's currency."""

    reference: str
    description: str
    quantity: int
    unit_price: Decimal
    vat: int
    type: str


@dataclass(frozen=True, slots=True)
class Basket:
    """A cart and its fees as the lines of an order (fees last, as Walley's order lists them)."""

    items: tuple[Priced, ...]
    fees: dict[str, Priced]

    def lines(self, exp: int) -> list[CaptureLine]:
        """The lines in minor units at exponent ``exp``; a decimal too many is a 400."""
        out = [_line(item, exp, f"cart.items[{n}]") for n, item in enumerate(self.items)]
        out += [_line(fee, exp, f"fees.{name}") for name, fee in self.fees.items()]
        return out


@dataclass(frozen=True, slots=True)
class NewCheckout:
    store_id: str
    country: str
    reference: str | None
    basket: Basket
    urls: dict[str, str]
    profile: str | None
    metadata: dict[str, Any] | None
    prefill: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class CheckoutUpdate:
    basket: Basket
    metadata: dict[str, Any] | None


def _line(priced: Priced, exp: int, where: str) -> CaptureLine:
    try:
        unit = to_minor(priced.unit_price, exp)
    except MoneyFormatError:
        message = f"{where}.unitPrice: at most {exp} decimals"
        raise invalid(message, where, VALIDATION_ERROR) from None
    total = unit * priced.quantity
    return CaptureLine(
        id=None,
        reference=priced.reference,
        description=priced.description,
        type=priced.type,
        quantity=priced.quantity,
        unit_price=unit,
        unit_discount=0,
        total_amount=total,
        vat=priced.vat,
        total_vat=vat_amount(total, priced.vat),
    )


def _items(cart: CartSchema) -> tuple[Priced, ...]:
    items = tuple(
        Priced(x.id, x.description, x.quantity, x.unitPrice, x.vat, x.type or "purchase")
        for x in cart.items
    )
    seen: set[str] = set()
    for item in items:
        if item.reference in seen:  # the plugin makes ids unique "as required by Walley"
            raise invalid(
                f"cart.items: the id {item.reference!r} appears twice", "cart", DUPLICATE_ARTICLES
            )
        seen.add(item.reference)
    return items


def _fees(fees: FeesSchema | None) -> dict[str, Priced]:
    found: dict[str, Priced] = {}
    if fees is None:
        return found
    for name, fee in (("shipping", fees.shipping), ("directInvoiceFee", fees.directInvoiceFee)):
        if fee is not None:
            text = fee.description or fee.id
            found[name] = Priced(fee.id, text, 1, fee.unitPrice, fee.vat, "fee")
    return found


def _read(model: type[Any], body: bytes) -> Any:
    try:
        return validate(model, parse_body(body))
    except DomainError as err:
        raise invalid(err.message, err.field, VALIDATION_ERROR) from None


def initialize_body(body: bytes) -> NewCheckout:
    """``POST /checkouts``."""
    sent: InitializeSchema = _read(InitializeSchema, body)
    urls = {
        name: value
        for name, value in (
            ("redirectPageUri", sent.redirectPageUri),
            ("checkoutAbortedRedirectPageUri", sent.checkoutAbortedRedirectPageUri),
            ("merchantTermsUri", sent.merchantTermsUri),
            ("notificationUri", sent.notificationUri),
            ("validationUri", sent.validationUri),
        )
        if value
    }
    prefill = sent.privateCustomerPrefill or sent.businessCustomerPrefill or sent.customer
    return NewCheckout(
        store_id=sent.storeId,
        country=sent.countryCode,
        reference=sent.reference or None,
        basket=Basket(_items(sent.cart), _fees(sent.fees)),
        urls=urls,
        profile=sent.profileName,
        metadata=sent.metadata,
        prefill=prefill,
    )


def update_body(body: bytes) -> CheckoutUpdate:
    """``PUT /checkouts/{privateId}``: cart, fees and metadata at once."""
    sent: UpdateSchema = _read(UpdateSchema, body)
    return CheckoutUpdate(Basket(_items(sent.cart), _fees(sent.fees)), sent.metadata)


def cart_body(body: bytes) -> tuple[Priced, ...]:
    """``PUT /checkouts/{privateId}/cart``: ``{"items": [...]}``."""
    return _items(_read(CartSchema, body))


def fees_body(body: bytes) -> dict[str, Priced]:
    """``PUT /checkouts/{privateId}/fees``: ``{"shipping": {...}, "directInvoiceFee": {...}}``."""
    return _fees(_read(FeesSchema, body))


def metadata_body(body: bytes) -> dict[str, Any]:
    """``PUT /checkouts/{privateId}/metadata``: ``{"metadata": {...}}``."""
    sent: MetadataSchema = _read(MetadataSchema, body)
    return sent.metadata


def reference_body(body: bytes) -> str:
    """``PUT /checkouts/{privateId}/reference``: ``{"Reference": "..."}``."""
    sent: ReferenceSchema = _read(ReferenceSchema, body)
    return sent.reference

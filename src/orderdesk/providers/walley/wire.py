"""Walley request bodies as real clients send them, read without ever touching ``float``.

Each body has one definition, a pydantic model: it validates the request and the OpenAPI
document is generated from it. Reading a body takes two steps:

* :func:`parse_body` reads the JSON text, numbers as ``Decimal`` (never ``float``; ``NaN`` and
  ``Infinity`` are refused) and refuses property names that differ only in case;
* the model validates the value: property names match case-insensitively (``UnitPrice`` =
  ``unitPrice``), amounts are numbers or numeric strings (``"285.00"``), and ``command()``
  gives the domain's request.

Anything malformed is a ``DomainError`` of kind INVALID (HTTP 400) naming the first bad field.
The documented schema is at times stricter than what is accepted (a quantity of 0 is a 422 from
the domain, not a 400), never more lenient, so a request the document allows is never a 400.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Annotated, Any, NoReturn, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    Strict,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from orderdesk.domain.errors import invalid
from orderdesk.domain.lines import MAX_LINES, MAX_QUANTITY
from orderdesk.domain.money import MoneyFormatError, parse_decimal_text, to_minor
from orderdesk.domain.order import CaptureMeta
from orderdesk.providers.walley.rules import (
    CaptureRequest,
    ReauthorizeRequest,
    RefundRequest,
    RequestedItem,
)

MAX_TEXT = 255
MAX_SHORT_TEXT = 50  # article numbers and item types
MAX_WHOLE = 10**9  # larger quantities are malformed; up to this the domain says what is wrong

M = TypeVar("M", bound=BaseModel)


# -- JSON text -----------------------------------------------------------------------------------
def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number")


def _refuse_case_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        lowered = key.lower()
        if lowered in seen:
            raise ValueError(f"property {key!r} appears twice")
        seen.add(lowered)
    return dict(pairs)


def parse_body(body: bytes) -> Any:
    """The JSON value of ``body``: numbers as ``Decimal``, no two keys differing only in case."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid("The body is not UTF-8") from None
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_refuse_case_duplicates,
        )
    except RecursionError:
        raise invalid("The JSON is nested too deeply") from None
    except ValueError as exc:
        raise invalid(f"The body is not valid JSON: {exc}") from None


# -- values --------------------------------------------------------------------------------------
def _decimal(value: object) -> Decimal:
    """A JSON number or a plain numeric string (``"285.00"``), exactly; no bool, null, NaN."""
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, str):
        try:
            return parse_decimal_text(value.strip())
        except MoneyFormatError:
            pass
    raise PydanticCustomError("decimal_type", "Input should be a number or a numeric string")


def _whole_number(value: object) -> int:
    """``2``, ``2.0`` and ``"2"`` are 2; worked out by ``to_minor``, free of any decimal context."""
    try:
        whole = to_minor(_decimal(value), 0)
    except MoneyFormatError:
        whole = None
    if whole is None or abs(whole) > MAX_WHOLE:
        raise PydanticCustomError(
            "whole_number",
            "Input should be a whole number, at most {max} in size",
            {"max": MAX_WHOLE},
        )
    return whole


def _basis_points(value: object) -> int:
    """A VAT rate in percent with at most 2 decimals, as basis points: ``25.5`` → 2550."""
    percent = _decimal(value)
    if not 0 <= percent <= 100:  # an exact comparison: no decimal context is involved
        raise PydanticCustomError("vat_range", "Input should be a VAT rate in percent, 0 to 100")
    try:
        return to_minor(percent, 2)
    except MoneyFormatError:
        raise PydanticCustomError(
            "vat_decimals", "Input should be a VAT rate with at most 2 decimals"
        ) from None


def _storable(value: str) -> str:
    """``value`` unless it has a NUL or an unpaired surrogate (``"\\ud800"``), which JSON
    allows but UTF-8 text in PostgreSQL cannot hold."""
    if "\x00" in value or not (value.isascii() or _encodes(value)):
        raise PydanticCustomError(
            "unstorable_text", "Text may not contain a NUL or an unpaired surrogate"
        )
    return value


def _encodes(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _int_as_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# A number or a numeric string, below 10**11 in size so it fits minor units at any exponent.
# (A larger one is accepted here and refused by the domain with its reason.)
Amount = Annotated[
    Decimal,
    BeforeValidator(_decimal),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": -1e11, "exclusiveMaximum": 1e11},
                {
                    "type": "string",
                    "pattern": r"^[+-]?([0-9]{1,11}(\.[0-9]{0,20})?|\.[0-9]{1,20})$",
                },
            ]
        }
    ),
]
# A whole number of units; 1 to MAX_QUANTITY is documented, the domain refuses the rest (422).
Quantity = Annotated[
    int,
    BeforeValidator(_whole_number),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY}),
]
# A VAT rate in percent, 0 to 100, with at most 2 decimals; validated into basis points.
VatBasisPoints = Annotated[
    int,
    BeforeValidator(_basis_points),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 100, "multipleOf": 0.01},
                {"type": "string", "pattern": r"^(100(\.00?)?|[0-9]{1,2}(\.[0-9]{1,2})?)$"},
            ]
        }
    ),
]
# A JSON string PostgreSQL can store, of any length or of at most so many characters.
Text = Annotated[str, Strict(), AfterValidator(_storable)]
Text255 = Annotated[
    str, StringConstraints(strict=True, max_length=MAX_TEXT), AfterValidator(_storable)
]
Text50 = Annotated[
    str, StringConstraints(strict=True, max_length=MAX_SHORT_TEXT), AfterValidator(_storable)
]
# An article number: a string, or an integer taken as its digits.
ArticleId = Annotated[Text50, BeforeValidator(_int_as_text)]


# -- bodies --------------------------------------------------------------------------------------
def _other_cases(name: str) -> str:
    """A pattern for ``name`` in any letter case but its own (``vat``: ``VAT``, ``Vat``, …)."""
    letters = "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in name)
    return f"^(?!{re.escape(name)}$){letters}$"


class _WalleyBody(BaseModel):
    """A JSON object whose property names match the fields' case-insensitively.

    Its schema says so: another case of a field's name is that field (``VAT`` is ``vat``),
    so it may not stand beside the field nor hold what the field may not
    (``patternProperties``: each other case is refused, and the field's own name documented).
    """

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core_schema))
        schema["patternProperties"] = {_other_cases(name): False for name in cls.model_fields}
        return schema

    @model_validator(mode="before")
    @classmethod
    def _fold_case(cls, data: object) -> dict[str, object]:
        if not isinstance(data, dict):
            raise PydanticCustomError("model_type", "Input should be a JSON object")
        names = {name.lower(): name for name in cls.model_fields}
        folded: dict[str, object] = {}
        for key, value in data.items():
            name = names.get(key.lower()) if isinstance(key, str) else None
            if name is None:
                continue  # not ours: ignored
            if name in folded:
                raise PydanticCustomError(
                    "duplicate_property", "Property {name} appears twice", {"name": name}
                )
            folded[name] = value
        return folded


class CaptureItemSchema(_WalleyBody):
    model_config = ConfigDict(title="CaptureItem")

    id: ArticleId | None = Field(None, description="Article number")
    description: Text255 | None = None
    unitPrice: Amount = Field(description="Price per unit incl. VAT, at most 2 decimals")
    quantity: Quantity
    vat: VatBasisPoints | None = Field(None, description="VAT rate in percent")
    type: Text50 | None = Field(None, description="purchase, fee, …")

    def command(self) -> RequestedItem:
        return RequestedItem(
            unit_price=self.unitPrice,
            quantity=self.quantity,
            id=self.id,
            description=self.description,
            vat=self.vat,
            type=self.type,
        )


class CaptureSchema(_WalleyBody):
    model_config = ConfigDict(
        title="CaptureRequest",
        json_schema_extra={  # replaceItems: true needs the items that replace the order's
            "if": {"properties": {"replaceItems": {"const": True}}, "required": ["replaceItems"]},
            "then": {
                "properties": {"items": {"type": "array", "minItems": 1}},
                "required": ["items"],
            },
        },
    )

    amount: Amount = Field(description="Amount to capture, at most 2 decimals")
    # Longer than 50 characters is Walley's CAPTURE_DESCRIPTION_TOO_LONG (422), not malformed.
    description: Text | None = Field(None, description="At most 50 characters")
    actionReference: Text255 | None = None
    items: list[CaptureItemSchema] | None = Field(
        None, max_length=MAX_LINES, description=f"At most {MAX_LINES:,} items"
    )
    replaceItems: Annotated[bool, Strict()] | None = None

    @model_validator(mode="after")
    def _replacing_needs_items(self) -> Self:
        if self.replaceItems and not self.items:
            raise PydanticCustomError(
                "replace_without_items",
                "At least one item is needed when replaceItems is true",
                {"field": "items"},
            )
        return self

    def command(self) -> CaptureRequest:
        """The domain's request; a blank description is no description."""
        description = self.description if self.description and self.description.strip() else None
        return CaptureRequest(
            amount=self.amount,
            items=None if self.items is None else [item.command() for item in self.items],
            replace_items=bool(self.replaceItems),
            meta=CaptureMeta(description=description, action_reference=self.actionReference),
        )


class RefundItemSchema(CaptureItemSchema):
    model_config = ConfigDict(title="RefundItem")

    unitPrice: Amount = Field(
        description="Price per unit incl. VAT, at most 2 decimals; negative for a fee"
    )
    vat: VatBasisPoints | None = Field(None, description="VAT rate in percent; fees need it")
    type: Text50 | None = Field(None, description="purchase, fee (a return fee), …")


def _blank_is_none(text: str | None) -> str | None:
    return text if text and text.strip() else None


class RefundSchema(_WalleyBody):
    model_config = ConfigDict(title="RefundRequest")

    amount: Amount = Field(
        description="Amount to refund (items + fees when items are sent), at most 2 decimals"
    )
    # Longer than 50 characters is REFUND_DESCRIPTION_TOO_LONG (422), not malformed.
    description: Text | None = Field(None, description="At most 50 characters")
    actionReference: Text255 | None = None
    items: list[RefundItemSchema] | None = Field(
        None,
        max_length=MAX_LINES,
        description="The captured articles returned, and fees (negative unitPrice); "
        f"at most {MAX_LINES:,} items",
    )

    def command(self) -> RefundRequest:
        return RefundRequest(
            amount=self.amount,
            items=None if self.items is None else [item.command() for item in self.items],
            meta=CaptureMeta(
                description=_blank_is_none(self.description),
                action_reference=self.actionReference,
            ),
        )


class ReauthorizeItemSchema(CaptureItemSchema):
    model_config = ConfigDict(title="ReauthorizeItem")


class ReauthorizeSchema(_WalleyBody):
    model_config = ConfigDict(title="ReauthorizeRequest")

    amount: Amount = Field(
        description="The new amount of what is not captured: the items' sum when items are sent"
    )
    description: Text | None = Field(None, description="The row's text when no items are sent")
    actionReference: Text255 | None = None
    items: list[ReauthorizeItemSchema] | None = Field(
        None,
        max_length=MAX_LINES,
        description=f"The items that replace the ones not captured; at most {MAX_LINES:,}",
    )

    def command(self) -> ReauthorizeRequest:
        return ReauthorizeRequest(
            amount=self.amount,
            items=None if self.items is None else [item.command() for item in self.items],
            meta=CaptureMeta(
                description=_blank_is_none(self.description),
                action_reference=self.actionReference,
            ),
        )


class CancelSchema(_WalleyBody):
    # Clients also send ``amount`` and ``items``, which are ignored.
    model_config = ConfigDict(title="CancelRequest")

    actionReference: Text255 | None = None


# -- reading -------------------------------------------------------------------------------------
def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validate(model: type[M], data: Any) -> M:
    """``data`` (from :func:`parse_body`) as ``model``; a 400 naming the first bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = _where(tuple(first["loc"])) or (first.get("ctx") or {}).get("field")
        message = str(first["msg"])
        raise invalid(f"{where}: {message}" if where else f"The body: {message}", where) from None


def capture_request(data: Any) -> CaptureRequest:
    """The parsed body of ``POST /manage/orders/{id}/capture``, checked for shape (400s)."""
    return validate(CaptureSchema, data).command()


def capture_body(body: bytes) -> CaptureRequest:
    return capture_request(parse_body(body))


def cancel_body(body: bytes) -> str | None:
    """The action reference of an optional cancel body (an empty body is none)."""
    return validate(CancelSchema, parse_body(body)).actionReference if body.strip() else None


def refund_body(body: bytes) -> RefundRequest:
    """The body of ``POST /manage/orders/{id}/refund``, checked for shape (400s)."""
    return validate(RefundSchema, parse_body(body)).command()


def reauthorize_body(body: bytes) -> ReauthorizeRequest:
    """The body of ``POST /manage/orders/{id}/reauthorize``, checked for shape (400s)."""
    return validate(ReauthorizeSchema, parse_body(body)).command()

"""Walley request bodies as real clients send them, read without ever touching ``float``.

* numbers are parsed from the JSON text as ``Decimal``; numeric strings (``"285.00"``) too;
* property names are matched case-insensitively (``UnitPrice`` = ``unitPrice``);
* anything malformed is a ``DomainError`` of kind INVALID (HTTP 400).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any, NoReturn

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from orderdesk.domain.errors import invalid
from orderdesk.domain.money import MoneyFormatError, parse_decimal_text
from orderdesk.domain.order import CaptureMeta
from orderdesk.domain.walley import CaptureRequest, RequestedItem

MAX_TEXT = 255


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number")


def _lowercase_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        lowered = key.lower()
        if lowered in out:
            raise ValueError(f"property {key!r} appears twice")
        out[lowered] = value
    return out


def parse_body(body: bytes) -> Any:
    """The JSON value of ``body`` with lower-cased keys and Decimal numbers."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid("The body is not UTF-8") from None
    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_lowercase_keys,
        )
    except RecursionError:
        raise invalid("The JSON is nested too deeply") from None
    except ValueError as exc:
        raise invalid(f"The body is not valid JSON: {exc}") from None


def _number(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise invalid(f"{where} must be a number", where)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        try:
            return parse_decimal_text(value.strip())
        except MoneyFormatError:
            raise invalid(f"{where} must be a number or a numeric string", where) from None
    raise invalid(f"{where} must be a number", where)


def _storable(value: str, where: str) -> str:
    """``value`` unless it has a NUL or an unpaired surrogate (``"\\ud800"``), which JSON
    allows but UTF-8 text in PostgreSQL cannot hold."""
    if "\x00" in value or not (value.isascii() or _encodes(value)):
        raise invalid(f"{where} contains a NUL or an unpaired surrogate", where)
    return value


def _encodes(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(value: Any, where: str, limit: int = MAX_TEXT) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(f"{where} must be a string", where)
    if len(value) > limit:
        raise invalid(f"{where} is longer than {limit} characters", where)
    return _storable(value, where)


def _article_id(value: Any, where: str) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(value, where, 50)


def _quantity(value: Any, where: str) -> int:
    number = _number(value, where)
    if not number.is_finite() or number != number.to_integral_value() or abs(number) > 10**9:
        raise invalid(f"{where} must be a whole number", where)
    return int(number)


def _vat_bp(value: Any, where: str) -> int | None:
    if value is None:
        return None
    percent = _number(value, where)
    if not percent.is_finite() or not 0 <= percent <= 100:
        raise invalid(f"{where} must be a VAT rate in percent, 0 to 100", where)
    bp = percent * 100
    if bp != bp.to_integral_value():
        raise invalid(f"{where} has more than 2 decimals", where)
    return int(bp)


def _item(raw: Any, index: int) -> RequestedItem:
    where = f"items[{index}]"
    if not isinstance(raw, dict):
        raise invalid(f"{where} must be an object", where)
    for key, name in (("unitprice", "unitPrice"), ("quantity", "quantity")):
        if raw.get(key) is None:
            raise invalid(f"{where}.{name} is required", f"{where}.{name}")
    return RequestedItem(
        unit_price=_number(raw["unitprice"], f"{where}.unitPrice"),
        quantity=_quantity(raw["quantity"], f"{where}.quantity"),
        id=_article_id(raw.get("id"), f"{where}.id"),
        description=_text(raw.get("description"), f"{where}.description"),
        vat=_vat_bp(raw.get("vat"), f"{where}.vat"),
        type=_text(raw.get("type"), f"{where}.type", 50),
    )


def capture_request(data: Any) -> CaptureRequest:
    """The parsed body of ``POST /manage/orders/{id}/capture``, checked for shape (400s)."""
    if not isinstance(data, dict):
        raise invalid("The body must be a JSON object")
    if data.get("amount") is None:
        raise invalid("amount is required", "amount")
    amount = _number(data["amount"], "amount")
    raw_items = data.get("items")
    if raw_items is not None and not isinstance(raw_items, list):
        raise invalid("items must be an array", "items")
    items = None if raw_items is None else [_item(raw, i) for i, raw in enumerate(raw_items)]
    replace = data.get("replaceitems", False)
    if replace is None:
        replace = False
    if not isinstance(replace, bool):
        raise invalid("replaceItems must be true or false", "replaceItems")
    if replace and not items:
        raise invalid("replaceItems needs items", "items")
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        raise invalid("description must be a string", "description")
    if description is not None:
        _storable(description, "description")
    meta = CaptureMeta(
        description=description if description and description.strip() else None,
        action_reference=_text(data.get("actionreference"), "actionReference"),
    )
    return CaptureRequest(amount, items, replace, meta)


# -- OpenAPI: what the wire format looks like (parsing above is deliberately more lenient) --
# A number or a numeric string, below 10**11 in size so it fits minor units at any exponent.
Amount = Annotated[
    Decimal,
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
# A VAT rate in percent, 0 to 100, with at most 2 decimals.
Percent = Annotated[
    Decimal,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 100, "multipleOf": 0.01},
                {"type": "string", "pattern": r"^(100(\.00?)?|[0-9]{1,2}(\.[0-9]{1,2})?)$"},
            ]
        }
    ),
]


class CaptureItemSchema(BaseModel):
    model_config = ConfigDict(title="CaptureItem")

    id: str | None = Field(None, max_length=50, description="Article number")
    description: str | None = Field(None, max_length=MAX_TEXT)
    unitPrice: Amount = Field(description="Price per unit incl. VAT, at most 2 decimals")
    quantity: int = Field(ge=1, le=1_000_000)
    vat: Percent | None = Field(None, description="VAT rate in percent")
    type: str | None = Field(None, max_length=50, description="purchase, fee, …")


class CaptureSchema(BaseModel):
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
    description: str | None = Field(None, description="At most 50 characters")
    actionReference: str | None = Field(None, max_length=MAX_TEXT)
    items: list[CaptureItemSchema] | None = None
    replaceItems: bool | None = None


class CancelSchema(BaseModel):
    model_config = ConfigDict(title="CancelRequest")

    actionReference: str | None = Field(None, max_length=MAX_TEXT)


def cancel_request(data: Any) -> str | None:
    """The optional cancel body; clients also send ``amount`` and ``items``, which are ignored."""
    if not isinstance(data, dict):
        raise invalid("The body must be a JSON object")
    return _text(data.get("actionreference"), "actionReference")

"""Request bodies as JSON: strictly typed, no NUL, no key twice; a malformed body is a 400
that names the first bad field. And the shapes several APIs share: an order line in minor
units, an address."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from orderdesk.domain.errors import DomainError, Kind, invalid
from orderdesk.domain.lines import MAX_QUANTITY, CaptureLine
from orderdesk.domain.money import MAX_MINOR
from orderdesk.domain.vat import MAX_VAT_BP

M = TypeVar("M", bound=BaseModel)
# ``\u0000`` whose backslash is not itself escaped (``\\u0000`` is the six characters).
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse(model: type[M], body: bytes) -> M:
    """Validate ``body`` as ``model``; a malformed body is a 400 naming the first bad field.

    A string with ``\\u0000`` is malformed too: PostgreSQL text cannot hold NUL.
    """
    if _NUL_ESCAPE.search(body):
        raise invalid("Strings may not contain NUL (\\u0000)")
    _refuse_duplicate_keys(body)
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise _refused(exc) from None


def validate(model: type[M], data: dict[str, Any]) -> M:
    """``data`` from elsewhere than a JSON body (a form) as ``model``, refused as :func:`parse`
    refuses a body."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _refused(exc) from None


def _refused(exc: ValidationError) -> DomainError:
    first = exc.errors(include_url=False)[0]
    where = _where(tuple(first["loc"]))
    message = f"{where}: {first['msg']}" if where else str(first["msg"])
    if first["type"] == RULE:  # well-formed, but over a limit of orderdesk's: a 422
        return DomainError(RULE, message, Kind.RULE, where or None)
    return invalid(message, where or None)


#: The error type of a model's rule on well-formed values: a 422, not a 400.
RULE = "LIMIT_EXCEEDED"


def rule_broken(message: str) -> PydanticCustomError:
    """Raise it in a model's validator for a rule JSON Schema cannot say (how many fields a
    free-form object has, how large it is): the request is refused 422 ``LIMIT_EXCEEDED``."""
    return PydanticCustomError(RULE, message)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise invalid(f"{key} appears twice in one object", key)
        out[key] = value
    return out


def _refuse_duplicate_keys(body: bytes) -> None:
    """A key twice in one object is malformed (the last value would win silently)."""
    if body.count(b'"') < 4:  # not even two keys
        return
    try:
        json.loads(body, object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError):
        return  # not JSON at all: the model's parser says why


Minor = Annotated[int, Field(ge=-MAX_MINOR, le=MAX_MINOR)]
#: An order line's texts and numbers, the same wherever an order is made (the sandbox API,
#: scenario files) or its lines are sent in minor units.
LineText = Annotated[str, Field(max_length=255)]
LineType = Annotated[str, Field(max_length=50, description="physical, digital, shippingFee, …")]
Quantity = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
Vat = Annotated[int, Field(ge=0, le=MAX_VAT_BP, description="Basis points: 2500 = 25 %")]


class OrderLine(BaseModel):
    """An order line in integer minor units, VAT in basis points (``unitPrice`` and discount
    may be absent)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    id: str | None = Field(None, max_length=64, description="ol_… of an uncaptured line")
    reference: LineText = Field("", description="Article number (SKU)")
    description: LineText = ""
    type: LineType = "physical"
    quantity: Quantity
    unitPrice: Minor | None = Field(None, description="Minor units, VAT included")
    unitDiscountAmount: Minor | None = Field(None, description="Minor units per unit")
    totalAmount: Minor = Field(description="Minor units, VAT included, after discount")
    totalVatAmount: Minor = Field(description="Within ±1 of the exact VAT part")
    vat: Vat

    def command(self) -> CaptureLine:
        return CaptureLine(
            id=self.id,
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


class Contact(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    email: str | None = Field(None, max_length=200)
    firstName: str | None = Field(None, max_length=200)
    lastName: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=30)


class CompanyAddress(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    attentionName: str | None = Field(None, max_length=200)
    careOf: str | None = Field(None, max_length=200)
    city: str | None = Field(None, max_length=100)
    companyName: str | None = Field(None, max_length=200)
    country: str | None = Field(None, max_length=50)
    postalCode: str | None = Field(None, max_length=20)
    streetAddress: str | None = Field(None, max_length=200)
    streetAddress2: str | None = Field(None, max_length=200)
    contact: Contact | None = None

"""Walley request bodies: what is accepted, what is a 400 and which field it names (no DB)."""

from __future__ import annotations

import json
from decimal import Decimal, localcontext
from typing import Any

import pytest

from orderdesk.domain.errors import INVALID_REQUEST, DomainError, Kind
from orderdesk.domain.order import CaptureMeta
from orderdesk.providers.walley import wire
from orderdesk.providers.walley.rules import CaptureRequest, RequestedItem


def capture(body: str | bytes) -> CaptureRequest:
    return wire.capture_body(body.encode() if isinstance(body, str) else body)


def item_body(**fields: Any) -> str:
    """A capture of one item; ``fields`` are raw JSON texts over a valid item."""
    raw = {"unitPrice": "95", "quantity": "1", **fields}
    inner = ", ".join(f'"{name}": {text}' for name, text in raw.items() if text is not None)
    return f'{{"amount": 95, "items": [{{{inner}}}]}}'


def first_item(body: str) -> RequestedItem:
    items = capture(body).items
    assert items is not None
    return items[0]


def refused(body: str | bytes) -> DomainError:
    with pytest.raises(DomainError) as caught:
        capture(body)
    err = caught.value
    assert (err.kind, err.code) == (Kind.INVALID, INVALID_REQUEST)
    return err


# -- accepted ------------------------------------------------------------------------------------
def test_the_seed_capture_with_items() -> None:
    body = """{"amount": 285.0, "description": "Capture", "actionReference": "ref-1",
    "items": [{"id": "10001", "description": "Shoes", "unitPrice": 95, "quantity": 1,
               "vat": 25, "type": "physical"}], "replaceItems": true}"""
    assert capture(body) == CaptureRequest(
        amount=Decimal("285.0"),
        items=[RequestedItem(Decimal(95), 1, "10001", "Shoes", 2500, "physical")],
        replace_items=True,
        meta=CaptureMeta(description="Capture", action_reference="ref-1"),
    )


def test_an_amount_only_capture() -> None:
    assert capture('{"amount": 100}') == CaptureRequest(Decimal(100), None, False, CaptureMeta())


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("285", Decimal(285)),
        ("285.0", Decimal("285.0")),
        ("285.000000000000000000000000001", Decimal("285.000000000000000000000000001")),
        ("1e2", Decimal("1e2")),
        ("-1", Decimal(-1)),
        ("1e309", Decimal("1e309")),  # refused by the domain (422), not as malformed
        ('"285.00"', Decimal("285.00")),
        ('" 285.00 "', Decimal("285.00")),
        ('"-.5"', Decimal("-0.5")),
        ('"95"', Decimal(95)),
    ],
)
def test_amounts_are_numbers_or_numeric_strings_read_exactly(text: str, value: Decimal) -> None:
    request = capture(f'{{"amount": {text}}}')
    assert request.amount == value
    assert str(request.amount) == str(value)  # the very digits sent: no float, no rounding
    assert first_item(item_body(unitPrice=text)).unit_price == value


def test_numbers_are_never_floats() -> None:
    request = capture('{"amount": 0.1, "items": [{"unitPrice": 0.1, "quantity": 1}]}')
    assert type(request.amount) is Decimal and str(request.amount) == "0.1"
    assert request.items is not None and str(request.items[0].unit_price) == "0.1"


@pytest.mark.parametrize(
    ("text", "quantity"),
    [("2", 2), ("2.0", 2), ("2.000", 2), ('"2"', 2), ('"2.0"', 2), ("2e0", 2), ("0", 0)],
)
def test_quantity_is_a_whole_number_in_any_spelling(text: str, quantity: int) -> None:
    assert first_item(item_body(quantity=text)).quantity == quantity


@pytest.mark.parametrize("text", ["-1", "2000000", "1000000000"])
def test_quantities_out_of_the_documented_range_are_left_to_the_domain(text: str) -> None:
    assert first_item(item_body(quantity=text)).quantity == int(text)


@pytest.mark.parametrize(
    ("text", "bp"),
    [
        ("25", 2500),
        ("25.0", 2500),
        ("12.5", 1250),
        ("12.34", 1234),
        ("12.340000", 1234),
        ('"25.00"', 2500),
        ("0", 0),
        ("100", 10000),
        ("100.00", 10000),
        ("null", None),
    ],
)
def test_vat_in_percent_becomes_basis_points(text: str, bp: int | None) -> None:
    assert first_item(item_body(vat=text)).vat == bp


def test_an_absent_vat_is_none() -> None:
    assert first_item(item_body()).vat is None


@pytest.mark.parametrize(("text", "article"), [('"10001"', "10001"), ("10001", "10001")])
def test_an_integer_id_is_its_digits(text: str, article: str) -> None:
    assert first_item(item_body(id=text)).id == article


def test_property_names_match_whatever_their_case() -> None:
    body = """{"AMOUNT": "190.00", "ActionReference": "r", "Description": "d", "ReplaceItems": true,
    "Items": [{"ID": "10002", "Description": "T-Shirt", "Quantity": 2, "UnitPrice": "95.00",
               "VAT": 25.0, "Type": "physical"}]}"""
    assert capture(body) == CaptureRequest(
        amount=Decimal("190.00"),
        items=[RequestedItem(Decimal("95.00"), 2, "10002", "T-Shirt", 2500, "physical")],
        replace_items=True,
        meta=CaptureMeta(description="d", action_reference="r"),
    )


def test_unknown_properties_are_ignored() -> None:
    body = '{"amount": 1, "currency": "SEK", "items": [{"unitPrice": 1, "quantity": 1, "x": {}}]}'
    assert capture(body).items == [RequestedItem(Decimal(1), 1)]


@pytest.mark.parametrize("description", ['""', '"   "', '"\\t\\n"', "null"])
def test_a_blank_description_is_none(description: str) -> None:
    assert capture(f'{{"amount": 1, "description": {description}}}').meta.description is None


def test_the_capture_description_length_is_the_domains_rule() -> None:
    assert capture(json.dumps({"amount": 1, "description": "x" * 1000})).meta.description


@pytest.mark.parametrize(("text", "replace"), [("null", False), ("false", False)])
def test_replace_items_null_is_false(text: str, replace: bool) -> None:
    assert capture(f'{{"amount": 1, "replaceItems": {text}}}').replace_items is replace


def test_text_at_its_limits_and_emoji_are_fine() -> None:
    body = json.dumps(
        {
            "amount": 1,
            "actionReference": "r" * 255,
            "description": "C:\\u0000 \U0001f600",
            "items": [
                {
                    "unitPrice": 1,
                    "quantity": 1,
                    "id": "i" * 50,
                    "type": "t" * 50,
                    "description": "d" * 255,
                }
            ],
        }
    )
    request = capture(body)
    assert request.meta.description == "C:\\u0000 \U0001f600"
    assert request.items == [RequestedItem(Decimal(1), 1, "i" * 50, "d" * 255, None, "t" * 50)]


# -- refused, naming the field -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"description": "x"}', "amount"),
        ('{"amount": null}', "amount"),
        ('{"amount": true}', "amount"),
        ('{"amount": false}', "amount"),
        ('{"amount": "95,00"}', "amount"),
        ('{"amount": "1e3"}', "amount"),
        ('{"amount": "NaN"}', "amount"),
        ('{"amount": "Infinity"}', "amount"),
        ('{"amount": ""}', "amount"),
        ('{"amount": "1 000"}', "amount"),
        ('{"amount": {}}', "amount"),
        ('{"amount": []}', "amount"),
        ('{"amount": 95, "items": {"id": 1}}', "items"),
        ('{"amount": 95, "items": "10001"}', "items"),
        ('{"amount": 95, "items": [5]}', "items[0]"),
        ('{"amount": 95, "items": [{"unitPrice": 95}]}', "items[0].quantity"),
        ('{"amount": 95, "items": [{"quantity": 1}]}', "items[0].unitPrice"),
        ('{"amount": 95, "items": [{"unitPrice": null, "quantity": 1}]}', "items[0].unitPrice"),
        ('{"amount": 95, "items": [{"unitPrice": 95, "quantity": null}]}', "items[0].quantity"),
        (item_body(unitPrice='"95,00"'), "items[0].unitPrice"),
        (item_body(unitPrice="true"), "items[0].unitPrice"),
        (item_body(unitPrice='"9.5e1"'), "items[0].unitPrice"),
        (item_body(quantity="1.5"), "items[0].quantity"),
        (item_body(quantity='"1.5"'), "items[0].quantity"),
        (item_body(quantity="1e-400"), "items[0].quantity"),
        (item_body(quantity="1000000001"), "items[0].quantity"),
        (item_body(quantity="1e309"), "items[0].quantity"),
        (item_body(quantity="true"), "items[0].quantity"),
        (item_body(quantity='"two"'), "items[0].quantity"),
        (item_body(vat="-1"), "items[0].vat"),
        (item_body(vat="-0.001"), "items[0].vat"),
        (item_body(vat="100.01"), "items[0].vat"),
        (item_body(vat="1e309"), "items[0].vat"),
        (item_body(vat="12.345"), "items[0].vat"),
        (item_body(vat="1e-400"), "items[0].vat"),
        (item_body(vat="true"), "items[0].vat"),
        (item_body(vat='"25%"'), "items[0].vat"),
        (item_body(id="true"), "items[0].id"),
        (item_body(id="1.5"), "items[0].id"),
        (item_body(id="[]"), "items[0].id"),
        (item_body(id=json.dumps("x" * 51)), "items[0].id"),
        (item_body(id="1" * 51), "items[0].id"),
        (item_body(type=json.dumps("x" * 51)), "items[0].type"),
        (item_body(type="5"), "items[0].type"),
        (item_body(description=json.dumps("x" * 256)), "items[0].description"),
        (item_body(description="5"), "items[0].description"),
        (item_body(description='"a\\u0000b"'), "items[0].description"),
        ('{"amount": 95, "actionReference": 123}', "actionReference"),
        ('{"amount": 95, "actionReference": "' + "x" * 256 + '"}', "actionReference"),
        ('{"amount": 95, "actionReference": "\\udc00x"}', "actionReference"),
        ('{"amount": 95, "description": 5}', "description"),
        ('{"amount": 95, "description": "a\\u0000b"}', "description"),
        ('{"amount": 95, "description": "\\ud800"}', "description"),
        ('{"amount": 95, "description": "\\ud800\\u0041"}', "description"),
        ('{"amount": 95, "replaceItems": "yes"}', "replaceItems"),
        ('{"amount": 95, "replaceItems": "true"}', "replaceItems"),
        ('{"amount": 95, "replaceItems": 1}', "replaceItems"),
        ('{"amount": 95, "replaceItems": true}', "items"),
        ('{"amount": 95, "replaceItems": true, "items": null}', "items"),
        ('{"amount": 95, "replaceItems": true, "items": []}', "items"),
        (
            '{"amount": 95, "items": [{"unitPrice": 95, "quantity": 1},'
            ' {"unitPrice": 95, "quantity": 1, "vat": 101}]}',
            "items[1].vat",
        ),
    ],
)
def test_a_malformed_field_is_400_naming_it(body: str, field: str) -> None:
    err = refused(body)
    assert err.field == field
    assert err.message.startswith(f"{field}: "), err.message


def test_the_first_bad_field_is_named() -> None:
    err = refused('{"amount": true, "items": [{"unitPrice": 1, "quantity": 1.5}]}')
    assert err.field == "amount"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"{not json",
        b'{"amount": 1} trailing',
        b'{"amount": NaN}',
        b'{"amount": Infinity}',
        b'{"amount": -Infinity}',
        b'{"amount": 1, "amount": 2}',
        b'{"amount": 1, "Amount": 2}',
        b'{"amount": 1, "items": [{"unitPrice": 1, "UNITPRICE": 2, "quantity": 1}]}',
        b'{"amount": "\xc3\x28"}',
        b"\xff\xfe\x00{",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"amount": ' + b"9" * 5000 + b"}",
    ],
)
def test_a_body_that_is_not_json_is_400(body: bytes) -> None:
    assert refused(body).field is None


@pytest.mark.parametrize("body", ["[]", "null", '"amount"', "1", "true"])
def test_a_body_that_is_not_an_object_is_400(body: str) -> None:
    err = refused(body)
    assert err.field is None
    assert "object" in err.message


def test_a_python_dict_with_keys_differing_in_case_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        wire.capture_request({"amount": 1, "AMOUNT": 2})
    assert caught.value.kind == Kind.INVALID


def test_a_python_float_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        wire.capture_request({"amount": 0.1})
    assert caught.value.field == "amount"


# -- the decimal context plays no part ---------------------------------------------------------
CONTEXT_BODIES = [
    '{"amount": 285.000000000000000000000000001}',
    '{"amount": "123456.78", "items": [{"unitPrice": "123456.78", "quantity": 1, "vat": 12.34}]}',
    '{"amount": 1, "items": [{"unitPrice": 1, "quantity": 123456789.000, "vat": 99.99}]}',
    '{"amount": 1, "items": [{"unitPrice": 1, "quantity": "1000000000", "vat": "100.00"}]}',
]


@pytest.mark.parametrize("body", CONTEXT_BODIES)
def test_a_narrow_decimal_context_changes_nothing(body: str) -> None:
    expected = capture(body)
    with localcontext(prec=3):
        assert capture(body) == expected
    with localcontext(prec=3) as ctx:
        ctx.traps = dict.fromkeys(ctx.traps, True)  # any inexact or rounded step would raise
        assert capture(body) == expected


def test_exact_values_under_a_narrow_context() -> None:
    with localcontext(prec=3):
        request = capture(CONTEXT_BODIES[2])
        assert str(capture(CONTEXT_BODIES[0]).amount) == "285.000000000000000000000000001"
    assert request.items is not None
    assert (request.items[0].quantity, request.items[0].vat) == (123456789, 9999)


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"vat": "12.345"}, "items[0].vat"), ({"quantity": "1234.5"}, "items[0].quantity")],
)
def test_a_narrow_context_does_not_hide_a_fraction(fields: dict[str, str], field: str) -> None:
    with localcontext(prec=3):
        assert refused(item_body(**fields)).field == field


# -- cancel ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "reference"),
    [
        (b"", None),
        (b"  \n", None),
        (b"{}", None),
        (b'{"actionReference": null}', None),
        (b'{"actionReference": "r-1"}', "r-1"),
        (b'{"ActionReference": "r-1", "amount": "junk", "items": 5}', "r-1"),
    ],
)
def test_a_cancel_body_is_optional(body: bytes, reference: str | None) -> None:
    assert wire.cancel_body(body) == reference


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"[]", None),
        (b"{not json", None),
        (b'{"actionReference": 5}', "actionReference"),
        (b'{"actionReference": "' + b"x" * 256 + b'"}', "actionReference"),
        (b'{"actionReference": "a\\u0000"}', "actionReference"),
        (b'{"actionReference": "a", "ACTIONREFERENCE": "b"}', None),
    ],
)
def test_a_malformed_cancel_body_is_400(body: bytes, field: str | None) -> None:
    with pytest.raises(DomainError) as caught:
        wire.cancel_body(body)
    assert (caught.value.kind, caught.value.field) == (Kind.INVALID, field)


# -- one definition: what is validated is what is documented -------------------------------------
def test_the_documented_schema_is_generated_from_the_validating_models() -> None:
    schema = wire.CaptureSchema.model_json_schema()
    assert set(schema["properties"]) == {
        "amount",
        "description",
        "actionReference",
        "items",
        "replaceItems",
    }
    assert schema["required"] == ["amount"]
    item = schema["$defs"]["CaptureItemSchema"]
    assert set(item["properties"]) == {"id", "description", "unitPrice", "quantity", "vat", "type"}
    assert item["required"] == ["unitPrice", "quantity"]
    assert item["properties"]["quantity"]["type"] == "integer"
    assert {"type": "string", "maxLength": 50} in item["properties"]["id"]["anyOf"]
    assert wire.CancelSchema.model_json_schema()["properties"]["actionReference"]["anyOf"][0] == {
        "type": "string",
        "maxLength": 255,
    }

"""providers/ledyer/wire.py: strict JSON types, NUL escapes, the first bad field named."""

import orjson
import pytest

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.lines import CaptureLine
from orderdesk.providers.ledyer.wire import CaptureBody, EditBody, EditCustomerBody
from orderdesk.web.bodies import parse

LINE = {
    "id": "ol_1",
    "reference": "1334227",
    "description": "Samsung",
    "type": "physical",
    "quantity": 1,
    "unitPrice": 489000,
    "unitDiscountAmount": 0,
    "totalAmount": 489000,
    "totalVatAmount": 97800,
    "vat": 2500,
}


def body(**changes: object) -> bytes:
    line = {**LINE, **changes}
    return orjson.dumps({"orderLines": [line], "totalCaptureAmount": 489000})


def refused(raw: bytes, model: type = CaptureBody) -> DomainError:
    with pytest.raises(DomainError) as err:
        parse(model, raw)
    assert err.value.code == e.INVALID_REQUEST
    assert err.value.kind is Kind.INVALID
    return err.value


def test_a_good_capture_body_becomes_capture_lines() -> None:
    parsed = parse(CaptureBody, body(extra="ignored"))
    assert parsed.totalCaptureAmount == 489000
    assert parsed.orderLines[0].command() == CaptureLine(
        id="ol_1",
        reference="1334227",
        description="Samsung",
        type="physical",
        quantity=1,
        unit_price=489000,
        unit_discount=0,
        total_amount=489000,
        vat=2500,
        total_vat=97800,
    )


def test_defaults_for_what_clients_may_leave_out() -> None:
    raw = orjson.dumps(
        {"orderLines": [{"quantity": 2, "totalAmount": 10, "totalVatAmount": 2, "vat": 2500}],
         "totalCaptureAmount": 10}
    )  # fmt: skip
    line = parse(CaptureBody, raw).orderLines[0].command()
    assert (line.id, line.reference, line.description, line.type) == (None, "", "", "physical")
    assert (line.unit_price, line.unit_discount) == (None, None)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": "1"}, "orderLines[0].quantity"),  # a string is not a number
        ({"quantity": 1.0}, "orderLines[0].quantity"),  # nor is a float an integer
        ({"totalAmount": True}, "orderLines[0].totalAmount"),  # nor a boolean
        ({"unitPrice": "489000"}, "orderLines[0].unitPrice"),
        ({"vat": 10001}, "orderLines[0].vat"),
        ({"quantity": -1}, "orderLines[0].quantity"),
        ({"totalAmount": 10**15 + 1}, "orderLines[0].totalAmount"),
        ({"reference": 1334227}, "orderLines[0].reference"),
        ({"reference": "x" * 256}, "orderLines[0].reference"),
    ],
)
def test_strict_types_and_ranges_name_the_field(changes: dict[str, object], field: str) -> None:
    err = refused(body(**changes))
    assert err.field == field
    assert err.message.startswith(f"{field}: ")


def test_the_first_bad_field_is_named() -> None:
    raw = orjson.dumps(
        {"orderLines": [LINE, {**LINE, "quantity": "2", "vat": "x"}], "totalCaptureAmount": "1"}
    )
    assert refused(raw).field == "orderLines[1].quantity"
    missing = orjson.dumps({"orderLines": [LINE]})
    err = refused(missing)
    assert (err.field, err.message) == ("totalCaptureAmount", "totalCaptureAmount: Field required")
    assert refused(orjson.dumps({"orderLines": [], "totalCaptureAmount": 0})).field == "orderLines"


def test_bodies_that_are_not_objects() -> None:
    assert refused(b"[]").field is None
    assert refused(b'{"orderLines": [').field is None
    assert refused(b"").field is None


def test_a_nul_escape_is_refused_but_an_escaped_backslash_is_not() -> None:
    err = refused(body(description="a\u0000b"))
    assert err.message == "Strings may not contain NUL (\\u0000)"
    assert err.field is None
    # ``\\u0000`` is a backslash followed by the text u0000
    parsed = parse(CaptureBody, body(description="a\\u0000b"))
    assert parsed.orderLines[0].description == "a\\u0000b"
    # an escaped backslash before a real NUL escape: still a NUL
    raw = body(description="PLACEHOLDER").replace(b"PLACEHOLDER", b"a\\\\\\u0000")
    assert refused(raw).message.startswith("Strings may not contain NUL")


def test_edit_body_needs_every_total() -> None:
    raw = orjson.dumps(
        {"orderLines": [LINE], "totalOrderAmount": 489000, "totalOrderVatAmount": 97800}
    )
    assert refused(raw, EditBody).field == "totalOrderAmountExclVat"
    full = orjson.dumps(
        {"orderLines": [LINE], "totalOrderAmount": 489000, "totalOrderAmountExclVat": 391200,
         "totalOrderVatAmount": 97800}
    )  # fmt: skip
    assert parse(EditBody, full).totalOrderAmountExclVat == 391200


def test_edit_customer_changes_only_what_was_sent() -> None:
    raw = orjson.dumps(
        {"email": "a@b.se", "billingAddress": {"city": "Lund", "contact": {"firstName": "Ada"}},
         "unknown": 1}
    )  # fmt: skip
    assert parse(EditCustomerBody, raw).changes() == {
        "email": "a@b.se",
        "billingAddress": {"city": "Lund", "contact": {"firstName": "Ada"}},
    }
    err = refused(orjson.dumps({"billingAddress": {"city": 7}}), EditCustomerBody)
    assert err.field == "billingAddress.city"
    err = refused(orjson.dumps({"phone": "1" * 31}), EditCustomerBody)
    assert err.field == "phone"

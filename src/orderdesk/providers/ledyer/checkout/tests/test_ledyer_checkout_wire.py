"""providers/ledyer/checkout/wire.py: the plugin's own session bodies parse as sent (whole
numbers written ``2.0`` included); a fraction, a bool or a bad country is a 400 naming the
field."""

import pytest

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError
from orderdesk.domain.lines import CaptureLine
from orderdesk.providers.ledyer.checkout.tests import plugin_requests as sent
from orderdesk.providers.ledyer.checkout.wire import CreateSessionBody, UpdateSessionBody
from orderdesk.web.bodies import parse


def test_the_plugins_create_body_parses_with_its_floats_as_integers() -> None:
    body = parse(CreateSessionBody, sent.CREATE_SESSION)
    assert (body.country, body.currency, body.locale, body.storeId) == (
        "SE",
        "SEK",
        "sv-SE",
        "970245072",
    )
    assert (body.totalOrderAmount, body.totalOrderAmountExclVat, body.totalOrderVatAmount) == (
        96125,
        76900,
        19225,
    )
    assert [line.command() for line in body.orderLines or []] == [
        CaptureLine(None, "woo-hoodie", "Hoodie", "physical", 2, None, None, 90000, 2500, 18000),
        CaptureLine(
            None, "flat_rate:1", "Flat rate", "shippingFee", 1, None, None, 6125, 2500, 1225
        ),
    ]
    assert body.settings is not None and body.settings.urls is not None
    assert body.settings.urls.notification == sent.NOTIFICATION_URL
    assert (body.settings.urls.confirmation, body.settings.urls.validate_) == ("", None)
    assert body.settings.security is not None
    assert body.settings.security.requireClientValidation is True
    assert (body.metadata, body.reference, body.customer) == (None, None, None)
    assert all(type(line.quantity) is int for line in body.orderLines or [])


def test_the_plugins_update_body_parses() -> None:
    body = parse(UpdateSessionBody, sent.UPDATE_SESSION)
    assert body.totalOrderAmount == 141125
    assert [line.quantity for line in body.orderLines or []] == [3, 1]
    assert body.settings is not None and body.settings.urls is None


CREATE, UPDATE = sent.CREATE_SESSION, sent.UPDATE_SESSION
QUANTITY, VAT = "orderLines[0].quantity", "totalOrderVatAmount"


@pytest.mark.parametrize(
    ("model", "raw", "field"),
    [
        (CreateSessionBody, CREATE.replace(b'"quantity":2.0', b'"quantity":2.5'), QUANTITY),
        (CreateSessionBody, CREATE.replace(b'"quantity":2.0', b'"quantity":true'), QUANTITY),
        (CreateSessionBody, CREATE.replace(b'"quantity":2.0', b'"quantity":"2"'), QUANTITY),
        (CreateSessionBody, CREATE.replace(b"96125.0", b"96125.5"), "totalOrderAmount"),
        (CreateSessionBody, CREATE.replace(b'"country":"SE"', b'"country":"Sweden"'), "country"),
        (CreateSessionBody, CREATE.replace(b'"currency":"SEK",', b""), "currency"),
        (UpdateSessionBody, UPDATE.replace(b',"totalOrderVatAmount":28225.0', b""), VAT),
    ],
)  # fmt: skip
def test_a_malformed_body_is_refused_naming_its_field(
    model: type[UpdateSessionBody], raw: bytes, field: str
) -> None:
    with pytest.raises(DomainError) as err:
        parse(model, raw)
    assert (err.value.code, err.value.field) == (e.INVALID_REQUEST, field)

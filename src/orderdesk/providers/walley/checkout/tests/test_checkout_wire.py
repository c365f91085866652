"""The checkout API's bodies as Walley's clients send them (``fixtures/``), read into minor
units; and what Walley refuses as a 400.

The fixtures reproduce, as orderdesk's own files, what these clients send (the shop's URLs at
``http://shop.test``, store 1158, private id ``1eec44b5-…``):

- ``kro_*``: krokedil/collector-checkout-for-woocommerce at
  697c5824a6de221a9beec382c1d72466a9401e28, ``classes/requests/checkouts/`` —
  ``post/…-initialize-checkout.php`` (``reference: ""``, the notificationUri with
  ``{checkout.id}`` / ``{checkout.publictoken}``, ``fees`` from ``Walley_Checkout_Requests_
  Fees_Helper::fees()``, ``""`` when empty, the customer's e-mail and phone),
  ``put/…-update-checkout.php`` (``/checkouts/{id}/``, the cart as ``cart()['items']``),
  ``put/…-update-cart.php``, ``…-update-fees.php``, ``…-update-metadata.php``,
  ``…-set-order-reference.php`` (``{"Reference": order number}``), ``get/…-get-checkout.php``;
  items from ``helpers/class-collector-checkout-requests-cart.php::create_item``
  (``wc_format_decimal`` strings, ``vat`` a PHP float), sent by ``wp_json_encode`` (escaped
  slashes) with the headers of ``class-walley-checkout-request.php``.
- ``sdk_*``: collector-bank/Checkout-PHP-SDK at a28c666bdbe6f36090f1cf198442c10c05327b4f —
  ``src/Session.php::initialize`` (``storeId`` a string, ``reference`` null, the Magento
  module's URLs from collector-bank/Checkout-Magento-2 ``src/Config/Config.php`` at ab61ba0a),
  ``updateCart``, ``updateFees``, ``setOrderReference``, ``acquireInformation``, through
  ``src/Adapter/CurlWithAccessKey.php`` (``Authorization:Bearer`` on writes) and
  ``src/Checkout/Cart/Item.php::toArray`` (``sku``, ``unitWeight``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orderdesk.domain.errors import DomainError
from orderdesk.providers.walley.checkout import wire

FIXTURES = Path(__file__).parent / "fixtures"


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().partition(b"\r\n\r\n")[2]


def totals(basket: wire.Basket) -> list[tuple[str, int, int, int, str]]:
    return [(x.reference, x.quantity, x.total_amount, x.vat, x.type) for x in basket.lines(2)]


def test_the_plugin_initializes_with_string_prices_and_empty_fees() -> None:
    new = wire.initialize_body(body("kro_initialize.http"))
    assert (new.store_id, new.country, new.reference) == ("1158", "SE", None)
    assert totals(new.basket) == [
        ("10001", 1, 9500, 2500, "purchase"),
        ("10002", 2, 19000, 2500, "purchase"),
    ]
    assert new.urls["notificationUri"] == (
        "http://shop.test/wc-api/Collector_Checkout_Gateway/?notification-callback=1"
        "&private-id={checkout.id}&public-token={checkout.publictoken}&customer-type=b2c"
    )
    assert new.urls["redirectPageUri"].endswith(
        "walley_confirm=1&public-token={checkout.publictoken}"
    )
    assert "validationUri" not in new.urls
    assert new.prefill == {"email": "test@walleytest.se", "mobilePhoneNumber": "+46701234567"}


def test_the_sdk_initializes_with_floats_a_null_reference_and_a_shipping_fee() -> None:
    new = wire.initialize_body(body("sdk_initialize.http"))
    assert new.store_id == "1158" and new.reference is None
    assert totals(new.basket) == [
        ("10001", 1, 9500, 2500, "purchase"),
        ("10002", 2, 19000, 2500, "purchase"),
        ("shipping", 1, 4900, 2500, "fee"),
    ]
    assert new.urls["validationUri"].endswith("/validation/index/reference/{checkout.publictoken}")


def test_an_update_sends_the_cart_as_a_bare_array() -> None:
    update = wire.update_body(body("kro_update.http"))
    assert totals(update.basket)[2:] == [
        ("10003", 2, 9900, 2500, "purchase"),
        ("shipping|flat_rate:1", 1, 4900, 2500, "fee"),
    ]
    assert update.metadata is None


def test_cart_fees_metadata_and_reference_bodies() -> None:
    assert [x.reference for x in wire.cart_body(body("kro_update_cart.http"))] == ["10001", "10002"]
    assert [x.quantity for x in wire.cart_body(body("sdk_update_cart.http"))] == [2]
    assert list(wire.fees_body(body("kro_update_fees.http"))) == ["shipping"]
    assert wire.fees_body(body("sdk_update_fees.http"))["shipping"].unit_price == 59
    assert wire.metadata_body(body("kro_update_metadata.http")) == {"wc_order_key": "wc_order_Xq3b"}
    assert wire.reference_body(body("kro_reference.http")) == "1042"
    assert wire.reference_body(body("sdk_reference.http")) == "000000042"


@pytest.mark.parametrize(
    ("sent", "field", "code"),
    [
        (b'{"cart": []}', "cart.items", wire.VALIDATION_ERROR),
        (b'{"cart": {"items": "x"}}', "cart.items", wire.VALIDATION_ERROR),
        (
            b'{"cart": [{"id": "1", "description": "a", "unitPrice": 1, "quantity": 1, '
            b'"vat": 25}, {"id": "1", "description": "b", "unitPrice": 1, "quantity": 1, '
            b'"vat": 25}]}',
            "cart",
            wire.DUPLICATE_ARTICLES,
        ),
        (b'{"cart": [], "fees": 5}', "cart.items", wire.VALIDATION_ERROR),
        (b"false", None, wire.VALIDATION_ERROR),
    ],
)
def test_malformed_updates_are_validation_errors(sent: bytes, field: str | None, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        wire.update_body(sent)
    assert (caught.value.code, caught.value.field) == (code, field)


def test_a_decimal_too_many_is_refused_in_the_stores_currency() -> None:
    update = wire.update_body(
        b'{"cart": [{"id": "1", "description": "a", "unitPrice": "1.005", "quantity": 1, '
        b'"vat": 25}]}'
    )
    with pytest.raises(DomainError) as caught:
        update.basket.lines(2)
    assert (caught.value.code, caught.value.field) == (wire.VALIDATION_ERROR, "cart.items[0]")
    assert update.basket.lines(3)[0].total_amount == 1005


@pytest.mark.parametrize(
    "sent",
    [
        b'{"metadata": {"note": "a\\u0000b"}}',
        b'{"metadata": {"a\\u0000": 1}}',
        b'{"metadata": {"list": ["\\ud800"]}}',
    ],
)
def test_json_kept_as_sent_holds_no_nul_nor_lone_surrogate(sent: bytes) -> None:
    with pytest.raises(DomainError) as caught:
        wire.metadata_body(sent)
    assert (caught.value.code, caught.value.field) == (wire.VALIDATION_ERROR, "metadata")


def test_a_uri_or_reference_with_a_nul_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        wire.reference_body(b'{"Reference": "10\\u000042"}')
    assert caught.value.field == "reference"
    body = (FIXTURES / "kro_initialize.http").read_bytes().partition(b"\r\n\r\n")[2]
    with pytest.raises(DomainError) as caught:
        wire.initialize_body(body.replace(b"terms\\/", b"terms\\u0000"))
    assert caught.value.field == "merchantTermsUri"


def test_numbers_in_metadata_are_kept_as_json_numbers() -> None:
    kept = wire.metadata_body(b'{"metadata": {"a": 1.50, "b": [2.0, 1e3, -3]}}')
    assert kept == {"a": 1.5, "b": [2, 1000, -3]}
    assert all(isinstance(x, int) for x in kept["b"])
    with pytest.raises(DomainError) as caught:
        wire.metadata_body(b'{"metadata": {"a": 1e400}}')
    assert caught.value.field == "metadata"

"""What Klarna Checkout v3's two public clients send, byte for byte (our own fixtures,
reproduced from the clients' code; no code of theirs is copied).

- Kustom (formerly Klarna) Checkout for WooCommerce 2.20.9,
  ``krokedil/klarna-checkout-for-woocommerce`` at 8d3290d31426ba4302543ff0fb001aae40d58eac:
  ``classes/requests/class-kco-request.php`` (headers: ``Authorization: Basic``,
  ``Content-Type: application/json``, ``kustom-partner: PG000651``; the WordPress user agent),
  ``checkout/post/class-kco-request-create.php`` (the create body's key order, from the cart),
  ``checkout/post/class-kco-request-update.php`` (the update on every cart change),
  ``checkout/post/class-kco-request-update-confirmation.php`` (sent from the validation
  callback, before completion: the order as read back, the confirmation URL re-pointed at
  the order-received page, ``merchant_reference2`` the WooCommerce order id as a JSON
  integer), ``checkout/get/class-kco-request-retrieve.php`` (a GET with the JSON type),
  ``order-management/post/class-kco-request-acknowledge-order.php`` (a POST with no body),
  ``helpers/class-kco-merchant-urls.php`` (``add_query_arg`` leaves ``{checkout.order.id}``
  unencoded), ``helpers/class-kco-request-cart.php`` (each line's key order),
  ``helpers/class-kco-request-options.php`` and ``class-kco-request-merchant-data.php``
  (``merchant_data`` a JSON string). Bodies are ``wp_json_encode``'s: ``\\/`` and ``\\u00f6``.
- Klarna's PHP SDK ``klarna/kco_rest_php`` 4.2.3 (1c3db055f4562dc98447c3672196fb8e474cebc7,
  ``src/Klarna/Rest/Checkout/Order.php``, ``Resource.php``, ``Transport/ResponseValidator.php``;
  the body of ``docs/examples/CheckoutAPI/create_checkout.php``): ``json_encode`` of the
  array, ``Content-Type: application/json`` on POSTs and none on GETs; create wants ``201``
  (compared as the string ``'201'``), a JSON type and ``Location``; update posts to that
  ``Location`` and wants ``'200'``.
"""

from __future__ import annotations

KCO_UA = (
    "WordPress/6.8.1; https://shop.example - WooCommerce: 9.9.5 - KCO:2.20.9 - "
    "PHP Version: 8.2.28 - Krokedil"
)
SDK_UA = (
    "Library/Klarna.kco_rest_php_4.2.3 (Guzzle/6.5.5; curl/7.81.0) OS/Linux_5.15 Language/PHP_7.4"
)
PARTNER = ("kustom-partner", "PG000651")

# A WooCommerce cart: 2 × "Tröja" (TR-01) at 400.00 incl. 25 % VAT, PostNord (flat_rate:3) at
# 61.25 incl. VAT; 861.25 SEK, of which VAT 172.25.
_URLS = (
    b'"merchant_urls":{"terms":"https:\\/\\/shop.example\\/villkor\\/",'
    b'"checkout":"https:\\/\\/shop.example\\/kassa\\/",'
    b'"confirmation":"https:\\/\\/shop.example\\/kassa\\/?kco_confirm=yes&kco_order_id='
    b'{checkout.order.id}",'
    b'"push":"https:\\/\\/shop.example\\/wc-api\\/KCO_WC_Push\\/?kco-action=push&kco_wc_order_id='
    b'{checkout.order.id}"}'
)
_COUNTRIES = b'"billing_countries":["SE","NO","FI"],"shipping_countries":["SE"]'
_MERCHANT_DATA = (
    b'"merchant_data":"{\\"is_user_logged_in\\":false,'
    b'\\"signing_key\\":\\"3f0c2a8e-41d6-4b07-9d0e-55b1c1f0a7d2\\"}"'
)
_OPTIONS = (
    b'"options":{"title_mandatory":false,"allow_separate_shipping_address":false,'
    b'"date_of_birth_mandatory":false,"national_identification_number_mandatory":false,'
    b'"verify_national_identification_number":false,"allowed_customer_types":["person"],'
    b'"require_client_validation":true,"require_client_validation_callback_response":true,'
    b'"phone_mandatory":true,"show_subtotal_detail":false}'
)
_LINES = (
    b'"order_lines":[{"reference":"TR-01","name":"Tr\\u00f6ja","quantity":2,"unit_price":40000,'
    b'"tax_rate":2500,"total_amount":80000,"total_tax_amount":16000,"total_discount_amount":0,'
    b'"type":"physical"},{"type":"shipping_fee","reference":"flat_rate:3","name":"PostNord",'
    b'"quantity":1,"unit_price":6125,"tax_rate":2500,"total_amount":6125,'
    b'"total_tax_amount":1225}]'
)
KCO_CREATE = (
    b'{"purchase_country":"SE","locale":"sv-SE",'
    + _URLS
    + b","
    + _COUNTRIES
    + b","
    + _MERCHANT_DATA
    + b","
    + _OPTIONS
    + b',"customer":{"type":"person"},"purchase_currency":"SEK","order_amount":86125,'
    + _LINES
    + b',"order_tax_amount":17225}'
)
# The customer raised the quantity to 3: 1261.25 SEK, VAT 252.25.
_LINES_3 = _LINES.replace(
    b'"quantity":2,"unit_price":40000,"tax_rate":2500,"total_amount":80000,'
    b'"total_tax_amount":16000',
    b'"quantity":3,"unit_price":40000,"tax_rate":2500,"total_amount":120000,'
    b'"total_tax_amount":24000',
)
KCO_UPDATE = (
    b'{"purchase_country":"SE","purchase_currency":"SEK","locale":"sv-SE",'
    + _URLS
    + b',"order_amount":126125,'
    + _LINES_3
    + b',"order_tax_amount":25225,'
    + _COUNTRIES
    + b","
    + _MERCHANT_DATA
    + b","
    + _OPTIONS
    + b"}"
)
# The same cart, but the shop's total left behind a coupon it applied to the lines.
KCO_UPDATE_MISMATCH = KCO_UPDATE.replace(b'"order_amount":126125', b'"order_amount":116125')


def kco_update_confirmation(read_back: dict[str, object], wc_order_id: int) -> bytes:
    """The update the plugin sends while processing the WooCommerce order, inside the
    validation callback: the checkout order as it read it back (purchase country in the case
    Klarna echoes), the confirmation URL on the order-received page, the references."""
    import json

    def php(value: object) -> str:
        """``wp_json_encode``: slashes escaped, non-ASCII as ``\\uXXXX``."""
        return json.dumps(value, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/")

    urls = dict(read_back["merchant_urls"])  # type: ignore[call-overload]
    urls["confirmation"] = (
        f"https://shop.example/kassa/order-received/{wc_order_id}/?key=wc_order_Xq2fTtA9&"
        f"kco_confirm=yes&kco_order_id={{checkout.order.id}}&order_id={wc_order_id}"
    )
    keys = (
        "purchase_country",
        "purchase_currency",
        "locale",
        "merchant_urls",
        "order_amount",
        "order_lines",
        "order_tax_amount",
        "billing_countries",
        "shipping_countries",
        "merchant_data",
        "options",
    )
    parts = [f'"{k}":{php(urls if k == "merchant_urls" else read_back[k])}' for k in keys]
    parts.append(f'"merchant_reference1":{php(str(wc_order_id))}')
    parts.append(f'"merchant_reference2":{wc_order_id}')
    return ("{" + ",".join(parts) + "}").encode()


SDK_CREATE = (
    b'{"purchase_country":"gb","purchase_currency":"gbp","locale":"en-gb","order_amount":10000,'
    b'"order_tax_amount":2000,"order_lines":[{"type":"physical","reference":"123050",'
    b'"name":"Tomatoes","quantity":10,"quantity_unit":"kg","unit_price":600,"tax_rate":2500,'
    b'"total_amount":6000,"total_tax_amount":1200},{"type":"physical","reference":"543670",'
    b'"name":"Bananas","quantity":1,"quantity_unit":"bag","unit_price":5000,"tax_rate":2500,'
    b'"total_amount":4000,"total_discount_amount":1000,"total_tax_amount":800}],'
    b'"merchant_urls":{"terms":"https:\\/\\/www.example.com\\/terms.html",'
    b'"cancellation_terms":"https:\\/\\/www.example.com\\/terms\\/cancellation.html",'
    b'"checkout":"https:\\/\\/www.example.com\\/checkout.html",'
    b'"confirmation":"https:\\/\\/www.example.com\\/confirmation.html",'
    b'"push":"https:\\/\\/www.example.com\\/api\\/push",'
    b'"validation":"https:\\/\\/www.example.com\\/api\\/validation",'
    b'"shipping_option_update":"https:\\/\\/www.example.com\\/api\\/shipment",'
    b'"address_update":"https:\\/\\/www.example.com\\/api\\/address",'
    b'"notification":"https:\\/\\/www.example.com\\/api\\/pending",'
    b'"country_change":"https:\\/\\/www.example.com\\/api\\/country"}}'
)
SDK_UPDATE = (
    b'{"order_amount":11000,"order_tax_amount":2200,"order_lines":[{"type":"physical",'
    b'"reference":"123050","name":"Tomatoes","quantity":10,"quantity_unit":"kg","unit_price":600,'
    b'"tax_rate":2500,"total_amount":6000,"total_tax_amount":1200},{"type":"physical",'
    b'"reference":"543670","name":"Bananas","quantity":1,"quantity_unit":"bag","unit_price":5000,'
    b'"tax_rate":2500,"total_amount":4000,"total_discount_amount":1000,"total_tax_amount":800},'
    b'{"type":"shipping_fee","name":"Express delivery","quantity":1,"unit_price":1000,'
    b'"tax_rate":2500,"total_amount":1000,"total_tax_amount":200}]}'
)

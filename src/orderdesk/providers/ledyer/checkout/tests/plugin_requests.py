"""What ledyer/ledyer-checkout-for-woocommerce sends Ledyer, byte for byte, for one cart: two
hoodies (SEK 450.00 each, 25 % VAT) and flat-rate shipping (SEK 61.25 with VAT), a Swedish
customer, store 970245072.

Reproduced from the plugin at commit 20b4a099100b52afafb75daf2710c40497847319:
- ``classes/requests/helpers/class-ledyer-woocommerce-bridge.php`` (``get_cart_data``: the
  customer's ``country``/``currency`` merged first, then ``locale`` … ``totalOrderVatAmount``;
  ``get_updated_cart_data``; ``set_order_settings``: ``security`` first, then ``customer`` and
  ``urls`` with ``"confirmation": ""`` and ``"validate": null``);
- ``classes/requests/helpers/class-ledyer-cart.php`` (a product line's keys in the order
  ``reference, description, quantity, vat, totalAmount, totalVatAmount, type``; the shipping
  line's ``type`` first; ``quantity``, ``vat`` and ``totalVatAmount`` of a product and the
  three totals come from PHP's ``round()``, a float, which ``json_encode`` writes as ``2.0``);
- ``classes/requests/class-ledyer-request.php`` (``wp_json_encode``: ``/`` escaped as ``\\/``;
  a body only when ``data`` is non-empty, so acknowledge sends none; ``Authorization: Bearer``
  and ``Content-Type: application/json`` on every request, GET too);
- ``classes/requests/order/session/*.php`` and ``order/management/*.php`` (the paths: the
  session's **orderId** in ``/v1/sessions/{orderId}``);
- ``classes/class-ledyer-confirmation.php`` (``{"reference": "<WooCommerce order number>"}``).
"""

SHOP = "https://shop.example"
NOTIFICATION_URL = f"{SHOP}/wp-json/ledyer/v1/notifications"

CREATE_SESSION = (
    b'{"country":"SE","currency":"SEK","locale":"sv-SE","metadata":null,"orderLines":['
    b'{"reference":"woo-hoodie","description":"Hoodie","quantity":2.0,"vat":2500.0,'
    b'"totalAmount":90000,"totalVatAmount":18000.0,"type":"physical"},'
    b'{"type":"shippingFee","reference":"flat_rate:1","description":"Flat rate","quantity":1,'
    b'"vat":2500,"totalAmount":6125,"totalVatAmount":1225}],"reference":null,'
    b'"settings":{"security":{"level":100,"requireClientValidation":true},'
    b'"customer":{"showNameFields":false,"allowShippingAddress":false,'
    b'"showShippingAddressContact":false},'
    b'"urls":{"notification":"https:\\/\\/shop.example\\/wp-json\\/ledyer\\/v1\\/notifications",'
    b'"terms":"https:\\/\\/shop.example\\/terms\\/","privacy":"https:\\/\\/shop.example\\/privacy\\/",'
    b'"confirmation":"","validate":null}},"storeId":"970245072",'
    b'"totalOrderAmount":96125.0,"totalOrderAmountExclVat":76900.0,"totalOrderVatAmount":19225.0}'
)
"""``lco_create_or_update_order`` → ``Woocommerce_Bridge::get_cart_data`` →
``POST /v1/sessions``."""

UPDATE_SESSION = (
    b'{"country":"SE","currency":"SEK","locale":"sv-SE","orderLines":['
    b'{"reference":"woo-hoodie","description":"Hoodie","quantity":3.0,"vat":2500.0,'
    b'"totalAmount":135000,"totalVatAmount":27000.0,"type":"physical"},'
    b'{"type":"shippingFee","reference":"flat_rate:1","description":"Flat rate","quantity":1,'
    b'"vat":2500,"totalAmount":6125,"totalVatAmount":1225}],'
    b'"settings":{"security":{"level":100,"requireClientValidation":true}},'
    b'"totalOrderAmount":141125.0,"totalOrderAmountExclVat":112900.0,"totalOrderVatAmount":28225.0}'
)
"""The cart with a third hoodie: ``get_updated_cart_data`` → ``POST /v1/sessions/{orderId}``
(``country``/``currency`` first, settings without ``customer``/``urls``)."""

SET_REFERENCE = b'{"reference":"1042"}'
"""The confirmation page: ``update_order_reference`` with the WooCommerce order number."""

HEADERS = {"Content-Type": "application/json"}
"""Sent with every request (with ``Authorization: Bearer …``), a GET and acknowledge's empty
POST too."""

NOTIFICATION_FIELDS = ("eventType", "orderId")
"""What ``classes/class-ledyer-callback.php::handle_notification`` reads of a notification
(400 when either is missing); it answers 200 and schedules a payment-status read."""

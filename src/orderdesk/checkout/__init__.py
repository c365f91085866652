"""The hosted test checkout: each provider's loader script, served at the root path its
plugins load, and orderdesk's iframe page that the loader mounts.

Pages layer (beside ``backoffice/``). Routes (``routes.py``, none in the OpenAPI document):

- ``GET <loader path>`` — each provider's loader (``CheckoutDialect.loaders``), as is;
- ``GET /orderdesk-checkout/{token}`` — the iframe page for the session whose public token
  is ``token``: the cart, a customer and address editor, the personas;
- ``GET /orderdesk-checkout/{token}/session`` — the session as the page shows it (JSON);
- ``PUT /orderdesk-checkout/{token}/customer`` — the customer the editor sent (JSON);
- ``POST /orderdesk-checkout/{token}/lock`` and ``/unlock`` — the signing step's lock;
- ``POST /orderdesk-checkout/{token}/pay`` — ``{"persona": …}``: the merchant's validation
  hook, then the session completed (``service/checkout.py::pay``);
- ``GET /orderdesk-checkout/static/…`` — the page's script and stylesheet (its
  Content-Security-Policy allows no inline script or style; any site may frame it).

The loader finds the iframe's origin from its own ``<script src>``, mounts
``<iframe src="{origin}/orderdesk-checkout/{token}">`` in the shop's container, and talks to
it with ``window.postMessage``. Every message, either way, is an object
``{"orderdesk": "checkout", "type": …, "token": …, …}``; ignore any other message, and check
``event.origin`` against the iframe's origin (the page posts to its parent with target origin
``*``: nothing in a message is secret from the page that framed it).

From the iframe to the loader (each also carries ``event``: the provider's event name for it
from ``CheckoutDialect.events``, or null):

- ``ready`` ``{height, session}`` — the page has loaded the session (its JSON view);
- ``resize`` ``{height}`` — the page's content height in CSS pixels;
- ``customerUpdated`` ``{customer}`` — the customer (names, e-mail, phone, billing) changed;
- ``shippingUpdated`` ``{address, country}`` — the shipping address (or its country) changed;
- ``locked`` / ``unlocked`` — the session was locked for the signing step, then opened;
- ``resumed`` ``{session}`` — after the loader's ``resume``: the session as reloaded;
- ``beforePayment`` ``{id, persona}`` — the customer chose to pay: run the merchant's hooks
  (``onBeforePayment`` promise, client validation …) and answer with ``beforePaymentResult``;
  the page waits for that answer (a page not framed skips this step);
- ``validationFailed`` ``{message, redirectUrl}`` — the merchant's hook, or the server's
  validation call, refused: the session stays open;
- ``completed`` ``{status, orderId, redirectUrl}`` — the session ended: ``status`` is
  ``completed``, ``onHold``, ``declined`` or ``abandoned``; the loader dispatches the
  provider's events and, when ``redirectUrl`` is not null, sends the top window there
  (the scenario's lost redirect sends null).

From the loader to the iframe:

- ``suspend`` — the shop is changing the cart: the page disables its controls;
- ``resume`` — the shop is done: the page reloads the session (cart, totals) and enables;
- ``beforePaymentResult`` ``{id, ok, message}`` — the answer to ``beforePayment``; ``ok``
  false stops the payment and the page shows ``message``.
"""

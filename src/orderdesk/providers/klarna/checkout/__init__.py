"""Klarna Checkout v3 (``/checkout/v3/orders``): the checkout order API (``routes.py``,
``wire.py``, ``views.py``), its ``html_snippet`` (``snippet.py``) and loader
(``checkout.bootstrap.js``), the push, notification and validation calls (``callbacks.py``)
and what the core asks of it (``dialect.py``)."""

"""Ledyer's order management (``/v1/orders/…``): everything that is Ledyer's.

The provider object the registry lists is ``provider.PROVIDER``.
"""

NAME = "ledyer"
TITLE = "Ledyer"

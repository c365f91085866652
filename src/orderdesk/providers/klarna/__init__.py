"""Klarna's Order Management API v1 (``/ordermanagement/v1/orders/…``): everything that is
Klarna's.

The provider object the registry lists is ``provider.PROVIDER``.
"""

NAME = "klarna"
TITLE = "Klarna"

"""Walley Checkout's order management (``/manage/orders/…``): everything that is Walley's.

The provider object the registry lists is ``provider.PROVIDER``.
"""

NAME = "walley"
TITLE = "Walley"

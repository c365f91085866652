"""Walley Checkout's session API (``/checkouts…``), its loader script and its callbacks to
the shop: the part of a purchase before order management."""

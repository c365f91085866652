"""Ledyer Checkout: the order sessions a shop's server makes (``/v1/sessions``), the loader
``/bootstrap.js`` the shop's page embeds, and the notification a completed session sends."""

"""The sandbox's credit check around a Ledyer edit that raises the order: the store's
settings (the same as Walley's reauthorize) approve or decline it, after their delay.

Ledyer answers an edit with the order, so the check is decided before the answer: the
request waits the delay (once, before the order is locked: a second attempt under the lock
does not wait again; a replay of the key's reply does not wait at all).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import asyncpg

from orderdesk.providers.ledyer.rules import EditOrder
from orderdesk.store import settings as store_settings
from orderdesk.store.orders import Loaded


class EditCreditCheck:
    """The ``prepare`` step of an edit (``unit_of_work.change``): :attr:`approved` is the
    store's answer for a raise."""

    def __init__(self, request: EditOrder) -> None:
        self.request = request
        self.approved = True
        self.waited = False

    async def prepare(self, conn: asyncpg.Connection, loaded: Loaded, now: datetime) -> None:
        if not self.request.raises(loaded.order):
            return
        settings = await store_settings.get(conn, loaded.order.store_id)
        self.approved = settings.credit_check == "approve"
        if not self.waited and settings.credit_check_seconds > 0:
            self.waited = True
            await asyncio.sleep(settings.credit_check_seconds)

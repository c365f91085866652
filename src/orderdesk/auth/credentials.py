"""Making API credentials: for all of a merchant's stores (the default) or a chosen few."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from orderdesk.auth.secrets import hash_secret, new_client_id, new_secret
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.store import merchants
from orderdesk.store.merchants import Credential


@dataclass(frozen=True, slots=True)
class NewCredential:
    """A credential just made: the only time its secret is known."""

    client_id: str
    client_secret: str
    merchant_id: str
    store_ids: tuple[str, ...]
    all_stores: bool


async def create_credential(
    conn: asyncpg.Connection,
    merchant_id: str,
    store_ids: list[str] | None,
    *,
    client_id: str | None = None,
    secret: str | None = None,
) -> NewCredential:
    """A credential acting on ``store_ids``, or (None) on all the merchant's stores, later
    ones included. ``client_id`` and ``secret`` may be chosen (scenario files); default random.
    """
    if not await merchants.merchant_exists(conn, merchant_id):
        raise DomainError(
            "MERCHANT_NOT_FOUND", f"Merchant {merchant_id} was not found", Kind.NOT_FOUND
        )
    own = await merchants.merchant_store_ids(conn, merchant_id)
    if store_ids is not None:
        foreign = sorted(set(store_ids) - set(own))
        if foreign:
            raise DomainError(
                "STORE_NOT_OF_MERCHANT",
                f"Stores {', '.join(foreign)} do not belong to merchant {merchant_id}",
                field="storeIds",
            )
    secret = secret or new_secret()
    chosen = tuple(sorted(set(own if store_ids is None else store_ids)))
    credential = Credential(
        client_id or new_client_id("od"),
        merchant_id,
        hash_secret(secret),
        chosen,
        all_stores=store_ids is None,
    )
    await merchants.insert_credential(conn, credential)
    return NewCredential(
        credential.client_id, secret, merchant_id, chosen, all_stores=store_ids is None
    )

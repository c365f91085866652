"""Walley's checkout API as its clients call it: the bodies of ``fixtures/`` (the WooCommerce
plugin's ``kro_*``, the PHP SDK's ``sdk_*``; see ``test_checkout_wire.py`` for their sources)
sent as they are, the session paid, its order captured through ``/manage``; and Walley's
refusals: 400, 403, 404, 423 while locked, 900 after the purchase."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from orderdesk.domain.checkout import Persona
from orderdesk.providers.walley.checkout.tests.client import (
    PRIVATE_ID,
    fixture,
    initialized,
    ok,
    refused,
    send,
)
from orderdesk.service import checkout
from tests.support.sandbox import Merchant


async def test_the_plugin_initializes_updates_pays_and_sets_the_reference(
    app: FastAPI, merchant: Merchant
) -> None:
    created = await initialized(merchant)
    private_id = created["privateId"]
    assert created["publicToken"].startswith("public-SE-")
    info = ok(await send(merchant, "kro_get.http", private_id))
    assert (info["status"], info["countryCode"], info["reference"]) == ("Initialized", "SE", None)
    assert info["cart"]["totalAmount"] == 285 and info["fees"] is None
    assert (info["purchase"], info["order"]) == (None, None)

    assert ok(await send(merchant, "kro_update.http", private_id)) is None  # trailing slash
    info = ok(await send(merchant, "kro_get.http", private_id))
    assert [x["id"] for x in info["cart"]["items"]] == ["10001", "10002", "10003"]
    assert info["fees"] == {
        "shipping": {
            "id": "shipping|flat_rate:1",
            "description": "Flat rate",
            "unitPrice": 49.0,
            "quantity": 1,
            "vat": 25.0,
        }
    }
    ok(await send(merchant, "kro_update_metadata.http", private_id))
    assert ok(await send(merchant, "kro_get.http", private_id))["metadata"] == {
        "wc_order_key": "wc_order_Xq3b"
    }

    done = await checkout.complete(app.state.uow, private_id, Persona.APPROVE)
    assert done.order is not None
    info = ok(await send(merchant, "kro_get.http", private_id))
    assert info["status"] == "PurchaseCompleted"
    assert info["purchase"]["result"] == "Preliminary"
    assert info["purchase"]["purchaseIdentifier"] == done.order.order_reference
    assert info["order"]["orderId"] == done.order.id
    assert info["order"]["totalAmount"] == 433  # 95 + 190 + 99 + 49 shipping
    assert info["reference"] is None

    refused(await send(merchant, "kro_update.http", private_id), 900, "Purchase_Completed")
    refused(await send(merchant, "kro_update_cart.http", private_id), 900, "Purchase_Completed")
    ok(await send(merchant, "kro_reference.http", private_id))
    assert ok(await send(merchant, "kro_get.http", private_id))["reference"] == "1042"
    refused(
        await send(merchant, "kro_reference.http", private_id), 900, "Reference_Already_Updated"
    )

    auth = await merchant.walley_headers()
    order = (await merchant.client.get(f"/manage/orders/{done.order.id}", headers=auth)).json()
    assert (order["data"]["reference"], order["data"]["totalAmount"]) == ("1042", 433)
    captured = await merchant.client.post(
        f"/manage/orders/{done.order.id}/capture", json={"amount": 433}, headers=auth
    )
    assert captured.status_code == 202, captured.text
    order = (await merchant.client.get(f"/manage/orders/{done.order.id}", headers=auth)).json()
    assert order["data"]["status"] == "Activated"


async def test_the_sdk_initializes_with_a_fee_updates_and_reads_the_session(
    merchant: Merchant,
) -> None:
    created = await initialized(merchant, "sdk_initialize.http")
    private_id = created["privateId"]
    ok(await send(merchant, "sdk_update_cart.http", private_id))
    ok(await send(merchant, "sdk_update_fees.http", private_id))
    ok(await send(merchant, "sdk_reference.http", private_id))
    info = ok(await send(merchant, "sdk_get.http", private_id))
    assert [(x["id"], x["quantity"]) for x in info["cart"]["items"]] == [("10001", 2)]
    assert info["fees"]["shipping"]["unitPrice"] == 59
    assert (info["reference"], info["status"]) == ("000000042", "Initialized")


async def test_updates_are_refused_while_the_customer_pays(
    app: FastAPI, merchant: Merchant
) -> None:
    private_id = (await initialized(merchant))["privateId"]
    await checkout.lock(app.state.pool, private_id)
    refused(await send(merchant, "kro_update.http", private_id), 423, "Resource_Locked")
    assert ok(await send(merchant, "kro_get.http", private_id))["status"] == "CommittedToPurchase"
    await checkout.unlock(app.state.pool, private_id)
    ok(await send(merchant, "kro_update.http", private_id))


async def test_a_declined_or_abandoned_checkout_is_aborted(
    app: FastAPI, merchant: Merchant
) -> None:
    for persona in (Persona.DECLINE, Persona.ABANDON):
        private_id = (await initialized(merchant))["privateId"]
        done = await checkout.complete(app.state.uow, private_id, persona)
        assert done.order is None
        info = ok(await send(merchant, "kro_get.http", private_id))
        assert (info["status"], info["order"]) == ("Aborted", None)
        refused(await send(merchant, "kro_update.http", private_id), 900, "Checkout_Aborted")


async def test_unknown_foreign_and_malformed(merchant: Merchant, client: httpx.AsyncClient) -> None:
    from tests.support.sandbox import new_merchant

    refused(await send(merchant, "kro_get.http", PRIVATE_ID), 404, "Not_Found")
    other = await new_merchant(client)
    private_id = (await initialized(other))["privateId"]
    refused(await send(merchant, "kro_get.http", private_id), 404, "Not_Found")
    _, _, body = fixture("kro_initialize.http")
    store = other.stores["walley"].encode()
    foreign = body.replace(b'"storeId":"1158"', b'"storeId":"%s"' % store)
    refused(await send(merchant, "kro_initialize.http", body=foreign), 403, "Forbidden")
    private_id = (await initialized(merchant))["privateId"]
    refused(
        await send(merchant, "kro_update.http", private_id, body=b'{"cart": []}'),
        400,
        "Validation_Error",
    )
    unauthorised = await merchant.client.get(f"/checkouts/{private_id}")
    assert unauthorised.status_code == 401 and unauthorised.json()["error"]["code"] == 401


@pytest.mark.parametrize("name", ["kro_update_fees.http", "kro_update_cart.http"])
async def test_the_plugins_partial_updates(merchant: Merchant, name: str) -> None:
    private_id = (await initialized(merchant))["privateId"]
    assert ok(await send(merchant, name, private_id)) is None


async def test_a_total_mismatch_the_update_refused_while_locked_is_not_paid(
    app: FastAPI, merchant: Merchant
) -> None:
    """The shop's cart grew while the customer paid: the update is refused (423), the order is
    the cart the customer saw, and the shop finds the mismatch in ``order.totalAmount``."""
    private_id = (await initialized(merchant))["privateId"]
    await checkout.lock(app.state.pool, private_id)
    refused(await send(merchant, "kro_update.http", private_id), 423, "Resource_Locked")
    done = await checkout.complete(app.state.uow, private_id, Persona.APPROVE)
    assert done.order is not None and done.order.authorized == 28500
    info = ok(await send(merchant, "kro_get.http", private_id))
    assert info["order"]["totalAmount"] == 285  # the shop's cart is 433 now
    assert [x["id"] for x in info["order"]["items"]] == ["10001", "10002"]

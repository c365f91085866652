"""The OpenAPI document says what the server answers: every status an operation answers is
documented with the body it really has, and a request the document allows is not refused as
malformed. (The Schemathesis e2e test fuzzes every operation; these are the cases it found.)"""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from fastapi import FastAPI

from orderdesk.invoices.links import signed_url
from tests.support.sandbox import ADMIN, SHOES, Merchant

INVOICE = "/invoices/{orderId}/{ledgerId}.pdf"


def operation(app: FastAPI, path: str, method: str) -> dict[str, Any]:
    found: dict[str, Any] = app.openapi()["paths"][path][method]
    return found


def assert_documented(app: FastAPI, path: str, response: httpx.Response) -> None:
    """``response``'s status is documented for its operation, and its body is as documented."""
    method = response.request.method.lower()
    documented = operation(app, path, method)["responses"]
    assert str(response.status_code) in documented, (response.status_code, sorted(documented))
    api = schemathesis.openapi.from_dict(app.openapi())
    api[path][method.upper()].validate_response(response)


async def test_each_answer_of_the_walley_token_endpoint_is_documented(
    app: FastAPI, merchant: Merchant
) -> None:
    path = "/oauth2/v2.0/token"
    grant = {"grant_type": "client_credentials"}
    answers = {
        400: {},  # the empty form: the document no longer allows it
        401: {**grant, "client_id": merchant.client_id, "client_secret": "wrong"},
        200: {**grant, "client_id": merchant.client_id, "client_secret": merchant.client_secret},
    }
    for status, form in answers.items():
        r = await merchant.client.post(path, data=form)
        assert r.status_code == status, r.text
        assert_documented(app, path, r)
    form = operation(app, path, "post")["requestBody"]["content"]
    required = form["application/x-www-form-urlencoded"]["schema"]["required"]
    assert sorted(required) == ["client_id", "client_secret", "grant_type"]


async def test_each_answer_of_the_ledyer_token_endpoint_is_documented(
    app: FastAPI, merchant: Merchant
) -> None:
    path = "/oauth/token"
    grant = {"grant_type": "client_credentials"}
    auth = (merchant.client_id, merchant.client_secret)
    for status, form, credentials in [(400, {}, auth), (401, grant, None), (200, grant, auth)]:
        r = await merchant.client.post(path, data=form, auth=credentials)
        assert r.status_code == status, r.text
        assert_documented(app, path, r)
    form = operation(app, path, "post")["requestBody"]["content"]
    assert form["application/x-www-form-urlencoded"]["schema"]["required"] == ["grant_type"]


async def test_each_refusal_of_an_invoice_link_is_documented(
    app: FastAPI, merchant: Merchant
) -> None:
    order = await merchant.order("walley", [SHOES])
    key: bytes = app.state.link_key
    unknown = signed_url(key, "", order["orderId"], "no-such-capture")
    base = f"/invoices/{order['orderId']}/no-such-capture.pdf"
    answers = {
        400: f"{base}?Expires=soon&Signature=x",
        403: f"{base}?Expires=9999999999&Signature=x",
        404: unknown,
        410: f"{base}?Expires=1000&Signature=x",
    }
    for status, url in answers.items():
        r = await merchant.client.get(url)
        assert r.status_code == status, r.text
        assert_documented(app, INVOICE, r)
    assert "422" not in operation(app, INVOICE, "get")["responses"]  # never answered


async def test_a_credential_needs_no_body_and_the_document_says_so(
    app: FastAPI, merchant: Merchant
) -> None:
    path = "/sandbox/merchants/{merchantId}/credentials"
    r = await merchant.client.post(
        f"/sandbox/merchants/{merchant.merchant_id}/credentials", headers=ADMIN
    )
    assert r.status_code == 201, r.text
    assert r.json()["allStores"] is True
    assert_documented(app, path, r)
    assert operation(app, path, "post")["requestBody"]["required"] is False


async def test_store_settings_refuse_a_boolean_where_the_document_says_number(
    merchant: Merchant,
) -> None:
    store = merchant.stores["walley"]
    for wrong in (False, True, "1"):
        r = await merchant.client.put(
            f"/sandbox/stores/{store}/settings", json={"readLagSeconds": wrong}, headers=ADMIN
        )
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "INVALID_REQUEST"


def test_the_document_links_what_the_sandbox_creates_to_what_acts_on_it(app: FastAPI) -> None:
    def links(path: str, method: str = "post", status: str = "201") -> dict[str, Any]:
        found: dict[str, Any] = operation(app, path, method)["responses"][status]["links"]
        return {link["operationId"]: link for link in found.values()}

    paths = app.openapi()["paths"]
    to_capture = {
        paths[path]["post"]["operationId"]
        for path in ("/manage/orders/{orderId}/capture", "/v1/orders/{orderId}/partialcapture")
    }
    from_order = links("/sandbox/orders")
    assert to_capture <= from_order.keys()
    for link in from_order.values():
        assert link["parameters"] == {"orderId": "$response.body#/orderId"}
    from_store = links("/sandbox/merchants/{merchantId}/stores")
    create_order = paths["/sandbox/orders"]["post"]["operationId"]
    assert from_store[create_order]["requestBody"] == {"storeId": "$response.body#/storeId"}
    refunds = links("/v1/orders/{orderId}/partialcapture", status="200")
    refund = paths["/v1/orders/{orderId}/partialrefund/{ledgerId}"]["post"]["operationId"]
    assert refunds[refund]["parameters"] == {
        "orderId": "$request.path.orderId",
        "ledgerId": "$response.body#/captured/0/ledgerId",
    }

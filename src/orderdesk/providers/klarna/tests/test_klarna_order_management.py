"""Every operation of Klarna's Order Management v1 and its refusals, over the real app and
database: statuses, ``204`` / ``201`` answers, ``Capture-Id`` and ``Location``, the order
object, and nothing changed by a refused request."""

from __future__ import annotations

import pytest

from orderdesk.providers.klarna.tests.klarna_api import (
    BASE,
    BIKE,
    LAMP,
    Klarna,
    error,
    sandbox_line,
)
from tests.support.sandbox import ADMIN, Merchant

TOTAL = BIKE["total_amount"] + LAMP["total_amount"]


@pytest.fixture
async def api(merchant: Merchant) -> Klarna:
    return await Klarna.of(merchant)


async def test_get_order_as_klarna_has_it(api: Klarna) -> None:
    order_id = await api.new_order(merchantReference="1234")
    order = await api.order(order_id)
    assert order["order_id"] == order_id
    assert (order["status"], order["fraud_status"]) == ("AUTHORIZED", "ACCEPTED")
    assert order["order_amount"] == order["original_order_amount"] == TOTAL
    assert order["remaining_authorized_amount"] == TOTAL
    assert (order["captured_amount"], order["refunded_amount"]) == (0, 0)
    assert (order["captures"], order["refunds"]) == ([], [])
    assert order["purchase_currency"] == "SEK"
    assert order["merchant_reference1"] == "1234"
    assert [
        {k: line[k] for k in ("reference", "quantity", "unit_price", "total_amount", "tax_rate")}
        for line in order["order_lines"]
    ] == [
        {k: line[k] for k in ("reference", "quantity", "unit_price", "total_amount", "tax_rate")}
        for line in (BIKE, LAMP)
    ]
    assert order["created_at"].endswith("Z") and order["expires_at"].endswith("Z")


async def test_capture_answers_201_with_its_id_and_path(api: Klarna) -> None:
    order_id = await api.new_order()
    r = await api.send(
        "POST",
        f"{BASE}/{order_id}/captures",
        {"captured_amount": BIKE["total_amount"], "order_lines": [BIKE], "reference": "1|2"},
    )
    assert r.status_code == 201, r.text
    assert r.content == b""
    capture_id = r.headers["capture-id"]
    assert capture_id == capture_id.lower() and capture_id.isalnum()
    assert r.headers["location"] == f"{BASE}/{order_id}/captures/{capture_id}"
    order = await api.order(order_id)
    assert (order["status"], order["captured_amount"]) == ("PART_CAPTURED", BIKE["total_amount"])
    assert order["remaining_authorized_amount"] == LAMP["total_amount"]
    [capture] = order["captures"]
    assert capture["capture_id"] == capture_id
    assert capture["captured_amount"] == BIKE["total_amount"]
    assert capture["reference"] == "1|2"
    assert [line["reference"] for line in capture["order_lines"]] == ["BIKE-1"]
    r = await api.send("GET", f"{BASE}/{order_id}/captures/{capture_id}")
    assert r.status_code == 200 and r.json() == capture
    r = await api.send("GET", f"{BASE}/{order_id}/captures")
    assert r.status_code == 200 and r.json() == [capture]
    # the rest, by amount: the order is captured
    r = await api.send(
        "POST", f"{BASE}/{order_id}/captures", {"captured_amount": LAMP["total_amount"]}
    )
    assert r.status_code == 201, r.text
    order = await api.order(order_id)
    assert (order["status"], order["remaining_authorized_amount"]) == ("CAPTURED", 0)


async def test_capture_refusals_change_nothing(api: Klarna) -> None:
    order_id = await api.new_order()
    before = await api.order(order_id)
    r = await api.send("POST", f"{BASE}/{order_id}/captures", {"captured_amount": TOTAL + 1})
    assert error(r) == (403, "CAPTURE_NOT_ALLOWED")
    r = await api.send("POST", f"{BASE}/{order_id}/captures", {"captured_amount": "100"})
    assert error(r) == (400, "BAD_VALUE")
    r = await api.send(
        "POST", f"{BASE}/{order_id}/captures", {"captured_amount": 1, "order_lines": [BIKE]}
    )
    assert error(r) == (400, "BAD_VALUE")
    r = await api.send("GET", f"{BASE}/{order_id}/captures/0123abcd")
    assert error(r) == (404, "NO_SUCH_CAPTURE")
    assert await api.order(order_id) == before
    r = await api.send("GET", f"{BASE}/00000000-0000-4000-8000-000000000000")
    assert error(r) == (404, "NO_SUCH_ORDER")


async def test_cancel_only_without_captures(api: Klarna) -> None:
    order_id = await api.new_order()
    r = await api.send("POST", f"{BASE}/{order_id}/cancel")
    assert (r.status_code, r.content) == (204, b"")
    assert "location" not in r.headers
    order = await api.order(order_id)
    assert (order["status"], order["remaining_authorized_amount"]) == ("CANCELLED", 0)
    r = await api.send("POST", f"{BASE}/{order_id}/captures", {"captured_amount": 100})
    assert error(r) == (403, "CAPTURE_NOT_ALLOWED")
    captured = await api.new_order()
    r = await api.send("POST", f"{BASE}/{captured}/captures", {"captured_amount": 100})
    assert r.status_code == 201
    r = await api.send("POST", f"{BASE}/{captured}/cancel")
    assert error(r) == (403, "CANCEL_NOT_ALLOWED")


async def test_refunds_up_to_what_was_captured(api: Klarna) -> None:
    order_id = await api.new_order()
    r = await api.send("POST", f"{BASE}/{order_id}/refunds", {"refunded_amount": 100})
    assert error(r) == (403, "REFUND_NOT_ALLOWED")
    await api.send(
        "POST",
        f"{BASE}/{order_id}/captures",
        {"captured_amount": TOTAL, "order_lines": [BIKE, LAMP]},
    )
    r = await api.send(
        "POST",
        f"{BASE}/{order_id}/refunds",
        {"refunded_amount": LAMP["total_amount"], "order_lines": [LAMP], "reference": "77|1"},
    )
    assert r.status_code == 201, r.text
    refund_id = r.headers["refund-id"]
    assert r.headers["location"] == f"{BASE}/{order_id}/refunds/{refund_id}"
    r = await api.send("GET", f"{BASE}/{order_id}/refunds/{refund_id}")
    assert r.status_code == 200
    refund = r.json()
    assert (refund["refund_id"], refund["refunded_amount"], refund["reference"]) == (
        refund_id,
        LAMP["total_amount"],
        "77|1",
    )
    order = await api.order(order_id)
    assert order["refunded_amount"] == LAMP["total_amount"]
    assert order["captures"][0]["refunded_amount"] == LAMP["total_amount"]
    assert order["refunds"] == [refund]
    r = await api.send(
        "POST", f"{BASE}/{order_id}/refunds", {"refunded_amount": BIKE["total_amount"] + 1}
    )
    assert error(r) == (403, "REFUND_NOT_ALLOWED")
    r = await api.send("GET", f"{BASE}/{order_id}/refunds/ffff")
    assert error(r) == (404, "NO_SUCH_REFUND")


async def test_release_the_rest_of_a_part_captured_order(api: Klarna) -> None:
    order_id = await api.new_order()
    r = await api.send("POST", f"{BASE}/{order_id}/release-remaining-authorization")
    assert error(r) == (403, "NOT_ALLOWED")  # nothing captured
    await api.send("POST", f"{BASE}/{order_id}/captures", {"captured_amount": 1000})
    r = await api.send("POST", f"{BASE}/{order_id}/release-remaining-authorization")
    assert (r.status_code, r.content) == (204, b"")
    order = await api.order(order_id)
    assert (order["status"], order["order_amount"], order["remaining_authorized_amount"]) == (
        "CAPTURED",
        1000,
        0,
    )


async def test_update_authorization_lowers_and_raises_by_credit_check(
    api: Klarna, merchant: Merchant
) -> None:
    order_id = await api.new_order()
    r = await api.send(
        "PATCH",
        f"{BASE}/{order_id}/authorization",
        {"order_amount": BIKE["total_amount"], "order_lines": [BIKE]},
    )
    assert (r.status_code, r.content) == (204, b"")
    order = await api.order(order_id)
    assert (order["order_amount"], order["original_order_amount"]) == (BIKE["total_amount"], TOTAL)
    assert [line["reference"] for line in order["order_lines"]] == ["BIKE-1"]
    r = await api.send("PATCH", f"{BASE}/{order_id}/authorization", {"order_amount": TOTAL + 5000})
    assert (r.status_code, r.content) == (204, b"")
    assert (await api.order(order_id))["order_amount"] == TOTAL + 5000
    r = await api.client.put(
        f"/sandbox/stores/{api.store}/settings", json={"creditCheck": "reject"}, headers=ADMIN
    )
    assert r.status_code == 200, r.text
    before = await api.order(order_id)
    r = await api.send("PATCH", f"{BASE}/{order_id}/authorization", {"order_amount": TOTAL + 9000})
    assert error(r) == (403, "NOT_ALLOWED")
    assert await api.order(order_id) == before


async def test_customer_details_references_and_shipping_info(api: Klarna) -> None:
    order_id = await api.new_order()
    r = await api.send(
        "PATCH",
        f"{BASE}/{order_id}/customer-details",
        {"billing_address": {"given_name": "Anna", "city": "Malmö"}},
    )
    assert (r.status_code, r.content) == (204, b"")
    r = await api.send(
        "PATCH",
        f"{BASE}/{order_id}/customer-details",
        {"billing_address": {"postal_code": "21145"}},
    )
    assert r.status_code == 204
    r = await api.send(
        "PATCH", f"{BASE}/{order_id}/merchant-references", {"merchant_reference2": "wc-99"}
    )
    assert r.status_code == 204
    r = await api.send(
        "POST",
        f"{BASE}/{order_id}/shipping-info",
        {"shipping_info": [{"shipping_company": "PostNord", "tracking_number": "123"}]},
    )
    assert r.status_code == 204
    order = await api.order(order_id)
    billing = order["billing_address"]
    assert (billing["given_name"], billing["city"], billing["postal_code"]) == (
        "Anna",
        "Malmö",
        "21145",
    )
    assert order["merchant_reference2"] == "wc-99"
    assert order["shipping_info"] == [{"shipping_company": "PostNord", "tracking_number": "123"}]


async def test_capture_shipping_info_send_out_and_due_date(api: Klarna) -> None:
    order_id = await api.new_order()
    r = await api.send(
        "POST",
        f"{BASE}/{order_id}/captures",
        {"captured_amount": TOTAL, "shipping_info": [{"tracking_number": "", "tracking_uri": ""}]},
    )
    capture_id = r.headers["capture-id"]
    capture_path = f"{BASE}/{order_id}/captures/{capture_id}"
    r = await api.send(
        "POST", f"{capture_path}/shipping-info", {"shipping_info": [{"tracking_number": "ABC"}]}
    )
    assert r.status_code == 204
    r = await api.send("POST", f"{capture_path}/trigger-send-out")
    assert r.status_code == 204
    r = await api.send("GET", f"{capture_path}/extend-due-date-options")
    assert r.status_code == 200
    options = r.json()
    assert options["currency"] == "SEK"
    assert [o["number_of_days"] for o in options["options"]] == [7, 14, 28]
    before = (await api.send("GET", capture_path)).json()
    assert before["shipping_info"] == [{"tracking_number": "ABC"}]
    r = await api.send("PATCH", f"{capture_path}/extend-due-date", {"number_of_days": 14})
    assert r.status_code == 204
    after = (await api.send("GET", capture_path)).json()
    assert after["due_date"] > before["due_date"]
    r = await api.send("PATCH", f"{capture_path}/extend-due-date", {"number_of_days": 7})
    assert error(r) == (403, "NOT_ALLOWED")


async def test_extend_authorization_time(api: Klarna) -> None:
    order_id = await api.new_order()
    before = (await api.order(order_id))["expires_at"]
    r = await api.send("POST", f"{BASE}/{order_id}/extend-authorization-time")
    assert (r.status_code, r.content) == (204, b"")
    assert (await api.order(order_id))["expires_at"] > before
    await api.send("POST", f"{BASE}/{order_id}/cancel")
    r = await api.send("POST", f"{BASE}/{order_id}/extend-authorization-time")
    assert error(r) == (403, "NOT_ALLOWED")


async def test_basic_auth_is_required(api: Klarna) -> None:
    order_id = await api.new_order()
    r = await api.client.get(f"{BASE}/{order_id}")
    assert error(r) == (401, "UNAUTHORIZED")
    r = await api.client.get(f"{BASE}/{order_id}", auth=(api.merchant.client_id, "wrong"))
    assert error(r) == (401, "UNAUTHORIZED")
    r = await api.client.get(
        f"{BASE}/{order_id}", auth=(api.merchant.client_id, api.merchant.client_secret)
    )
    assert r.status_code == 200


async def test_a_key_replays_the_first_answer_whatever_the_body(api: Klarna) -> None:
    order_id = await api.new_order()
    key = {"klarna-idempotency-key": "k-1"}
    first = await api.send("POST", f"{BASE}/{order_id}/captures", {"captured_amount": 1000}, key)
    again = await api.send("POST", f"{BASE}/{order_id}/captures", {"captured_amount": 2000}, key)
    assert first.status_code == again.status_code == 201
    assert first.headers["capture-id"] == again.headers["capture-id"]
    assert (await api.order(order_id))["captured_amount"] == 1000


async def test_the_doubled_slash_of_older_plugins_routes(api: Klarna) -> None:
    order_id = await api.new_order()
    origin = str(api.client.base_url).rstrip("/")  # a bare //path would name a host
    r = await api.send("GET", f"{origin}/{BASE}/{order_id}")
    assert r.request.url.raw_path.startswith(b"//ordermanagement/")
    assert r.status_code == 200 and r.json()["order_id"] == order_id


async def test_another_providers_order_is_no_klarna_order(api: Klarna, merchant: Merchant) -> None:
    walley = await merchant.order("walley", [sandbox_line(BIKE)])
    r = await api.send("GET", f"{BASE}/{walley['orderId']}")
    assert error(r) == (404, "NO_SUCH_ORDER")


async def test_guessing_secrets_is_limited_in_klarnas_envelope(api: Klarna) -> None:
    order_id = await api.new_order()
    wrong = (api.merchant.client_id, "guess")
    for _ in range(10):
        r = await api.client.get(f"{BASE}/{order_id}", auth=wrong)
        assert error(r) == (401, "UNAUTHORIZED")
    r = await api.client.get(f"{BASE}/{order_id}", auth=wrong)
    assert error(r) == (429, "TOO_MANY_REQUESTS")
    assert int(r.headers["retry-after"]) > 0

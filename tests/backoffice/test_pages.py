"""The back-office over HTTP (in process): sign-in, CSRF, nothing reachable without a
session, search, actions through the use cases, refusals in plain words, the journal."""

from __future__ import annotations

import asyncio
import importlib.metadata
import re
import uuid
from typing import Any

import httpx
import pytest

from tests.support.receiver import Receiver
from tests.support.sandbox import ADMIN, ADMIN_TOKEN, SHOES, TSHIRTS, Merchant

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def signed_in(client: httpx.AsyncClient) -> str:
    """Sign ``client`` in; returns the session's CSRF token."""
    page = await client.get("/admin/signin")
    assert page.status_code == 200
    token = CSRF.search(page.text)
    assert token is not None
    r = await client.post("/admin/signin", data={"csrf": token.group(1), "token": ADMIN_TOKEN})
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/admin/"
    cookie = r.headers["set-cookie"]
    assert "orderdesk_admin=" in cookie and "HttpOnly" in cookie and "Path=/admin" in cookie
    home = await client.get("/admin/")
    assert home.status_code == 200
    found = CSRF.search(home.text)
    assert found is not None
    return found.group(1)


async def test_every_page_names_the_version_in_its_footer(client: httpx.AsyncClient) -> None:
    version = importlib.metadata.version("orderdesk")
    footer = f'<footer class="muted">orderdesk {version}</footer>'
    assert footer in (await client.get("/admin/signin")).text
    await signed_in(client)
    for path in ("/admin/", "/admin/orders", "/admin/no/such/page"):
        assert footer in (await client.get(path)).text, path


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/"),
        ("GET", "/admin/orders"),
        ("GET", "/admin/orders/anything"),
        ("GET", "/admin/sandbox"),
        ("GET", "/admin/no/such/page"),
        ("POST", "/admin/orders/anything/capture"),
        ("POST", "/admin/sandbox/merchants"),
        ("POST", "/admin/signout"),
    ],
)
async def test_nothing_without_signing_in(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    r = await client.request(method, path)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/admin/signin")


async def test_sign_in_needs_the_token_and_the_forms_token(client: httpx.AsyncClient) -> None:
    page = await client.get("/admin/signin")
    token = CSRF.search(page.text)
    assert token is not None
    wrong = await client.post("/admin/signin", data={"csrf": token.group(1), "token": "nope"})
    assert wrong.status_code == 401 and "not the admin token" in wrong.text
    forged = await client.post("/admin/signin", data={"csrf": "forged", "token": ADMIN_TOKEN})
    assert forged.status_code == 403
    assert "orderdesk_admin" not in forged.headers.get("set-cookie", "")
    client.cookies.set("orderdesk_admin", "a.99999999999.b", path="/admin")
    bad_cookie = await client.get("/admin/")
    client.cookies.clear()
    assert bad_cookie.status_code == 303


async def test_every_form_needs_the_csrf_token(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    await signed_in(client)
    order = await merchant.order("walley", [SHOES])
    r = await client.post(f"/admin/orders/{order['orderId']}/capture", data={"all": "1"})
    assert r.status_code == 403 and "security token" in r.text
    r = await client.post("/admin/sandbox/merchants", data={"name": "x", "csrf": "forged"})
    assert r.status_code == 403


async def test_find_capture_a_line_and_see_refusals(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    csrf = await signed_in(client)
    reference = f"shop-{uuid.uuid4().hex[:8]}"
    for dialect in ("walley", "ledyer"):
        order = await merchant.order(dialect, [SHOES, TSHIRTS], merchantReference=reference)
        order_id = order["orderId"]
        found = await client.get("/admin/orders", params={"q": reference, "dialect": dialect})
        assert found.status_code == 200 and f"/admin/orders/{order_id}" in found.text
        page = await client.get(f"/admin/orders/{order_id}")
        assert page.status_code == 200 and "Nothing captured yet" in page.text
        key = str(uuid.uuid4())
        form = {"csrf": csrf, "key": key, "line": order["lineIds"][0]}
        r = await client.post(f"/admin/orders/{order_id}/capture", data=form)
        assert r.status_code == 303, r.text
        page = await client.get(f"/admin/orders/{order_id}")
        assert "Captured SEK 95.00; invoice issued." in page.text  # the flash
        assert "(PDF)" in page.text and "/invoices/" in page.text
        assert "Part captured" in page.text
        # the same form again (a double click) is answered the same, and applied once
        again = await client.post(f"/admin/orders/{order_id}/capture", data=form)
        assert again.status_code == 303
        r = await client.post(
            f"/admin/orders/{order_id}/capture",
            data={"csrf": csrf, "all": "1", "key": str(uuid.uuid4())},
        )
        assert r.status_code == 303
        refused = await client.post(
            f"/admin/orders/{order_id}/cancel", data={"csrf": csrf, "key": str(uuid.uuid4())}
        )
        assert refused.status_code == 422
        assert "Refused." in refused.text
        assert "Nothing is left to cancel" in refused.text or "does not offer" in refused.text
        await asyncio.sleep(0.1)
        final = await client.get(f"/admin/orders/{order_id}")
        assert final.text.count("(PDF)") == 2  # the replay captured nothing more
        assert "(replay)" in final.text and "Refused (422)" in final.text
        assert re.search(r"<td>back-office</td><td>Part captured</td>", final.text)
        assert re.search(r"<td>sandbox</td><td>Order authorised</td>", final.text)


async def test_sandbox_pages_make_an_order(client: httpx.AsyncClient) -> None:
    csrf = await signed_in(client)
    r = await client.post("/admin/sandbox/merchants", data={"csrf": csrf, "name": "Form shop"})
    assert r.status_code == 303
    page = await client.get("/admin/sandbox")
    merchant_id = re.search(r"Form shop<br><span class=\"muted\">(ac_\w+)", page.text)
    assert merchant_id is not None
    store_id = f"s{uuid.uuid4().hex[:10]}"
    form = {"csrf": csrf, "merchant": merchant_id.group(1), "provider": "ledyer"}
    r = await client.post("/admin/sandbox/stores", data={**form, "store_id": store_id})
    assert r.status_code == 303
    made = await client.post(
        "/admin/sandbox/credentials", data={"csrf": csrf, "merchant": merchant_id.group(1)}
    )
    assert made.status_code == 200 and "shown only this once" in made.text
    secret = re.search(r"secret <code>([^<]+)</code>", made.text)
    assert secret is not None
    assert secret.group(1) not in (await client.get("/admin/sandbox")).text
    order = {
        "csrf": csrf,
        "store": store_id,
        "reference": "form-1",
        "description0": "Shoes",
        "quantity0": "2",
        "price0": "95.50",
        "vat0": "25",
    }
    r = await client.post("/admin/sandbox/orders", data=order)
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/orders/or_")
    page = await client.get(r.headers["location"])
    assert "SEK 191.00" in page.text
    bad = await client.post("/admin/sandbox/orders", data={**order, "price0": "1.234"})
    assert bad.status_code == 422 and "Refused." in bad.text


async def test_dashboard_draws_captured_money(client: httpx.AsyncClient) -> None:
    await signed_in(client)
    page = await client.get("/admin/")
    assert page.status_code == 200
    assert "Orders by status" in page.text
    if "Nothing captured" not in page.text:
        assert '<svg xmlns="http://www.w3.org/2000/svg"' in page.text and 'role="img"' in page.text


async def test_admin_without_a_slash_leads_to_sign_in(client: httpx.AsyncClient) -> None:
    r = await client.get("/admin", follow_redirects=True)
    assert r.status_code == 200 and str(r.url).startswith("http://testserver/admin/signin")
    assert "Admin token" in r.text


async def _action(
    client: httpx.AsyncClient, order_id: str, action: str, form: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"/admin/orders/{order_id}/{action}", data={"key": str(uuid.uuid4()), **form}
    )


async def test_walley_refund_of_chosen_lines_or_an_amount(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    csrf = await signed_in(client)
    order = await merchant.order("walley", [SHOES, TSHIRTS])
    order_id = order["orderId"]
    r = await _action(client, order_id, "capture", {"csrf": csrf, "all": "1"})
    assert r.status_code == 303
    page = await client.get(f"/admin/orders/{order_id}")
    assert "Refund captured lines" in page.text and "Refund an amount" in page.text
    # more than was captured: refused, in plain words
    refused = await _action(
        client, order_id, "refund", {"csrf": csrf, "by": "amount", "amount": "500"}
    )
    assert refused.status_code == 422
    assert "Refused." in refused.text and "more than is left to refund" in refused.text
    bad = await _action(client, order_id, "refund", {"csrf": csrf, "by": "amount", "amount": "x"})
    assert bad.status_code == 422 and "like 95.00" in bad.text
    form = {"csrf": csrf, "key": str(uuid.uuid4()), "line": order["lineIds"][0]}
    r = await client.post(f"/admin/orders/{order_id}/refund", data=form)
    assert r.status_code == 303, r.text
    again = await client.post(f"/admin/orders/{order_id}/refund", data=form)  # a double click
    assert again.status_code == 303
    page = await client.get(f"/admin/orders/{order_id}")
    assert "Refunded SEK 95.00; credit note issued." in page.text
    assert page.text.count("Credit note ") == 1  # applied once
    assert "Refunds and credit notes" in page.text and "credits the order" in page.text
    link = re.search(r'href="([^"]+)" type="application/pdf">Credit note', page.text)
    assert link is not None
    pdf = await client.get(link.group(1).replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    r = await _action(client, order_id, "refund", {"csrf": csrf, "by": "amount", "amount": "10"})
    assert r.status_code == 303
    page = await client.get(f"/admin/orders/{order_id}")
    assert re.search(r"Refunded<b>SEK 105.00</b>", page.text)
    assert "Part refunded" in page.text
    # the dashboard draws the refunded money beside the captured
    home = await client.get("/admin/")
    assert "refunded" in home.text and 'fill="#b5523b"' in home.text


async def test_ledyer_refund_of_a_capture_whole_or_chosen_lines(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    csrf = await signed_in(client)
    order = await merchant.order("ledyer", [SHOES, TSHIRTS])
    order_id = order["orderId"]
    first = order["lineIds"][0]
    r = await _action(client, order_id, "capture", {"csrf": csrf, "line": first})
    assert r.status_code == 303
    r = await _action(client, order_id, "capture", {"csrf": csrf, "all": "1"})
    assert r.status_code == 303
    page = await client.get(f"/admin/orders/{order_id}")
    chunks = re.findall(r'name="chunk" value="([^"]+)"', page.text)
    assert len(chunks) == 2
    r = await _action(client, order_id, "refund", {"csrf": csrf, "chunk": chunks[0], "all": "1"})
    assert r.status_code == 303, r.text
    page = await client.get(f"/admin/orders/{order_id}")
    assert "Refunded SEK 95.00; credit note issued." in page.text
    assert "credits invoice" in page.text and "SEK 95.00 of it refunded" in page.text
    assert re.findall(r'name="chunk" value="([^"]+)"', page.text) == [chunks[1]]
    # the refunded capture again: Ledyer offers no refund of it any more
    refused = await _action(
        client, order_id, "refund", {"csrf": csrf, "chunk": chunks[0], "all": "1"}
    )
    assert refused.status_code == 422 and "does not offer this action" in refused.text
    lines = re.findall(r'name="line" value="([^"]+)" id="refund-2-', page.text)
    r = await _action(client, order_id, "refund", {"csrf": csrf, "chunk": chunks[1], "line": lines})
    assert r.status_code == 303
    page = await client.get(f"/admin/orders/{order_id}")
    assert page.text.count(">Credit note ") == 2
    assert re.search(r"Refunded<b>SEK 285.00</b>", page.text)
    assert "fullyRefunded" in page.text
    none = await _action(client, order_id, "refund", {"csrf": csrf, "chunk": chunks[1]})
    assert none.status_code == 422 and "Choose at least one line" in none.text


async def test_notifications_and_their_attempts_and_resend(
    client: httpx.AsyncClient, merchant: Merchant
) -> None:
    csrf = await signed_in(client)
    receiver = Receiver(statuses=[500]).start()
    try:
        r = await client.put(
            f"/sandbox/stores/{merchant.stores['ledyer']}/notifications",
            json={"url": receiver.url, "events": ["com.ledyer.order.part_capture"]},
            headers=ADMIN,
        )
        assert r.status_code == 200, r.text
        order = await merchant.order("ledyer", [SHOES, TSHIRTS])
        order_id = order["orderId"]
        page = await client.get(f"/admin/orders/{order_id}")
        assert "No notifications for this order" in page.text
        form = {"csrf": csrf, "line": order["lineIds"][0]}
        assert (await _action(client, order_id, "capture", form)).status_code == 303
        deadline = asyncio.get_running_loop().time() + 15
        while True:  # the first attempt answered 500, the retry (at once) 200
            page = await client.get(f"/admin/orders/{order_id}")
            if "com.ledyer.order.part_capture: delivered" in page.text:
                break
            assert asyncio.get_running_loop().time() < deadline, page.text
            await asyncio.sleep(0.05)
        assert "answered 500" in page.text and "<td>2</td>" in page.text and " ms</td>" in page.text
        assert "Body sent" in page.text and order_id in page.text
        delivery = re.search(r"/deliveries/(\d+)/resend", page.text)
        assert delivery is not None
        r = await client.post(
            f"/admin/orders/{order_id}/deliveries/{delivery.group(1)}/resend", data={"csrf": csrf}
        )
        assert r.status_code == 303
        assert (await client.get(r.headers["location"])).text.count("will be sent again") == 1
        await receiver.wait_for(3)
        other = await merchant.order("ledyer", [SHOES])
        r = await client.post(
            f"/admin/orders/{other['orderId']}/deliveries/{delivery.group(1)}/resend",
            data={"csrf": csrf},
        )
        assert r.status_code == 404
    finally:
        receiver.stop()

"""The README's walkthrough, as ``orderdesk serve`` prints it, run against a server over HTTP:
in each dialect a token (Klarna: HTTP Basic), the demo order, a capture, the order again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class PrintedDemo:
    """What the printed walkthrough names: the credential, each provider's order, the line."""

    admin_token: str
    client_id: str
    client_secret: str
    walley_order: str
    ledyer_order: str
    ledyer_line: str
    klarna_order: str


def _one(pattern: str, output: str) -> str:
    found = re.search(pattern, output)
    assert found is not None, f"{pattern!r} not in the output:\n{output}"
    return found.group(1)


def printed_demo(output: str, base: str) -> PrintedDemo:
    """The demo data ``orderdesk serve`` printed, its commands naming ``base``."""
    demo = PrintedDemo(
        _one(r"admin token \(sandbox API\):\s+(\S+)", output),
        _one(r"client id:\s+(\S+)", output),
        _one(r"client secret:\s+(\S+)", output),
        _one(r"Walley order \(store 1001\):\s+(\S+)", output),
        _one(r"Ledyer order \(store 970245072\):\s+(\S+)", output),
        _one(r'"id": "(ol_\w+)", "reference": "1334227"', output),
        _one(r"Klarna order \(store klarna-demo-se\):\s+(\S+)", output),
    )
    assert f"curl -s {base}/manage/orders/{demo.walley_order} " in output
    assert f"curl -s {base}/v1/orders/{demo.ledyer_order} " in output
    assert f"curl -s {base}/ordermanagement/v1/orders/{demo.klarna_order} " in output
    return demo


def unsigned(value: Any) -> Any:
    """``value`` with each invoice link's query (``Expires``, ``Signature``) cut off: a link is
    signed for the second it is read, so two reads a second apart differ only there."""
    if isinstance(value, dict):
        return {
            key: item.partition("?")[0]
            if key == "documentUrl" and isinstance(item, str)
            else unsigned(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [unsigned(item) for item in value]
    return value


def run_walkthrough(base: str, demo: PrintedDemo) -> None:
    """Token, GET and the printed capture in each dialect, on fresh demo orders; each answer's
    status, the headers that matter, and the order as read after its capture."""
    basic = (demo.client_id, demo.client_secret)
    with httpx.Client(base_url=base, timeout=30) as client:
        r = client.post(
            "/oauth2/v2.0/token",
            data={
                "client_id": demo.client_id,
                "client_secret": demo.client_secret,
                "grant_type": "client_credentials",
                "scope": "orderdesk",
            },
        )
        assert r.status_code == 200, r.text
        walley = {"Authorization": f"Bearer {r.json()['access_token']}"}
        order = f"/manage/orders/{demo.walley_order}"
        r = client.get(order, headers=walley)
        assert r.status_code == 200, r.text
        assert (r.json()["data"]["status"], r.json()["data"]["totalAmount"]) == (
            "NotActivated",
            285.0,
        )
        shoes = {"id": "10001", "description": "Shoes", "unitPrice": 95, "quantity": 1}
        r = client.post(
            f"{order}/capture",
            json={"amount": 95.00, "items": [shoes]},
            headers={**walley, "X-Idempotency": "demo-walley-capture-1"},
        )
        assert (r.status_code, r.headers["location"], r.content) == (202, order, b"")
        assert client.get(order, headers=walley).json()["data"]["status"] == "PartActivated"

        r = client.post("/oauth/token?grant_type=client_credentials", auth=basic)
        assert r.status_code == 200, r.text
        ledyer = {"Authorization": f"Bearer {r.json()['access_token']}"}
        order = f"/v1/orders/{demo.ledyer_order}"
        r = client.get(order, headers=ledyer)
        assert (r.status_code, r.json()["status"]) == (200, ["uncaptured", "unacknowledged"])
        samsung = {
            "id": demo.ledyer_line,
            "reference": "1334227",
            "description": "SAMSUNG Galaxy S20 FE 4G 128GB",
            "type": "physical",
            "quantity": 1,
            "unitPrice": 489000,
            "unitDiscountAmount": 0,
            "totalAmount": 489000,
            "totalVatAmount": 97800,
            "vat": 2500,
        }
        r = client.post(
            f"{order}/partialcapture",
            json={"orderLines": [samsung], "totalCaptureAmount": 489000},
            headers={**ledyer, "Idempotency-Key": "demo-ledyer-capture-1"},
        )
        assert r.status_code == 200, r.text
        captured = r.json()
        assert captured["status"] == ["partiallyCaptured", "unacknowledged"]
        assert captured["capturedAmount"]["minorUnits"] == 489000
        assert captured["uncapturedAmount"]["minorUnits"] == 999000
        assert unsigned(client.get(order, headers=ledyer).json()) == unsigned(captured)

        order = f"/ordermanagement/v1/orders/{demo.klarna_order}"
        r = client.get(order, auth=basic)
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["remaining_authorized_amount"]) == (
            "AUTHORIZED",
            649800,
        )
        r = client.post(
            f"{order}/captures",
            json={"captured_amount": 649800, "description": "Bike and delivery"},
            auth=basic,
            headers={"Klarna-Idempotency-Key": "demo-klarna-capture-1"},
        )
        assert (r.status_code, r.content) == (201, b""), r.text
        assert r.headers["location"] == f"{order}/captures/{r.headers['capture-id']}"
        after = client.get(order, auth=basic).json()
        assert (after["status"], after["captured_amount"]) == ("CAPTURED", 649800)


def ledyer_status(base: str, demo: PrintedDemo) -> list[str]:
    """The Ledyer demo order's status, read with a new token."""
    with httpx.Client(base_url=base, timeout=30) as client:
        r = client.post(
            "/oauth/token?grant_type=client_credentials",
            auth=(demo.client_id, demo.client_secret),
        )
        token = r.json()["access_token"]
        r = client.get(
            f"/v1/orders/{demo.ledyer_order}", headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 200, r.text
        status: list[str] = r.json()["status"]
        return status

"""The peer: localstripe, a stateful Stripe stand-in in Python (aiohttp, state in memory).

Manual-capture PaymentIntents are created and confirmed beforehand; the measured request is
``POST /v1/payment_intents/{id}/capture`` with ``amount_to_capture`` — Stripe's partial capture.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson

from bench.http import Connection, Response, request_bytes
from bench.load import Job, http_cell
from bench.sandbox import FORM
from bench.servers import HOST, Server

AUTH = {"Authorization": "Bearer sk_test_orderdeskbench", **FORM}
AMOUNT = 28500  # the Walley seed order, in öre
CAPTURE = 9500


async def _post(connection: Connection, path: str, form: dict[str, Any]) -> Any:
    response = await connection.send(request_bytes("POST", path, urlencode(form).encode(), AUTH))
    if response.status != 200:
        raise RuntimeError(f"localstripe {path}: {response.status} {response.body[:300]!r}")
    return orjson.loads(response.body)


async def flush(server: Server) -> None:
    """Empty localstripe's store (its per-request cost grows with what it holds)."""
    connection = await Connection.open(HOST, server.port)
    try:
        response = await connection.send(request_bytes("DELETE", "/_config/data"))
        if response.status != 200:
            raise RuntimeError(f"localstripe flush: {response.status}")
    finally:
        await connection.close()


async def authorised_intents(server: Server, count: int, concurrency: int = 4) -> list[str]:
    """``count`` confirmed manual-capture PaymentIntents (status ``requires_capture``)."""
    connection = await Connection.open(HOST, server.port)
    try:
        card = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}
        form = {"type": "card", **{f"card[{k}]": v for k, v in card.items()}}
        method = await _post(connection, "/v1/payment_methods", form)
    finally:
        await connection.close()
    body = urlencode(
        {
            "amount": AMOUNT,
            "currency": "sek",
            "payment_method": method["id"],
            "capture_method": "manual",
            "confirm": "true",
        }
    ).encode()
    created: list[str] = []

    def keep(response: Response) -> str | None:
        intent = orjson.loads(response.body) if response.status == 200 else {}
        if intent.get("status") != "requires_capture":
            return f"create intent: {response.status} {response.body[:300]!r}"
        created.append(intent["id"])
        return None

    job = Job(request_bytes("POST", "/v1/payment_intents", body, AUTH), keep)
    cell = await http_cell(HOST, server.port, [job] * count, concurrency)
    if cell.failures:
        raise RuntimeError(f"creating PaymentIntents failed: {cell.failures[:3]}")
    return created


def _check(response: Response) -> str | None:
    if response.status != 200:
        return f"{response.status} {response.body[:300]!r}"
    intent = orjson.loads(response.body)
    charge = intent["latest_charge"]
    captured = charge["amount"] - charge["amount_refunded"]
    if intent["status"] != "succeeded" or not charge["captured"] or captured != CAPTURE:
        return f"status {intent['status']}, captured {captured}"
    return None


def capture_jobs(intents: list[str]) -> list[Job]:
    body = urlencode({"amount_to_capture": CAPTURE}).encode()
    return [
        Job(request_bytes("POST", f"/v1/payment_intents/{pi}/capture", body, AUTH), _check)
        for pi in intents
    ]

"""Capture requests in each dialect's wire format, each with the check of its answer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import orjson

from bench.http import Response, request_bytes
from bench.load import Check, Job
from bench.sandbox import JSON, line

# The seed orders: Walley's part capture by items, Ledyer's partial capture of one phone.
WALLEY_LINES = [line("10001", "Shoes", 1, 9500), line("10002", "T-Shirt", 2, 9500)]
LEDYER_LINES = [
    line("1334227", "SAMSUNG Galaxy S20 FE 4G 128GB (6GB RAM) 6.5 Smartphone - Cl", 1, 489000),
    line("231654", 'APPLE iPhone 13 Pro 5G 256GB - 6.1\\" Smartphone - Guld', 1, 999000),
]
# Klarna's: the SDK's capture example's shape, a part capture of the first of two lines.
KLARNA_LINES = [line("BIKE-1", "City bike", 1, 599900), line("LAMP-2", "Bike lamp", 2, 24950)]
TEMPLATES = {"walley": WALLEY_LINES, "ledyer": LEDYER_LINES, "klarna": KLARNA_LINES}
KLARNA_BASE = "/ordermanagement/v1/orders"


@dataclass
class Captures:
    """One capture per order (of the order's first line), and the first answer to each."""

    dialect: str
    jobs: list[Job]
    answers: list[Response | None]
    order_ids: list[str]
    amount: int
    """The order's ``captured`` column afterwards, in minor units."""
    chunks: int = 1
    """The order's captured chunks afterwards (one per capture)."""


def _decimal(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def _walley_body(first: dict[str, Any]) -> bytes:
    """A part capture by items, decimal amounts as the JSON numbers Walley's clients send."""
    item = (
        f'{{"id":{orjson.dumps(first["reference"]).decode()},'
        f'"description":{orjson.dumps(first["description"]).decode()},'
        f'"unitPrice":{_decimal(first["unitPrice"])},"quantity":{first["quantity"]}}}'
    )
    amount = _decimal(first["totalAmount"])
    return f'{{"amount":{amount},"actionReference":"bench","items":[{item}]}}'.encode()


def _ledyer_body(first: dict[str, Any], line_id: str) -> bytes:
    """A partial capture naming the uncaptured line by id, so it leaves ``uncaptured``."""
    return orjson.dumps(
        {"orderLines": [{**first, "id": line_id}], "totalCaptureAmount": first["totalAmount"]}
    )


def klarna_line(common: dict[str, Any]) -> dict[str, Any]:
    """A sandbox line (``bench.sandbox.line``) as Klarna's clients send it."""
    return {
        "type": common["type"],
        "reference": common["reference"],
        "name": common["description"],
        "quantity": common["quantity"],
        "quantity_unit": "pcs",
        "unit_price": common["unitPrice"],
        "tax_rate": common["vat"],
        "total_amount": common["totalAmount"],
        "total_discount_amount": 0,
        "total_tax_amount": common["totalVatAmount"],
    }


def _klarna_body(first: dict[str, Any]) -> bytes:
    """``POST …/captures`` of one line, as the SDK's example sends it."""
    return orjson.dumps(
        {
            "captured_amount": first["totalAmount"],
            "description": "bench",
            "order_lines": [klarna_line(first)],
        }
    )


def captures(
    dialect: str,
    authorization: str,
    orders: list[dict[str, Any]],
    lines: list[dict[str, Any]],
    index: int = 0,
) -> Captures:
    """Capture ``lines[index]`` of every order (all made from ``lines``, the ones before it
    captured already, one capture each), with a new key each; ``authorization`` is the
    dialect's ``Authorization`` header (Bearer or Basic)."""
    first = lines[index]
    amount: int = sum(x["totalAmount"] for x in lines[: index + 1])
    answers: list[Response | None] = [None] * len(orders)
    jobs: list[Job] = []
    for n, order in enumerate(orders):
        order_id = order["orderId"]
        headers = {"Authorization": authorization, **JSON}
        if dialect == "walley":
            path = f"/manage/orders/{order_id}/capture"
            headers["X-Idempotency"] = str(uuid.uuid4())
            body = _walley_body(first)
        elif dialect == "klarna":
            path = f"{KLARNA_BASE}/{order_id}/captures"
            headers["Klarna-Idempotency-Key"] = str(uuid.uuid4())
            body = _klarna_body(first)
        else:
            path = f"/v1/orders/{order_id}/partialcapture"
            headers["Idempotency-Key"] = str(uuid.uuid4())
            body = _ledyer_body(first, order["lineIds"][index])
        raw = request_bytes("POST", path, body, headers)
        jobs.append(Job(raw, _checker(dialect, order_id, amount, answers, n)))
    order_ids = [o["orderId"] for o in orders]
    return Captures(dialect, jobs, answers, order_ids, amount, index + 1)


def _checker(
    dialect: str, order_id: str, amount: int, answers: list[Response | None], index: int
) -> Check:
    def check(response: Response) -> str | None:
        answers[index] = response
        if dialect == "walley":
            if response.status != 202:
                return f"{response.status} {response.body[:300]!r}"
            if response.headers.get("location") != f"/manage/orders/{order_id}":
                return f"Location {response.headers.get('location')!r}"
            return None
        if dialect == "klarna":
            if response.status != 201:
                return f"{response.status} {response.body[:300]!r}"
            path = f"{KLARNA_BASE}/{order_id}/captures/{response.headers.get('capture-id')}"
            if response.headers.get("location") != path:
                return f"Location {response.headers.get('location')!r}, Capture-Id missing?"
            return None
        if response.status != 200:
            return f"{response.status} {response.body[:300]!r}"
        captured = orjson.loads(response.body)["capturedAmount"]["minorUnits"]
        return None if captured == amount else f"capturedAmount {captured}, expected {amount}"

    return check


def replays(first: Captures) -> list[Job]:
    """The same requests with the same keys; each answer must equal the first, byte for byte."""

    def same_as(original: Response | None) -> Check:
        def check(response: Response) -> str | None:
            if original is None:
                return "the first request had no answer"
            if (response.status, response.body) != (original.status, original.body):
                return f"replay differs: {response.status} {response.body[:200]!r}"
            if response.headers.get("location") != original.headers.get("location"):
                return "replay Location differs"
            return None

        return check

    return [
        Job(job.raw, same_as(answer)) for job, answer in zip(first.jobs, first.answers, strict=True)
    ]

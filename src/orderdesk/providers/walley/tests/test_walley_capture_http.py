"""Over HTTP: random sequences of Walley part captures keep the order's books exact."""

import json
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.sandbox import Merchant, line

plans = st.lists(
    st.tuples(st.integers(min_value=0, max_value=2), st.integers(min_value=1, max_value=3)),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(plan=plans)
async def test_captures_never_exceed_the_total_and_activate_exactly_at_the_end(
    merchant: Merchant, plan: list[tuple[int, int]]
) -> None:
    lines = [line("A", "Alpha", 3, 1999), line("B", "Beta", 2, 5000), line("C", "Gamma", 1, 12345)]
    created = await merchant.order("walley", lines)
    order_id = created["orderId"]
    headers = await merchant.walley_headers()
    left = {x["reference"]: x["quantity"] for x in lines}
    prices = {x["reference"]: x["unitPrice"] for x in lines}
    total = sum(x["totalAmount"] for x in lines)
    captured = 0
    for pick, qty in plan:
        ref = "ABC"[pick]
        body: dict[str, Any] = {
            "amount": _decimal(prices[ref] * qty),
            "items": [{"id": ref, "unitPrice": _decimal(prices[ref]), "quantity": qty}],
        }
        r = await merchant.client.post(
            f"/manage/orders/{order_id}/capture", json=body, headers=headers
        )
        if qty <= left[ref]:
            assert r.status_code == 202, r.text
            left[ref] -= qty
            captured += prices[ref] * qty
        else:
            assert r.status_code == 422
        got = await merchant.client.get(f"/manage/orders/{order_id}", headers=headers)
        data = json.loads(got.text, parse_float=Decimal)
        invoiced = sum(int(inv["totalAmount"] * 100) for inv in data["data"]["invoices"])
        assert invoiced == captured <= total
        assert (data["data"]["status"] == "Activated") == (captured == total)


def _decimal(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"

"""Building Order aggregates in memory for domain tests (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orderdesk.domain.lines import CaptureLine, priced_line
from orderdesk.domain.order import Order, Segment, new_order

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def cline(
    reference: str,
    quantity: int,
    unit_price: int,
    vat: int = 2500,
    description: str | None = None,
    id: str | None = None,
) -> CaptureLine:
    line = priced_line(reference, description or reference, quantity, unit_price, vat)
    line.id = id
    return line


def make_order(
    lines: list[CaptureLine],
    provider: str = "walley",
    segment: Segment = Segment.B2C,
    expires_in: timedelta = timedelta(days=14),
    acknowledged: bool = True,
    payment_method: str = "invoice",
) -> Order:
    return new_order(
        order_id="o-1",
        provider=provider,
        merchant_id="ac_1",
        store_id="1001",
        currency="SEK",
        country="SE",
        segment=segment,
        lines=lines,
        total=sum(line.total_amount for line in lines),
        total_vat=None,
        merchant_reference="ref",
        customer={},
        payment_method=payment_method,
        expires_at=NOW + expires_in,
        now=NOW,
        acknowledged=acknowledged,
    )


def walley_seed_order(segment: Segment = Segment.B2C) -> Order:
    """The seed's Walley example: Shoes 95.00 × 1 and T-Shirt 95.00 × 2 (285.00)."""
    return make_order(
        [
            cline("10001", 1, 9500, description="Shoes"),
            cline("10002", 2, 9500, description="T-Shirt"),
        ],
        segment=segment,
    )


def ledyer_seed_order() -> Order:
    return make_order([cline("1334227", 1, 489000), cline("231654", 1, 999000)], provider="ledyer")

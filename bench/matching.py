"""In process: the CPU a Walley capture naming many items holds the event loop for.

The rule (``providers/walley/rules.py::capture_minor``, item matching included) runs on an
order of N lines, each of 2 units, for a capture naming one unit of every line: N items, N
lines split. No server, no database: what is measured is the Python a worker runs between
two awaits, the part that kept ``/healthz`` waiting before matching was indexed (issue 22).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from orderdesk.domain.lines import priced_line
from orderdesk.domain.order import CaptureMeta, Order, Segment, new_order
from orderdesk.providers.walley.matching import ItemSpec
from orderdesk.providers.walley.rules import WalleyCapture, capture_minor

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _order(lines: int) -> Order:
    made = [priced_line(f"A{n}", f"Article {n}", 2, 1000 + n, 2500) for n in range(lines)]
    return new_order(
        order_id="or_bench",
        provider="walley",
        merchant_id="ac_bench",
        store_id="1001",
        currency="SEK",
        country="SE",
        segment=Segment.B2C,
        lines=made,
        total=sum(line.total_amount for line in made),
        total_vat=None,
        merchant_reference="bench",
        customer={},
        payment_method="invoice",
        expires_at=NOW + timedelta(days=14),
        now=NOW,
        acknowledged=True,
    )


def cpu_ms(lines: int, repeat: int) -> float:
    """The least CPU (ms) of ``repeat`` captures of one unit of each of ``lines`` lines."""
    items = [ItemSpec(1000 + n, 1, id=f"A{n}") for n in range(lines)]
    request = WalleyCapture(
        amount=sum(item.unit_price for item in items),
        items=items,
        replace_items=False,
        meta=CaptureMeta(),
    )
    best = float("inf")
    for _ in range(repeat):
        order = _order(lines)
        started = time.process_time()
        capture_minor(order, request, NOW)
        best = min(best, time.process_time() - started)
    return best * 1000


def table(sizes: tuple[int, ...], repeat: int) -> tuple[str, list[dict[str, float]]]:
    """The Markdown table of the figures, and the figures."""
    rows = [
        "| lines on the order = items named | CPU per capture (ms) | per 1,000 lines (ms) |",
        "|---:|---:|---:|",
    ]
    figures = []
    for lines in sizes:
        ms = cpu_ms(lines, repeat)
        rows.append(f"| {lines:,} | {ms:.1f} | {ms * 1000 / lines:.2f} |")
        figures.append({"lines": lines, "cpu_ms": ms, "per_1000_lines_ms": ms * 1000 / lines})
    return "\n".join(rows), figures

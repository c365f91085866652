"""A bar chart as SVG, drawn on the server: one chart per store (each in its own currency),
a bar per day for captured money and, where there is any, one for refunded money."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 180
LEFT, BOTTOM, TOP = 8, 22, 14
CAPTURED, REFUNDED = "#2f6f4f", "#b5523b"


@dataclass(frozen=True, slots=True)
class Series:
    store_id: str
    currency: str
    captured: dict[date, int]
    refunded: dict[date, int]


def bar_chart(series: Series, first: date, days: int, label: str) -> Markup:
    """An accessible inline SVG: ``role="img"`` with a title naming what it shows."""
    plot_w = WIDTH - 2 * LEFT
    plot_h = HEIGHT - BOTTOM - TOP
    top = max([*series.captured.values(), *series.refunded.values(), 1])
    slot = plot_w / days
    kinds = [(series.captured, CAPTURED)]
    if series.refunded:
        kinds.append((series.refunded, REFUNDED))
    bar_w = max(slot * 0.8 / len(kinds), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - LEFT}" y2="{TOP + plot_h}"'
        ' stroke="#888" stroke-width="1"/>',
    ]
    for index in range(days):
        day = first + timedelta(days=index)
        for k, (values, colour) in enumerate(kinds):
            amount = values.get(day, 0)
            if amount <= 0:
                continue
            height = max(plot_h * amount / top, 1)
            x = LEFT + index * slot + slot * 0.1 + k * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar_w:.1f}"'
                f' height="{height:.1f}" fill="{colour}"/>'
            )
        if (days - 1 - index) % 7 == 0:  # the last day and each week before it: never close
            parts.append(
                f'<text x="{LEFT + index * slot + slot / 2:.1f}" y="{HEIGHT - 6}"'
                f' font-size="11" text-anchor="middle" fill="#444">{day:%m-%d}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))

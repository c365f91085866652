"""The dashboard: money captured and refunded per store and day, and orders per status."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import Request
from fastapi.responses import Response

from orderdesk.backoffice import chart, pages
from orderdesk.backoffice.presenter import money
from orderdesk.service.unit_of_work import utcnow
from orderdesk.store import reports

CHART_DAYS = 30

ROUTES = pages.routes()


@ROUTES.get("/")
async def dashboard(request: Request) -> Response:
    session = await pages.session(request)
    first = utcnow().date() - timedelta(days=CHART_DAYS - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    async with pages.pool(request).acquire() as conn:
        amounts = await reports.per_day(conn, since)
        counts = await reports.status_counts(conn)
    series: dict[str, chart.Series] = {}
    for row in amounts:
        one = series.setdefault(row.store_id, chart.Series(row.store_id, row.currency, {}, {}))
        (one.captured if row.kind == "capture" else one.refunded)[row.day] = row.amount
    charts = [
        {
            "series": one,
            "svg": chart.bar_chart(one, first, CHART_DAYS, _chart_label(one, first)),
            "captured": sum(one.captured.values()),
            "refunded": sum(one.refunded.values()),
        }
        for one in series.values()
    ]
    return pages.render(
        request,
        "dashboard.html",
        session,
        await pages.sessions(request),
        charts=charts,
        counts=counts,
        first=first,
        days=CHART_DAYS,
    )


def _chart_label(series: chart.Series, first: date) -> str:
    what = "captured and refunded" if series.refunded else "captured"
    total = money(sum(series.captured.values()), series.currency)
    return (
        f"Money {what} per day in store {series.store_id} since {first:%Y-%m-%d} ({total} captured)"
    )

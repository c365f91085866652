"""The dashboard: money captured and refunded per store and day (the days of the store's
clock: each chart ends on the store's today), and orders per status."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import Request
from fastapi.responses import Response

from orderdesk.backoffice import chart, pages
from orderdesk.backoffice.presenter import money
from orderdesk.store import clocks, reports
from orderdesk.store.clocks import StoreClock

CHART_DAYS = 30

ROUTES = pages.routes()


@ROUTES.get("/")
async def dashboard(request: Request) -> Response:
    session = await pages.session(request)
    async with pages.pool(request).acquire() as conn:
        amounts = await reports.per_day(conn, CHART_DAYS)
        counts = await reports.status_counts(conn)
        moved = {found.store_id: found for found in await clocks.every_store(conn)}
    today = {store_id: found.now.date() for store_id, found in moved.items()}
    series: dict[str, chart.Series] = {}
    for row in amounts:
        one = series.setdefault(row.store_id, chart.Series(row.store_id, row.currency, {}, {}))
        (one.captured if row.kind == "capture" else one.refunded)[row.day] = row.amount
    charts = []
    for one in series.values():
        first = today[one.store_id] - timedelta(days=CHART_DAYS - 1)
        charts.append(
            {
                "series": one,
                "svg": chart.bar_chart(one, first, CHART_DAYS, _chart_label(one, first)),
                "captured": sum(one.captured.values()),
                "refunded": sum(one.refunded.values()),
                "clock": _clock_words(moved[one.store_id]),
            }
        )
    return pages.render(
        request,
        "dashboard.html",
        session,
        await pages.sessions(request),
        charts=charts,
        counts=counts,
        days=CHART_DAYS,
    )


def _clock_words(found: StoreClock) -> str:
    """A moved clock in words ("its clock is 30 days ahead: 2027-01-06 14:02:11 UTC")."""
    if found.offset <= timedelta(0):
        return ""
    return f"its clock is {pages.span(found.offset)} ahead: {pages.moment(found.now)}"


def _chart_label(series: chart.Series, first: date) -> str:
    what = "captured and refunded" if series.refunded else "captured"
    total = money(sum(series.captured.values()), series.currency)
    return (
        f"Money {what} per day in store {series.store_id} since {first:%Y-%m-%d} ({total} captured)"
    )

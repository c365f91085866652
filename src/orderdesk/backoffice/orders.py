"""The order list: search, filters and keyset paging over the indexed columns."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from orderdesk.backoffice import pages
from orderdesk.backoffice.pages import PREFIX
from orderdesk.providers.registry import PROVIDERS
from orderdesk.store import merchants, order_list

STATUSES = [(status, p.title) for p in PROVIDERS.values() for status in p.statuses]

ROUTES = pages.routes()


def _when(text: str, end: bool) -> datetime | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return moment + timedelta(days=1) if end else moment


@ROUTES.get("/orders")
async def order_list_page(request: Request) -> Response:
    session = await pages.session(request)
    q = request.query_params
    where = order_list.OrderFilter(
        search=q.get("q", "").strip()[:200],
        store_id=q.get("store", "").strip()[:40],
        provider=q.get("dialect", "") if q.get("dialect", "") in PROVIDERS else "",
        status=q.get("status", "").strip()[:40],
        created_from=_when(q.get("from", ""), end=False),
        created_to=_when(q.get("to", ""), end=True),
    )
    after = None
    at, _, after_id = q.get("after", "").partition("|")
    if at and after_id:
        try:
            after = (datetime.fromisoformat(at), after_id)
        except ValueError:
            after = None
    async with pages.pool(request).acquire() as conn:
        rows, next_key = await order_list.page(conn, where, after)
        stores = await merchants.list_stores(conn)
    kept = {k: v for k, v in q.items() if k != "after" and v}
    next_url = None
    if next_key is not None:
        cursor = f"{next_key[0].isoformat()}|{next_key[1]}"
        next_url = f"{PREFIX}/orders?" + urlencode({**kept, "after": cursor})
    return pages.render(
        request,
        "orders.html",
        session,
        await pages.sessions(request),
        rows=rows,
        stores=stores,
        statuses=STATUSES,
        q=q,
        next_url=next_url,
        first_url=f"{PREFIX}/orders?" + urlencode(kept) if after else None,
    )

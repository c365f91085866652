"""The order list: search, filters and keyset paging over the indexed columns, each order's
statuses as its provider's API shows them, and how many orders match. A filter the page
cannot read (a date that is no date, a status no provider shows) is said, with 400."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import QueryParams

from orderdesk.backoffice import pages
from orderdesk.backoffice.pages import PREFIX
from orderdesk.providers.registry import PROVIDERS
from orderdesk.store import merchants, order_list

STATUSES = [(status, p.title) for p in PROVIDERS.values() for status in p.statuses]

ROUTES = pages.routes()


class _Query:
    """The list's query string read into a filter and a page key; what it could not read is
    kept in ``problems``, in words."""

    def __init__(self, q: QueryParams) -> None:
        self.q = q
        self.problems: list[str] = []
        self.filter = order_list.OrderFilter(
            search=q.get("q", "").strip()[:200],
            store_id=q.get("store", "").strip()[:40],
            provider=self._known("dialect", PROVIDERS, "There is no dialect"),
            status=self._known("status", {s for s, _ in STATUSES}, "No provider shows the status"),
            created_from=self._day("from", end=False),
            created_to=self._day("to", end=True),
        )
        self.after = self._after()

    def _known(self, name: str, known: Collection[str], problem: str) -> str:
        value = self.q.get(name, "").strip()[:40]
        if value and value not in known:
            self.problems.append(f"{problem} “{value}”.")
            return ""
        return value

    def _day(self, name: str, end: bool) -> datetime | None:
        """``YYYY-MM-DD``: the start of that UTC day (of the day after, for an ``end``)."""
        text = self.q.get(name, "").strip()
        if not text:
            return None
        try:
            day = date.fromisoformat(text)
        except ValueError:
            self.problems.append(f"“{text[:40]}” is not a date: give a day as YYYY-MM-DD.")
            return None
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return moment + timedelta(days=1) if end else moment

    def _after(self) -> tuple[datetime, str] | None:
        at, _, after_id = self.q.get("after", "").partition("|")
        if not at and not after_id:
            return None
        try:
            return datetime.fromisoformat(at), after_id
        except ValueError:
            self.problems.append("The link to this page is damaged; start from the newest.")
            return None


@ROUTES.get("/orders")
async def order_list_page(request: Request) -> Response:
    session = await pages.session(request)
    q = request.query_params
    read = _Query(q)
    async with pages.pool(request).acquire() as conn:
        stores = await merchants.list_stores(conn)
        found = None
        if not read.problems:
            found = await order_list.page(conn, read.filter, PROVIDERS, read.after)
    kept = {k: v for k, v in q.items() if k != "after" and v}
    next_url = None
    if found is not None and found.next_key is not None:
        cursor = f"{found.next_key[0].isoformat()}|{found.next_key[1]}"
        next_url = f"{PREFIX}/orders?" + urlencode({**kept, "after": cursor})
    return pages.render(
        request,
        "orders.html",
        session,
        await pages.sessions(request),
        400 if read.problems else 200,
        rows=found.rows if found else [],
        matching=found.matching if found else None,
        max_count=order_list.MAX_COUNT,
        problems=read.problems,
        stores=stores,
        statuses=STATUSES,
        q=q,
        next_url=next_url,
        first_url=f"{PREFIX}/orders?" + urlencode(kept) if read.after else None,
    )

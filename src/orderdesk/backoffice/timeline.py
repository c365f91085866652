"""An order's timeline: its events and the requests that named it as one stream in time
order, each event with who made it, and the requests that were refused or replayed as rows of
their own.

Who made an event: the sandbox made the order (and closes it), the store's clock expired it;
any other change was made by a request. Changes of one order are serialised by its row lock
and the journal notes a request when its answer is sent, so the request that made an event
(the events of one change share their time) is the first request answered after it, within
``ANSWERED_WITHIN``, that could have changed the order: not refused, not a replay, not a
resend of a notification, and not a read — except that a read decides a raise's credit check
once it is due. A change whose request the journal no longer has (it keeps 7 days) is
credited to no one rather than to a later request. Rows are ordered by the times they carry
(events and journal rows alike).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from orderdesk.backoffice import words
from orderdesk.domain.order import Event, EventType
from orderdesk.ops.journal import BACKOFFICE
from orderdesk.providers.registry import PROVIDERS
from orderdesk.store.journal import Entry

SANDBOX = "sandbox"
CLOCK = "store clock"

#: The events no request makes, and who makes them.
MADE_BY = {
    EventType.CREATE: SANDBOX,
    EventType.READY_FOR_CAPTURE: SANDBOX,
    EventType.CLOSE: SANDBOX,
    EventType.EXPIRE: CLOCK,
}
#: How soon after its change a request is answered, at the latest.
ANSWERED_WITHIN = timedelta(minutes=1)
#: The events a read makes too: a raise's credit check, decided when a read finds it due.
MADE_BY_READS = frozenset({EventType.REAUTHORIZE})


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One row of an order's timeline: an event, or a request refused or replayed."""

    at: datetime
    who: str | None
    what: str
    amount: int | None
    detail: str
    kind: str  # event | refused | replay


def timeline(events: Sequence[Event], requests: Sequence[Entry]) -> list[TimelineItem]:
    """The order's events and its refused and replayed requests, oldest first."""
    changes = [list(change) for _, change in groupby(events, key=lambda ev: ev.created_at)]
    stream: list[tuple[datetime, int, list[Event] | Entry]] = [
        *((change[0].created_at, 0, change) for change in changes),
        *((entry.at, 1, entry) for entry in requests),
    ]
    stream.sort(key=lambda row: (row[0], row[1]))  # stable: an order's events keep their order
    who: dict[str, str] = {}
    waiting: list[list[Event]] = []  # changes made by a request not met yet
    rows: list[Event | TimelineItem] = []
    for _, _, row in stream:
        if isinstance(row, Entry):
            _credit(row, waiting, who)
            if row.replayed or row.status >= 400:
                rows.append(_request_item(row))
            continue
        who.update((event.id, MADE_BY[event.type]) for event in row if event.type in MADE_BY)
        if any(event.type not in MADE_BY for event in row):
            waiting.append(row)
        rows.extend(row)
    return [_event_item(row, who.get(row.id)) if isinstance(row, Event) else row for row in rows]


def _credit(entry: Entry, waiting: list[list[Event]], who: dict[str, str]) -> None:
    """Credit ``entry`` with the first waiting change it could have made (one at most)."""
    waiting[:] = [
        change for change in waiting if entry.at - change[0].created_at <= ANSWERED_WITHIN
    ]
    if entry.status >= 400 or entry.replayed or entry.path.endswith("/resend"):
        return
    for index, change in enumerate(waiting):
        if entry.method != "GET" or all(event.type in MADE_BY_READS for event in change):
            sender = _who_sent(entry.source)
            who.update((event.id, sender) for event in change if event.id not in who)
            del waiting[index]
            return


def _event_item(event: Event, who: str | None) -> TimelineItem:
    what = words.EVENT_WORDS.get(event.type, event.type)
    detail = f"ledger {event.ledger_id}"
    return TimelineItem(event.created_at, who, what, event.amount, detail, "event")


def _request_item(entry: Entry) -> TimelineItem:
    if entry.replayed:
        what, kind = f"Replayed: {entry.method} {entry.path}", "replay"
    else:
        what, kind = f"Refused ({entry.status}): {entry.method} {entry.path}", "refused"
    detail = f"idempotency key {entry.idempotency_key}" if entry.idempotency_key else ""
    return TimelineItem(entry.at, _who_sent(entry.source), what, None, detail, kind)


def _who_sent(source: str) -> str:
    """A journal row's source in words: a provider's API, the back-office, or as noted."""
    if source in PROVIDERS:
        return f"{PROVIDERS[source].title} API"
    return "back-office" if source == BACKOFFICE else source

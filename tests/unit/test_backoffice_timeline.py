"""The order page's timeline: one stream of events and requests, each event credited to whoever
made it (``backoffice/timeline.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orderdesk.backoffice.timeline import timeline
from orderdesk.domain.order import Event, EventType
from orderdesk.store.journal import Entry

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def at(ms: int) -> datetime:
    return T0 + timedelta(milliseconds=ms)


def event(ms: int, type_: EventType) -> Event:
    return Event(f"oe_{ms}_{type_}", type_, 100, "in_1", at(ms))


def entry(ms: int, method: str, path: str, status: int = 200, source: str = "walley") -> Entry:
    return Entry(ms, method, path, status, None, source, at(ms), replayed=False)


def test_each_event_is_credited_to_whoever_made_it() -> None:
    events = [
        event(0, EventType.CREATE),
        event(0, EventType.READY_FOR_CAPTURE),
        event(10, EventType.PARTIAL_CAPTURE),
        event(30, EventType.REAUTHORIZE_REQUESTED),
        event(50, EventType.REAUTHORIZE),  # the credit check, decided by a read when due
        event(60, EventType.EXPIRE),
        event(80, EventType.CANCEL),
    ]
    requests = [
        entry(5, "GET", "/manage/orders/o"),  # a read before the capture: changes nothing
        entry(12, "GET", "/manage/orders/o"),  # a read while the capture is being answered
        entry(14, "POST", "/manage/orders/o/capture"),
        entry(20, "POST", "/manage/orders/o/refund", status=422),
        entry(31, "POST", "/manage/orders/o/reauthorize"),
        entry(51, "GET", "/manage/orders/o"),
        entry(70, "POST", "/admin/orders/o/deliveries/1/resend", source="backoffice"),
        entry(81, "DELETE", "/v1/orders/o", source="ledyer"),
    ]
    rows = [(item.who, item.what) for item in timeline(events, requests)]
    assert rows == [
        ("sandbox", "Order authorised"),
        ("sandbox", "Ready for capture"),
        ("Walley API", "Part captured"),
        ("Walley API", "Refused (422): POST /manage/orders/o/refund"),
        ("Walley API", "Higher authorisation asked for (credit check)"),
        ("Walley API", "Authorisation changed"),
        ("store clock", "Authorisation expired"),
        ("Ledyer API", "Rest cancelled"),
    ]


def test_a_change_whose_request_is_not_journaled_is_nobodys() -> None:
    """The journal keeps 7 days: a change whose request it no longer has is credited to no
    one rather than to the next request."""
    nine_days = 9 * 86_400_000
    events = [event(0, EventType.CREATE), event(10, EventType.PARTIAL_CAPTURE)]
    events.append(event(nine_days, EventType.FULL_CAPTURE))
    requests = [entry(nine_days + 4, "POST", "/admin/orders/o/capture", source="backoffice")]
    rows = [(item.who, item.what) for item in timeline(events, requests)]
    assert rows == [
        ("sandbox", "Order authorised"),
        (None, "Part captured"),
        ("back-office", "Captured in full"),
    ]

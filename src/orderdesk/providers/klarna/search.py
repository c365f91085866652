"""Each Klarna status as a condition on the indexed ``orders`` columns of a row ``o``
(``{now}``: the order's store's now, an SQL expression), for the back-office's list.
``o.status`` holds the status a write left, which is how a closed order is known."""

from __future__ import annotations

from orderdesk.providers.klarna.rules import Status

OPEN = "o.status <> 'CLOSED'"
LEFT = "o.authorized > o.captured + o.cancelled"
STATUS_SQL = {
    Status.AUTHORIZED: f"o.captured = 0 AND {LEFT} AND o.expires_at > {{now}} AND {OPEN}",
    Status.PART_CAPTURED: f"o.captured > 0 AND {LEFT} AND {OPEN}",
    Status.CAPTURED: f"o.captured > 0 AND NOT {LEFT} AND {OPEN}",
    Status.CANCELLED: f"o.captured = 0 AND NOT {LEFT} AND {OPEN}",
    Status.EXPIRED: f"o.captured = 0 AND {LEFT} AND o.expires_at <= {{now}} AND {OPEN}",
    Status.CLOSED: "o.status = 'CLOSED'",
}

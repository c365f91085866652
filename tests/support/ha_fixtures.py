"""The Patroni cluster fixture (``tests/support/patroni.py``): one cluster per test session,
started by the first test that asks for it, stopped and removed at the end. A pytest plugin
(the root ``conftest.py`` lists it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.patroni import Cluster, required_tools


@pytest.fixture(scope="session")
def ha_cluster() -> Iterator[Cluster]:
    """etcd and three PostgreSQL nodes under Patroni, synchronous replication on; skipped
    (or failed, with ``ORDERDESK_REQUIRE_HA``) without etcd and Patroni."""
    required_tools()
    cluster = Cluster.create()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        cluster.remove()

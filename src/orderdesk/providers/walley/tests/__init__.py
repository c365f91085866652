"""Walley's own tests: its rules, statuses, matching and wire format, its API, its properties,
and its clients' recorded requests (``fixtures/*.http``). Tests of both providers and of the
core are in the repository's ``tests/``; the pytest fixtures are those of ``tests/support/``
(the root ``conftest.py`` lists them)."""

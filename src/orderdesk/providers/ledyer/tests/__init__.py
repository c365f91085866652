"""Ledyer's own tests: its wire format, its API and its properties. Tests of both providers and
of the core are in the repository's ``tests/``; the pytest fixtures are those of
``tests/support/`` (the root ``conftest.py`` lists them)."""

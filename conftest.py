"""The fixtures every test may use, in ``tests/`` and in each provider's tests
(``src/orderdesk/providers/<name>/tests/``): pytest takes ``pytest_plugins`` from this
top-level conftest only. The helpers in ``tests/support/`` assert as tests do, so pytest
rewrites their asserts too."""

import pytest

pytest.register_assert_rewrite("tests.support")

pytest_plugins = [
    "tests.support.app_fixtures",
    "tests.support.server_fixtures",
    "tests.support.browser",
    "tests.support.ha_fixtures",
]

"""The limit on guessing secrets: failed attempts per caller (client address and credential id)
in a sliding window, kept by each worker process (docs/decisions.md).

Only failures count: a caller that presents the right secret is never slowed down by its own
successes, and a shop fetching a token per request is not limited. Once a caller has failed
``limit`` times within ``window`` seconds it is refused (429 with ``Retry-After``) without its
secret being checked, until the oldest of those failures leaves the window.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from starlette.requests import Request

#: A caller: its address and the credential it names.
Caller = tuple[str, str]
#: The credential name of the admin token (the sandbox API and the back-office's sign-in).
ADMIN = "admin token"
#: The ``Retry-After`` header of a refusal, for the OpenAPI document.
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until the caller may try again",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def caller(request: Request, credential: str) -> Caller:
    """The caller of ``request`` naming ``credential``, by the address it connects from (the
    ``X-Forwarded-For`` one from a proxy uvicorn trusts: ``FORWARDED_ALLOW_IPS``)."""
    return (request.client.host if request.client else "", credential)


class FailedAttempts:
    """The recent failures of each caller; at most ``max_callers`` are remembered (the longest
    quiet forgotten first), so a flood of made-up client ids cannot grow a worker's memory."""

    def __init__(
        self,
        limit: int,
        window: float,
        max_callers: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window, self.max_callers, self.clock = limit, window, max_callers, clock
        self._failures: OrderedDict[Caller, deque[float]] = OrderedDict()

    def retry_after(self, caller: Caller) -> int | None:
        """Whole seconds until ``caller`` may try again, or None if it may now."""
        if self.limit == 0:
            return None
        failures = self._failures.get(caller)
        if failures is None:
            return None
        now = self.clock()
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[caller]
            return None
        if len(failures) < self.limit:
            return None
        return max(1, math.ceil(failures[0] + self.window - now))

    def failed(self, caller: Caller) -> None:
        """Note one failed attempt of ``caller``."""
        if self.limit == 0:
            return
        failures = self._failures.pop(caller, None)
        if failures is None:
            failures = deque(maxlen=self.limit)
        failures.append(self.clock())
        self._failures[caller] = failures
        while len(self._failures) > self.max_callers:
            self._failures.popitem(last=False)

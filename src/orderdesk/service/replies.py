"""What a use case answers: a :class:`~orderdesk.web.answers.Reply`, made by the caller's
:class:`Presenter`.

The reply to a change is made inside the change's transaction and stored with it under the
request's idempotency key, so a retry gets the very same bytes. The service decides *when* to
present; the presenter (a dialect) decides *how*.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from orderdesk.domain.errors import DomainError
from orderdesk.domain.order import Order
from orderdesk.web.answers import Reply

R_contra = TypeVar("R_contra", contravariant=True)


class Presenter(Protocol[R_contra]):
    def present(self, order: Order, seq: int, result: R_contra) -> Reply:
        """The answer to a change that was made (``result`` is what the domain returned)."""

    def refuse(self, error: DomainError) -> Reply:
        """The answer to a change a rule or the order's state refused."""

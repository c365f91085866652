"""The back-office's presenter: what a use case answers when the back-office asked.

The same use cases as the API run the change (``service/``); this presenter turns the
result, or the refusal, into a small JSON reply that the pages show in plain words. Like
every presenter's, the reply is stored under the form's idempotency key, so a form sent
twice (a double click, a reload) is answered the same and applied once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from orderdesk.backoffice import words
from orderdesk.domain.errors import DomainError
from orderdesk.domain.money import exponent, grouped_string
from orderdesk.domain.order import Chunk, Order
from orderdesk.service.replies import Reply

_JSON = {"content-type": "application/json"}


def money(minor: int, currency: str) -> str:
    """``SEK 4,890.00`` (Ledyer's ``formattedWithCurrency``; no float anywhere)."""
    text = grouped_string(abs(minor), exponent(currency))
    return f"{'-' if minor < 0 else ''}{currency} {text}"


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    message: str

    @classmethod
    def from_reply(cls, reply: Reply) -> Outcome:
        body: dict[str, Any] = orjson.loads(reply.body)
        return cls(bool(body["ok"]), str(body["message"]))


class Said:
    """Presents a change as one sentence; ``what`` says it, given the order and result."""

    def __init__(self, what: str) -> None:
        self.what = what

    def present(self, order: Order, seq: int, result: object) -> Reply:
        if isinstance(result, Chunk):
            message = f"Captured {money(result.total, order.currency)}; invoice issued."
        elif isinstance(result, int):
            message = f"Cancelled {money(result, order.currency)} that was not captured."
        elif isinstance(result, datetime):
            message = f"The order now expires {result:%Y-%m-%d %H:%M} UTC."
        else:
            message = f"{self.what} done."
        return Reply(200, _JSON, orjson.dumps({"ok": True, "message": message}))

    def refuse(self, error: DomainError) -> Reply:
        body = {"ok": False, "code": error.code, "message": words.explain(error)}
        return Reply(422, _JSON, orjson.dumps(body))


CAPTURE = Said("Capture")
CANCEL = Said("Cancel")
EXTEND = Said("Extend")

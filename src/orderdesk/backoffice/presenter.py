"""The back-office's presenter: what a use case answers when the back-office asked.

The same use cases as the API run the change (``service/``); this presenter turns the
result into a small JSON reply with a sentence, and a refusal into its code and message, which
the order page says in plain words (``words.explain``, with the order as it is then). Like
every presenter's, the reply is stored under the form's idempotency key, so a form sent
twice (a double click, a reload) is answered the same and applied once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import orjson

from orderdesk.domain.errors import DomainError
from orderdesk.domain.money import exponent, grouped_string
from orderdesk.domain.order import Chunk, Order
from orderdesk.domain.payments import Payment
from orderdesk.web.answers import Reply

_JSON = {"content-type": "application/json"}
R = TypeVar("R")


def money(minor: int, currency: str) -> str:
    """``SEK 4,890.00`` (Ledyer's ``formattedWithCurrency``; no float anywhere)."""
    text = grouped_string(abs(minor), exponent(currency))
    return f"{'-' if minor < 0 else ''}{currency} {text}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a form's use case answered: the sentence, or the refusal."""

    message: str
    refused: DomainError | None = None

    @classmethod
    def from_reply(cls, reply: Reply) -> Outcome:
        body: dict[str, Any] = orjson.loads(reply.body)
        message = str(body["message"])
        if body["ok"]:
            return cls(message)
        return cls(message, DomainError(str(body["code"]), message))


class Said(Generic[R]):
    """Presents a change as one sentence: ``describe(order, result)``; a refusal as the
    domain's code and message."""

    def __init__(self, describe: Callable[[Order, R], str]) -> None:
        self.describe = describe

    def present(self, order: Order, seq: int, result: R) -> Reply:
        body = {"ok": True, "message": self.describe(order, result)}
        return Reply(200, _JSON, orjson.dumps(body))

    def refuse(self, error: DomainError) -> Reply:
        body = {"ok": False, "code": error.code, "message": error.message}
        return Reply(422, _JSON, orjson.dumps(body))


CAPTURE: Said[Chunk] = Said(
    lambda order, chunk: f"Captured {money(chunk.total, order.currency)}; invoice issued."
)
CANCEL: Said[int] = Said(
    lambda order, amount: f"Cancelled {money(amount, order.currency)} that was not captured."
)
EXTEND: Said[datetime] = Said(
    lambda order, until: f"The order now expires {until:%Y-%m-%d %H:%M} UTC."
)
ACCEPT: Said[None] = Said(lambda order, _: "The order is accepted: it can be captured now.")
REJECT: Said[int] = Said(
    lambda order, amount: f"The order is rejected: {money(amount, order.currency)} released."
)
PAID: Said[Payment] = Said(
    lambda order, paid: (
        f"The customer paid {money(paid.amount, order.currency)}"
        f" ({money(paid.paid, order.currency)} of {money(paid.due, order.currency)})."
    )
)
REFUND: Said[Chunk] = Said(
    lambda order, credit: f"Refunded {money(credit.total, order.currency)}; credit note issued."
)

"""A checkout session: the purchase before there is an order, and what a shop is told of it.

A shop's server makes a session (the provider's checkout API), the customer pays in the
hosted checkout (or a test pays headlessly through the sandbox), and completing it makes the
authorised order (``service/checkout.py``). Amounts are minor units; every time is on the
store's clock (``domain/clock.py``). The provider-specific part of a session is its ``data``
(JSON the provider's package alone reads and writes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.lines import CaptureLine

Status = Literal["open", "locked", "completed", "declined", "onHold", "abandoned", "expired"]
STATUSES: tuple[Status, ...] = (
    "open",
    "locked",
    "completed",
    "declined",
    "onHold",
    "abandoned",
    "expired",
)
#: Statuses a session no longer leaves (``onHold`` ends as ``completed`` or ``declined``).
FINAL: frozenset[Status] = frozenset({"completed", "declined", "abandoned", "expired"})

# Refusals (``DomainError.code``); each provider maps them to its own answer.
CHECKOUT_NOT_FOUND = "CHECKOUT_NOT_FOUND"
CHECKOUT_COMPLETED = "CHECKOUT_COMPLETED"  # completed (or on hold): no more changes
CHECKOUT_LOCKED = "CHECKOUT_LOCKED"  # locked while the customer pays
CHECKOUT_CLOSED = "CHECKOUT_CLOSED"  # declined or abandoned
CHECKOUT_EXPIRED = "CHECKOUT_EXPIRED"  # past its expiry on the store's clock
CHECKOUT_TOKEN_EXPIRED = "CHECKOUT_TOKEN_EXPIRED"  # the public token is past its lifetime
CHECKOUT_EMPTY = "CHECKOUT_EMPTY"  # paying for a cart with no lines
CHECKOUT_EXISTS = "CHECKOUT_EXISTS"  # a session id or token already taken


class Persona(StrEnum):
    """The test customers of the hosted checkout (and of headless pay)."""

    APPROVE = "approve"  # the order is made, authorised
    DECLINE = "decline"  # refused: no order
    ON_HOLD = "onHold"  # the order is made on hold; the sandbox's accept / reject settles it
    SIGNING = "signing"  # an extra signing step (shown by the iframe), then as approve
    ABANDON = "abandon"  # the customer leaves: no order


Callbacks = Literal["normal", "duplicate", "late", "none"]
Redirect = Literal["normal", "lost"]


@dataclass(frozen=True, slots=True)
class Scenario:
    """How the sandbox plays a session: per store (its default) or per session.

    ``callbacks``: ``normal`` (queued at once), ``duplicate`` (each queued twice), ``late``
    (queued ``callback_delay`` later on the store's clock), ``none`` (not queued: only the
    redirect confirms); ``redirect``: ``normal`` or ``lost`` (the top window is not sent to the
    confirmation URL: only the callback confirms); ``validation``: whether the merchant's
    validation hook is called before pay; the public token's and the session's lifetimes.
    """

    callbacks: Callbacks = "normal"
    callback_delay: timedelta = timedelta(minutes=5)
    redirect: Redirect = "normal"
    validation: bool = True
    token_lifetime: timedelta = timedelta(hours=48)
    session_lifetime: timedelta = timedelta(days=7)

    def doc(self) -> dict[str, Any]:
        """As stored and shown (the sandbox API's ``scenario``)."""
        return {
            "callbacks": self.callbacks,
            "callbackDelaySeconds": int(self.callback_delay.total_seconds()),
            "redirect": self.redirect,
            "validation": self.validation,
            "tokenLifetimeSeconds": int(self.token_lifetime.total_seconds()),
            "sessionLifetimeSeconds": int(self.session_lifetime.total_seconds()),
        }

    @classmethod
    def of(cls, doc: Mapping[str, Any]) -> Scenario:
        """From :meth:`doc` (a missing key: its default)."""
        default = cls()
        return cls(
            callbacks=doc.get("callbacks", default.callbacks),
            callback_delay=timedelta(
                seconds=doc.get("callbackDelaySeconds", default.callback_delay.total_seconds())
            ),
            redirect=doc.get("redirect", default.redirect),
            validation=doc.get("validation", default.validation),
            token_lifetime=timedelta(
                seconds=doc.get("tokenLifetimeSeconds", default.token_lifetime.total_seconds())
            ),
            session_lifetime=timedelta(
                seconds=doc.get("sessionLifetimeSeconds", default.session_lifetime.total_seconds())
            ),
        )


@dataclass(slots=True)
class CheckoutSession:
    """One checkout session.

    ``urls``: the shop's URLs by role — ``confirmation`` (where the top window goes after
    pay), ``notification`` (the callback, Walley's notificationUri / Ledyer's / Klarna's push),
    ``validation`` (the merchant's hook before pay) and whatever else the provider keeps
    (terms, checkout page …). ``customer``: the sandbox's customer shape (``firstName``,
    ``lastName``, ``email``, ``phone``, ``nationalId``, ``companyName``, ``billingAddress``,
    ``shippingAddress`` with ``street``/``postalCode``/``city``/``country`` …) as the hosted
    checkout edits it. ``order_id``: the order's id, chosen at creation when the provider's
    API promises it early (else None until the order is made); the order exists once the
    status is ``completed`` or ``onHold`` (or ``declined`` after a rejected hold).
    """

    id: str
    provider: str
    store_id: str
    token: str  # the public token the loader is given (Walley publicToken, Ledyer sessionId …)
    status: Status
    currency: str
    country: str
    lines: list[CaptureLine]
    fees: list[CaptureLine]
    customer: dict[str, Any]
    reference: str
    urls: dict[str, str]
    metadata: dict[str, Any]
    data: dict[str, Any]
    scenario: Scenario
    order_id: str | None
    persona: Persona | None  # who paid (or declined, abandoned)
    version: int  # +1 on every change
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    token_expires_at: datetime
    completed_at: datetime | None = None
    events: list[dict[str, Any]] = field(default_factory=list)  # what happened, for the pages

    @property
    def total(self) -> int:
        """The amount to pay: the lines and the fees, VAT included."""
        return sum(x.total_amount for x in self.lines) + sum(x.total_amount for x in self.fees)

    @property
    def total_vat(self) -> int:
        return sum(x.total_vat for x in self.lines) + sum(x.total_vat for x in self.fees)

    def status_at(self, now: datetime) -> Status:
        """The status at ``now`` (the store's): an open or locked session past its expiry
        is ``expired``, whether or not that was written yet."""
        if self.status in ("open", "locked") and now >= self.expires_at:
            return "expired"
        return self.status

    def check_changeable(self, now: datetime) -> None:
        """Refuse a change of the cart, customer or URLs unless the session is open."""
        status = self.status_at(now)
        if status == "open":
            return
        code, what = _REFUSALS[status]
        raise DomainError(code, f"Checkout {self.id} {what}", Kind.STATE)

    def check_payable(self, now: datetime) -> None:
        """Refuse to pay unless the session is open or locked (by the paying customer), its
        token is alive and its cart has lines."""
        if self.status_at(now) != "locked":
            self.check_changeable(now)
        if now >= self.token_expires_at:
            raise DomainError(
                CHECKOUT_TOKEN_EXPIRED, f"Checkout {self.id}'s token has expired", Kind.STATE
            )
        if not self.lines:
            raise DomainError(CHECKOUT_EMPTY, f"Checkout {self.id} has no lines", Kind.RULE)

    def record(self, what: str, at: datetime, **details: Any) -> None:
        """Note an event of the session (shown on its back-office page)."""
        self.events.append({"type": what, "at": at.isoformat(), **details})


_REFUSALS: dict[Status, tuple[str, str]] = {
    "locked": (CHECKOUT_LOCKED, "is locked while the customer pays"),
    "completed": (CHECKOUT_COMPLETED, "is completed"),
    "onHold": (CHECKOUT_COMPLETED, "is completed (its order is on hold)"),
    "declined": (CHECKOUT_CLOSED, "was declined"),
    "abandoned": (CHECKOUT_CLOSED, "was abandoned"),
    "expired": (CHECKOUT_EXPIRED, "has expired"),
}


Moment = Literal["completed", "settled"]
"""When callbacks are queued: the session completed (an order made, authorised or on hold),
or its order on hold was settled (accepted or rejected by the provider's side)."""


@dataclass(frozen=True, slots=True)
class Outbound:
    """A request orderdesk sends the shop: ``body`` exact ("" sends none), ``headers`` over
    orderdesk's ``User-Agent`` (a body's ``Content-Type`` is the provider's to name)."""

    method: Literal["GET", "POST"]
    url: str  # placeholders already filled
    body: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Callback:
    """A callback to queue in ``deliveries`` (the outbox retries it, the delivery inbox shows,
    replays, delays and drops it). ``type``: its name in the inbox (e.g. ``checkout.push``);
    ``accept``: the statuses that count as delivered (None: the provider's
    ``Notifier.delivered``); ``until_acknowledged``: also retried until the order is
    acknowledged (Klarna's push); ``retry_schedule``: None, the provider's notifier's."""

    type: str
    request: Outbound
    accept: frozenset[int] | None = None
    until_acknowledged: bool = False
    retry_schedule: tuple[timedelta, ...] | None = None


@dataclass(frozen=True, slots=True)
class HookAnswer:
    """The shop's answer to a synchronous call (header names in lower case)."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the merchant's validation hook decided: ``message`` shown in the checkout,
    ``redirect_url`` where a rejection sends the customer (Klarna's 303 ``Location``)."""

    accepted: bool
    message: str = ""
    redirect_url: str | None = None


@dataclass(frozen=True, slots=True)
class Validation:
    """The merchant's validation hook, called before pay: the request, how long the shop
    has to answer, and the judge of its answer (None: no answer in time or no connection)."""

    request: Outbound
    timeout: timedelta
    judge: Callable[[HookAnswer | None], Verdict]


def fill(template: str, values: Mapping[str, str]) -> str:
    """``template`` with each ``{name}`` of ``values`` replaced (other braces kept): the
    shop's URLs' placeholders, e.g. ``{checkout.order.id}``."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template

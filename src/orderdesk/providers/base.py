"""The one interface every provider implements, and the registry that lists them.

A provider is a package ``providers/<name>/`` whose ``provider.PROVIDER`` is a
:class:`Provider`: its wire formats, routes, rules, statuses, notifications, tokens, demo data
and back-office forms. The core declares what it asks of a provider where it asks it —
``service/dialect.py::Dialect`` (the use cases and workers) and ``web/dialect.py::ApiDialect``
(the HTTP edge) — and :class:`Provider` is those two plus what the back-office, the sandbox and
the demo ask. Nothing outside ``providers/`` names a provider: it asks the :class:`Registry`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from importlib import import_module
from typing import Any, Protocol

from orderdesk.domain.lines import CaptureLine, Line
from orderdesk.domain.order import Chunk, Order
from orderdesk.service.dialect import Dialect, UnknownProvider
from orderdesk.service.replies import Presenter
from orderdesk.service.unit_of_work import Act
from orderdesk.web.answers import Reply
from orderdesk.web.dialect import ApiDialect


@dataclass(frozen=True, slots=True)
class CaptureForm:
    """What the back-office's capture form sent: the lines picked, or everything left."""

    picked: list[Line]
    everything: bool = False


@dataclass(frozen=True, slots=True)
class RefundForm:
    """What the back-office's refund forms sent: the lines chosen (ids), or an amount, or a
    capture (``chunk``) to refund whole or in part."""

    chosen: list[str]
    by_amount: bool = False
    amount: str = ""
    chunk: str = ""
    everything: bool = False


@dataclass(frozen=True, slots=True)
class RefundOffer:
    """The refunds the back-office offers on an order page: ``lines`` captured and not yet
    refunded (refunded by choosing them), an amount (``by_amount``), and per captured chunk
    the actions its own form may take (``chunks``: ledger id → ``partialRefund``, ``refund``).
    """

    lines: list[Line] = field(default_factory=list)
    by_amount: bool = False
    chunks: dict[str, list[str]] = field(default_factory=dict)


class Offer(StrEnum):
    """What the order page may offer on what is not captured (refunds: :class:`RefundOffer`)."""

    CAPTURE_LINES = "captureLines"  # capture chosen lines
    CAPTURE_ALL = "captureAll"  # capture everything left
    CANCEL = "cancel"
    EXTEND = "extend"


class Backoffice(Protocol):
    """The back-office's forms, run through the provider's own use cases."""

    def offers(self, order: Order, now: datetime) -> frozenset[Offer]:
        """What the provider's API would allow on the order at ``now`` (the store's now), so
        the page offers only what can succeed."""

    async def capture(
        self, act: Act, order: Order, form: CaptureForm, presenter: Presenter[Chunk]
    ) -> Reply:
        """The lines the capture form picked (or all that is left), as its clients ask."""

    def refund_offer(self, order: Order) -> RefundOffer: ...

    def refund_problem(self, order: Order, form: RefundForm) -> str | None:
        """What is wrong with the refund form itself (the rules judge the rest), or None."""

    async def refund(
        self, act: Act, order: Order, form: RefundForm, presenter: Presenter[Chunk]
    ) -> Reply:
        """The refund ``form`` asks for, as its clients ask."""

    async def cancel(self, act: Act, presenter: Presenter[int]) -> Reply: ...

    async def extend(self, act: Act, presenter: Presenter[datetime]) -> Reply: ...


#: A shell pipe that prints the access token of a token endpoint's JSON answer.
TOKEN_FROM_JSON = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])'"


@dataclass(frozen=True, slots=True)
class DemoStore:
    store_id: str
    country: str
    currency: str


@dataclass(frozen=True, slots=True)
class DemoOrder:
    """The order the demo makes in the provider's demo store."""

    lines: list[CaptureLine]
    total: int
    total_vat: int | None
    merchant_reference: str
    payment_method: str


class Demo(Protocol):
    """The provider's part of the demo data ``orderdesk serve`` makes and prints."""

    @property
    def store(self) -> DemoStore: ...

    @property
    def order(self) -> DemoOrder: ...

    def kept(self, order: Order) -> dict[str, str]:
        """What its walkthrough needs of the order made (kept in ``demo_data``): the id as
        ``order``, and whatever else."""

    def walkthrough(self, kept: Mapping[str, str], base: str, client_id: str, secret: str) -> str:
        """Ready-to-paste commands: a token, the order, a capture."""


class Provider(Dialect, ApiDialect, Protocol):
    @property
    def title(self) -> str:
        """The provider's name as people write it."""

    @property
    def statuses(self) -> Sequence[str]:
        """Every status the API shows (the back-office filters on them)."""

    @property
    def status_words(self) -> Mapping[str, str]:
        """Each status in plain words that say more than its name (the pages show both)."""

    @property
    def explained(self) -> Mapping[str, str]:
        """The provider's own error codes in plain words (the back-office's refusals)."""

    def statuses_of(self, order: Order, now: datetime) -> list[str]:
        """The order's statuses as its API shows them at ``now``."""

    def status_sql(self, status: str, now: str) -> str:
        """The orders ``statuses_of`` shows in ``status`` (one of ``statuses``), as an SQL
        condition on the columns of a row ``o`` of ``orders`` at ``now`` (an SQL expression:
        the store's now); the back-office's list filters on it and shows each row's."""

    def order_path(self, order_id: str) -> str:
        """Where the order is in the provider's API."""

    @property
    def order_shape(self) -> Callable[[bytes], dict[str, Any]] | None:
        """The provider's own order body for ``POST /sandbox/orders`` (raw JSON) made into
        the sandbox's common one (which then validates it), refused as ``web/bodies.py``
        refuses a body; None: its stores take the common body only."""

    @property
    def backoffice(self) -> Backoffice: ...

    @property
    def demo(self) -> Demo: ...


class Registry(Mapping[str, Provider]):
    """The installed providers by name, in the order listed; an unknown name raises
    :class:`UnknownProvider` (never a fall-through to some other provider)."""

    def __init__(self, *providers: Provider) -> None:
        self._by_name = {provider.name: provider for provider in providers}
        if len(self._by_name) != len(providers):
            raise ValueError("two providers have the same name")

    def __getitem__(self, name: str) -> Provider:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownProvider(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def names(self) -> list[str]:
        return list(self._by_name)

    @classmethod
    def load(cls, modules: Sequence[str]) -> Registry:
        """The providers of ``modules``, each a module with a ``PROVIDER``."""
        return cls(*(import_module(module).PROVIDER for module in modules))

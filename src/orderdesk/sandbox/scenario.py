"""Scenario files (``orderdesk seed FILE``): merchants, stores, credentials and orders.

Seeding is idempotent: merchants are found again by ``name``, stores by ``id``, credentials
by ``clientId`` (or ``name``), orders by store and ``reference``; what exists is reported,
not made again. It is all or nothing: what the file alone can get wrong is refused when it is
read, a store or credential the database holds for another merchant before the first write;
the merchants, stores and credentials are then one transaction, and each order and its record
one more (a seed stopped among its orders makes the rest when run again). The format is
documented in the README and in ``examples/scenario.yaml``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Callable, Hashable, Iterable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import asyncpg
import orjson
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from orderdesk.auth.credentials import create_credential
from orderdesk.domain.errors import DomainError
from orderdesk.domain.lines import MAX_LINES, MAX_QUANTITY, CaptureLine, priced_line
from orderdesk.domain.money import MAX_MINOR, is_currency
from orderdesk.providers.registry import PROVIDERS
from orderdesk.sandbox.wire import Country, Currency, Customer, StoreId, installed
from orderdesk.service import sandbox
from orderdesk.service.unit_of_work import UnitOfWork
from orderdesk.store import merchants
from orderdesk.store.db import create_pool
from orderdesk.store.merchants import Credential, Store
from orderdesk.web.bodies import LineText, LineType, Vat

MAX_ORDERS = 1_000_000
LISTED = 20  # order ids printed in text output; --json lists them all
H = TypeVar("H", bound=Hashable)


class ScenarioError(Exception):
    """The scenario file cannot be read or does not have the documented shape."""


# -- the file format -------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LineSpec(_Model):
    reference: LineText = Field(min_length=1)
    description: LineText = ""
    quantity: int = Field(1, ge=1, le=MAX_QUANTITY)
    unitPrice: int = Field(ge=0, description="minor units, VAT included")
    vat: Vat = 2500
    type: LineType = "physical"

    def line(self) -> CaptureLine:
        made = priced_line(
            self.reference, self.description, self.quantity, self.unitPrice, self.vat
        )
        return CaptureLine(
            made.id,
            made.reference,
            made.description,
            self.type,
            made.quantity,
            made.unit_price,
            made.unit_discount,
            made.total_amount,
            made.vat,
            made.total_vat,
        )


class OrderSpec(_Model):
    store: str
    reference: str = Field(min_length=1, max_length=50)
    count: int | None = Field(None, ge=1, le=MAX_ORDERS)
    lines: list[LineSpec] = Field(min_length=1, max_length=MAX_LINES)
    customer: Customer = Field(default_factory=Customer)
    paymentMethod: str | None = Field(None, max_length=40)

    @model_validator(mode="after")
    def _numbered(self) -> OrderSpec:
        if self.count is not None and "{n}" not in self.reference:
            raise ValueError("an order with 'count' needs '{n}' in its reference")
        total = sum(line.quantity * line.unitPrice for line in self.lines)
        if not 0 < total <= MAX_MINOR:
            raise ValueError(f"an order must be worth more than 0 and at most {MAX_MINOR}")
        return self

    def references(self) -> list[str]:
        """Its merchant references: ``reference``, or with ``count`` one for each ``{n}``."""
        if self.count is None:
            return [self.reference]
        return [self.reference.replace("{n}", str(n)) for n in range(1, self.count + 1)]


class StoreSpec(_Model):
    id: StoreId
    provider: str

    @field_validator("provider")
    @classmethod
    def _installed(cls, provider: str) -> str:
        return installed(provider)

    country: Country = "SE"
    currency: Currency = "SEK"
    segment: Literal["B2C", "B2B"] = "B2C"

    @field_validator("currency")
    @classmethod
    def _iso(cls, currency: str) -> str:
        if not is_currency(currency):
            raise ValueError(f"{currency!r} is not an ISO 4217 currency")
        return currency


class CredentialSpec(_Model):
    name: str | None = None
    clientId: str | None = Field(None, pattern=r"^[0-9A-Za-z_.-]{1,100}$")
    clientSecret: str | None = Field(None, min_length=16)
    stores: list[str] | None = Field(None, description="default: all, later stores included")

    @property
    def key(self) -> str:
        return self.clientId or self.name or "default"


class MerchantSpec(_Model):
    name: str = Field(min_length=1, max_length=200)
    stores: list[StoreSpec] = Field(default_factory=list)
    credentials: list[CredentialSpec] = Field(default_factory=list)
    orders: list[OrderSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _own_stores(self) -> MerchantSpec:
        providers = {store.id: PROVIDERS[store.provider] for store in self.stores}
        for order in self.orders:
            if order.store not in providers:
                raise ValueError(f"order {order.reference!r}: store {order.store!r} is not listed")
            methods = providers[order.store].payment_methods
            method = order.paymentMethod
            if methods is not None and method is not None and method not in methods:
                raise ValueError(
                    f"order {order.reference!r}: paymentMethod {method!r} is not one of "
                    f"{', '.join(methods)}"
                )
        return self


class Scenario(_Model):
    merchants: list[MerchantSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_once(self) -> Scenario:
        """Store ids, client ids and each store's order references are listed once."""
        stores = [store.id for merchant in self.merchants for store in merchant.stores]
        clients = [c.clientId for m in self.merchants for c in m.credentials if c.clientId]
        orders = [order for merchant in self.merchants for order in merchant.orders]
        if sum(order.count or 1 for order in orders) > MAX_ORDERS:
            raise ValueError(f"at most {MAX_ORDERS} orders per file")
        for what, ids in (("store", stores), ("clientId", clients)):
            if (twice := _twice(ids)) is not None:
                raise ValueError(f"{what} {twice!r} is listed twice")
        if (order := _twice((o.store, ref) for o in orders for ref in o.references())) is not None:
            raise ValueError(f"order {order[1]!r} of store {order[0]!r} is listed twice")
        return self


def _twice(listed: Iterable[H]) -> H | None:
    """The first item ``listed`` holds a second time, if any."""
    seen: set[H] = set()
    for item in listed:
        if item in seen:
            return item
        seen.add(item)
    return None


def load(path: Path) -> Scenario:
    """Read and check a YAML (``.yaml``, ``.yml``) or JSON file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = orjson.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (orjson.JSONDecodeError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0]
        kind = "JSON" if path.suffix == ".json" else "YAML"
        raise ScenarioError(f"{path} is not valid {kind}: {first}") from None
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "the file"
        raise ScenarioError(f"{path}: {where}: {error['msg']}") from None


# -- what was made ---------------------------------------------------------------------------


@dataclass
class Report:
    merchants: list[dict[str, Any]] = field(default_factory=list)
    stores: list[dict[str, Any]] = field(default_factory=list)
    credentials: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> str:
        return orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2).decode()

    def as_text(self) -> str:
        out = []
        for m in self.merchants:
            out.append(f"merchant {m['merchantId']} {m['name']!r} ({_state(m)})")
        for s in self.stores:
            out.append(f"store {s['storeId']} {s['provider']} ({_state(s)})")
        for c in self.credentials:
            stores = "all stores" if c["allStores"] else ", ".join(c["storeIds"])
            secret = c["clientSecret"] or "(not shown: made by an earlier seed)"
            out.append(f"credential {c['clientId']} secret {secret} for {stores} ({_state(c)})")
        made = sum(1 for o in self.orders if o["new"])
        out.append(f"orders: {made} made, {len(self.orders) - made} already there")
        for o in self.orders[:LISTED]:
            out.append(f"  order {o['orderId']} store {o['storeId']} reference {o['reference']}")
        if len(self.orders) > LISTED:
            out.append(f"  … and {len(self.orders) - LISTED} more (--json lists them all)")
        return "\n".join(out)


def _state(entry: dict[str, Any]) -> str:
    return "new" if entry["new"] else "exists"


# -- seeding ---------------------------------------------------------------------------------


class _OneConnection:
    """Lets a service function that takes a pool run on one connection (inside our
    transaction): its own transaction becomes a savepoint."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        yield self.conn


def _pool(conn: asyncpg.Connection) -> asyncpg.Pool:
    return cast(asyncpg.Pool, _OneConnection(conn))


async def _seeded(conn: asyncpg.Connection, kind: str, scope: str, name: str) -> str | None:
    value: str | None = await conn.fetchval(
        "SELECT id FROM seeded WHERE kind=$1 AND scope=$2 AND name=$3", kind, scope, name
    )
    return value


async def _record(conn: asyncpg.Connection, kind: str, scope: str, name: str, id_: str) -> None:
    await conn.execute(
        "INSERT INTO seeded (kind, scope, name, id) VALUES ($1,$2,$3,$4)", kind, scope, name, id_
    )


@dataclass(frozen=True, slots=True)
class _Taken:
    """A store or credential id of the file that the database holds for another merchant."""

    what: str
    id: str
    owner: str  # merchant ac_… ('its name')
    wanted_by: str  # the file's merchant


@dataclass
class _Held:
    """What the database holds of the file before the first write."""

    stores: set[str] = field(default_factory=set)  # of the merchant the file gives them
    taken: list[_Taken] = field(default_factory=list)


async def _owner(conn: asyncpg.Connection, merchant_id: str) -> str:
    name = await conn.fetchval("SELECT name FROM merchants WHERE id=$1", merchant_id)
    return f"merchant {merchant_id} ({name!r})"


async def _held(conn: asyncpg.Connection, specs: list[MerchantSpec]) -> _Held:
    """Which stores of the file exist, and which ids are another merchant's (made by the
    sandbox API, the demo data or another file)."""
    held = _Held()
    for spec in specs:
        merchant_id = await _seeded(conn, "merchant", "", spec.name)
        for store in spec.stores:
            found = await merchants.get_store(conn, store.id)
            if found is not None and found.merchant_id == merchant_id:
                held.stores.add(store.id)
            elif found is not None:
                owner = await _owner(conn, found.merchant_id)
                held.taken.append(_Taken("store", store.id, owner, spec.name))
        for credential in spec.credentials:
            other = await _not_seeded(conn, merchant_id, credential)
            if other is not None:
                owner = await _owner(conn, other.merchant_id)
                held.taken.append(_Taken("credential", other.client_id, owner, spec.name))
    return held


async def _not_seeded(
    conn: asyncpg.Connection, merchant_id: str | None, spec: CredentialSpec
) -> Credential | None:
    """The credential of ``spec``'s clientId, when one exists that seeding this merchant did
    not make."""
    if spec.clientId is None:
        return None
    if merchant_id is not None and await _seeded(conn, "credential", merchant_id, spec.key):
        return None
    return await merchants.get_credential(conn, spec.clientId)


def _refusal(taken: list[_Taken]) -> str:
    """One line: each id that is taken and whose, then what to do."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for t in taken:
        groups.setdefault((t.what, t.owner, t.wanted_by), []).append(t.id)
    parts = []
    for (what, owner, wanted_by), ids in groups.items():
        if len(ids) == 1:
            parts.append(f"{what} {ids[0]} already exists and belongs")
        else:
            listed = ", ".join(ids[:-1]) + " and " + ids[-1]
            parts.append(f"{what}s {listed} already exist and belong")
        parts[-1] += f" to {owner}, not to {wanted_by!r}"
    them = "it another id" if len(taken) == 1 else "them other ids"
    return (
        f"{'; '.join(parts)}; nothing was written. Give {them} in the file, or seed onto an "
        "empty database (another DATABASE_URL, or another ORDERDESK_DATA_DIR for the embedded "
        "one)"
    )


async def _accounts(pool: asyncpg.Pool, specs: list[MerchantSpec], report: Report) -> None:
    """The merchants, their stores and credentials: every conflict is looked for before the
    first write, and all of them are written in one transaction."""
    async with pool.acquire() as conn, conn.transaction():
        for name in sorted({spec.name for spec in specs}):  # two seeds of one file: one waits
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('seed:' || $1))", name)
        held = await _held(conn, specs)
        if held.taken:
            raise ScenarioError(_refusal(held.taken))
        try:
            for spec in specs:
                merchant_id = await _merchant(conn, spec, report)
                for store in spec.stores:
                    await _store(conn, merchant_id, store, store.id in held.stores, report)
                for credential in spec.credentials:
                    await _credential(conn, merchant_id, credential, report)
        except DomainError as exc:
            raise ScenarioError(f"{exc.code}: {exc.message}; nothing was written") from None


async def _merchant(conn: asyncpg.Connection, spec: MerchantSpec, report: Report) -> str:
    found = await _seeded(conn, "merchant", "", spec.name)
    merchant_id = found or await sandbox.create_merchant(_pool(conn), spec.name)
    if found is None:
        await _record(conn, "merchant", "", spec.name, merchant_id)
    report.merchants.append({"merchantId": merchant_id, "name": spec.name, "new": found is None})
    return merchant_id


async def _store(
    conn: asyncpg.Connection, merchant_id: str, spec: StoreSpec, exists: bool, report: Report
) -> None:
    if not exists:
        store = Store(
            spec.id, merchant_id, spec.provider, spec.country, spec.currency, spec.segment
        )
        await sandbox.create_store(_pool(conn), PROVIDERS, store)
    report.stores.append({"storeId": spec.id, "provider": spec.provider, "new": not exists})


async def _credential(
    conn: asyncpg.Connection, merchant_id: str, spec: CredentialSpec, report: Report
) -> None:
    found = await _seeded(conn, "credential", merchant_id, spec.key)
    if found is not None:
        existing = await merchants.get_credential(conn, found)
        assert existing is not None
        report.credentials.append(
            {
                "name": spec.key,
                "clientId": found,
                "clientSecret": spec.clientSecret,
                "storeIds": list(existing.store_ids),
                "allStores": existing.all_stores,
                "new": False,
            }
        )
        return
    made = await create_credential(
        conn, merchant_id, spec.stores, client_id=spec.clientId, secret=spec.clientSecret
    )
    await _record(conn, "credential", merchant_id, spec.key, made.client_id)
    report.credentials.append(
        {
            "name": spec.key,
            "clientId": made.client_id,
            "clientSecret": made.client_secret,
            "storeIds": list(made.store_ids),
            "allStores": made.all_stores,
            "new": True,
        }
    )


class Progress:
    """A progress bar on stderr when it is a terminal (at most ten redraws a second)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.shown = total, 0, 0.0
        self.enabled = enabled and total > 0 and sys.stderr.isatty()

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.enabled and (now - self.shown > 0.1 or self.done == self.total):
            self.shown = now
            filled = 30 * self.done // self.total
            sys.stderr.write(
                f"\rorders [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}"
            )
            if self.done == self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


async def _orders(
    pool: asyncpg.Pool,
    specs: list[OrderSpec],
    report: Report,
    concurrency: int,
    progress: Callable[[int], Progress],
) -> None:
    wanted = [(reference, spec) for spec in specs for reference in spec.references()]
    existing: dict[tuple[str, str], str] = {}
    async with pool.acquire() as conn:
        for store in {spec.store for spec in specs}:
            rows = await conn.fetch(
                "SELECT name, id FROM seeded WHERE kind='order' AND scope=$1", store
            )
            existing.update({(store, row["name"]): row["id"] for row in rows})
    bar = progress(sum(1 for ref, spec in wanted if (spec.store, ref) not in existing))
    results: dict[tuple[str, str], tuple[str, bool]] = {
        key: (order_id, False) for key, order_id in existing.items()
    }
    todo = [(ref, spec) for ref, spec in wanted if (spec.store, ref) not in existing]
    lines_of: dict[int, list[CaptureLine]] = {}

    async def make(reference: str, spec: OrderSpec) -> None:
        lines = lines_of.setdefault(id(spec), [line.line() for line in spec.lines])
        request = sandbox.NewOrder(
            store_id=spec.store,
            lines=lines,
            total=sum(line.total_amount for line in lines),
            total_vat=sum(line.total_vat for line in lines),
            merchant_reference=reference,
            customer=spec.customer.model_dump(exclude_none=True),
            payment_method=spec.paymentMethod,
            expires_at=None,
        )
        async with pool.acquire() as conn, conn.transaction():
            uow = UnitOfWork(_pool(conn), PROVIDERS)
            order, _ = await sandbox.create_order(uow, request)
            await _record(conn, "order", spec.store, reference, order.id)
        results[(spec.store, reference)] = (order.id, True)
        bar.step()

    queue = iter(todo)

    async def worker() -> None:
        for reference, spec in queue:
            await make(reference, spec)

    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(todo))))))
    for reference, spec in wanted:
        order_id, new = results[(spec.store, reference)]
        report.orders.append(
            {"orderId": order_id, "storeId": spec.store, "reference": reference, "new": new}
        )


async def run(
    url: str,
    scenario: Scenario,
    *,
    concurrency: int = 8,
    progress: bool = True,
    pgbouncer: bool = False,
) -> Report:
    """Seed ``scenario`` into the database at ``url``; raises ScenarioError on a conflict (a
    conflict with what the database holds writes nothing)."""
    report = Report()
    pool = await create_pool(url, min_size=1, max_size=concurrency + 1, pgbouncer=pgbouncer)
    orders = [order for merchant in scenario.merchants for order in merchant.orders]
    try:
        await _accounts(pool, scenario.merchants, report)
        await _orders(pool, orders, report, concurrency, lambda n: Progress(n, progress))
    except DomainError as exc:
        raise ScenarioError(f"{exc.code}: {exc.message}") from None
    finally:
        await pool.close()
    return report

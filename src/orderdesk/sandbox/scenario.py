"""Scenario files (``orderdesk seed FILE``): merchants, stores, credentials and orders.

Seeding is idempotent: merchants are found again by ``name``, stores by ``id``, credentials
by ``clientId`` (or ``name``), orders by store and ``reference``; what exists is reported,
not made again. Each order and its record are written in one transaction. The format is
documented in the README and in ``examples/scenario.yaml``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

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
from orderdesk.domain.lines import CaptureLine, priced_line
from orderdesk.providers.registry import PROVIDERS
from orderdesk.sandbox.wire import installed
from orderdesk.service import sandbox
from orderdesk.service.unit_of_work import UnitOfWork
from orderdesk.store import merchants
from orderdesk.store.db import create_pool
from orderdesk.store.merchants import Store

MAX_ORDERS = 1_000_000
LISTED = 20  # order ids printed in text output; --json lists them all


class ScenarioError(Exception):
    """The scenario file cannot be read or does not have the documented shape."""


# -- the file format -------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LineSpec(_Model):
    reference: str = Field(min_length=1, max_length=255)
    description: str = Field("", max_length=255)
    quantity: int = Field(1, ge=1, le=1_000_000)
    unitPrice: int = Field(ge=0, description="minor units, VAT included")
    vat: int = Field(2500, ge=0, le=10000, description="basis points")
    type: str = "physical"

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
    lines: list[LineSpec] = Field(min_length=1)
    customer: dict[str, Any] = Field(default_factory=dict)
    paymentMethod: str | None = None

    @model_validator(mode="after")
    def _numbered(self) -> OrderSpec:
        if self.count is not None and "{n}" not in self.reference:
            raise ValueError("an order with 'count' needs '{n}' in its reference")
        return self


class StoreSpec(_Model):
    id: str = Field(pattern=r"^[0-9A-Za-z_-]{1,40}$")
    provider: str

    @field_validator("provider")
    @classmethod
    def _installed(cls, provider: str) -> str:
        return installed(provider)

    country: str = Field("SE", pattern=r"^[A-Z]{2}$")
    currency: str = Field("SEK", pattern=r"^[A-Z]{3}$")
    segment: Literal["B2C", "B2B"] = "B2C"


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
        own = {store.id for store in self.stores}
        for order in self.orders:
            if order.store not in own:
                raise ValueError(f"order {order.reference!r}: store {order.store!r} is not listed")
        return self


class Scenario(_Model):
    merchants: list[MerchantSpec] = Field(min_length=1)


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


async def _seeded(conn: asyncpg.Connection, kind: str, scope: str, name: str) -> str | None:
    value: str | None = await conn.fetchval(
        "SELECT id FROM seeded WHERE kind=$1 AND scope=$2 AND name=$3", kind, scope, name
    )
    return value


async def _record(conn: asyncpg.Connection, kind: str, scope: str, name: str, id_: str) -> None:
    await conn.execute(
        "INSERT INTO seeded (kind, scope, name, id) VALUES ($1,$2,$3,$4)", kind, scope, name, id_
    )


async def _merchant(pool: asyncpg.Pool, spec: MerchantSpec, report: Report) -> str:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('seed:' || $1))", spec.name)
        found = await _seeded(conn, "merchant", "", spec.name)
        if found is None:
            found = await sandbox.create_merchant(
                cast(asyncpg.Pool, _OneConnection(conn)), spec.name
            )
            await _record(conn, "merchant", "", spec.name, found)
            report.merchants.append({"merchantId": found, "name": spec.name, "new": True})
        else:
            report.merchants.append({"merchantId": found, "name": spec.name, "new": False})
    return found


async def _store(pool: asyncpg.Pool, merchant_id: str, spec: StoreSpec, report: Report) -> None:
    async with pool.acquire() as conn:
        existing = await merchants.get_store(conn, spec.id)
    if existing is not None and existing.merchant_id != merchant_id:
        raise ScenarioError(
            f"store {spec.id} exists and belongs to merchant {existing.merchant_id}"
        )
    if existing is None:
        store = Store(
            spec.id, merchant_id, spec.provider, spec.country, spec.currency, spec.segment
        )
        await sandbox.create_store(pool, PROVIDERS, store)
    report.stores.append({"storeId": spec.id, "provider": spec.provider, "new": existing is None})


async def _credential(
    pool: asyncpg.Pool, merchant_id: str, spec: CredentialSpec, report: Report
) -> None:
    async with pool.acquire() as conn, conn.transaction():
        found = await _seeded(conn, "credential", merchant_id, spec.key)
        if found is None and spec.clientId is not None:
            existing = await merchants.get_credential(conn, spec.clientId)
            if existing is not None:
                raise ScenarioError(f"credential {spec.clientId} exists and was not seeded here")
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


def _expand(spec: OrderSpec) -> list[tuple[str, OrderSpec]]:
    if spec.count is None:
        return [(spec.reference, spec)]
    return [(spec.reference.replace("{n}", str(n)), spec) for n in range(1, spec.count + 1)]


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
    wanted = [item for spec in specs for item in _expand(spec)]
    if len(wanted) > MAX_ORDERS:
        raise ScenarioError(f"{len(wanted)} orders: at most {MAX_ORDERS} per file")
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
            customer=spec.customer,
            payment_method=spec.paymentMethod or "invoice",
            expires_at=None,
        )
        async with pool.acquire() as conn, conn.transaction():
            uow = UnitOfWork(cast(asyncpg.Pool, _OneConnection(conn)), PROVIDERS)
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
    """Seed ``scenario`` into the database at ``url``; raises ScenarioError on a conflict."""
    report = Report()
    pool = await create_pool(url, min_size=1, max_size=concurrency + 1, pgbouncer=pgbouncer)
    try:
        for spec in scenario.merchants:
            merchant_id = await _merchant(pool, spec, report)
            for store in spec.stores:
                await _store(pool, merchant_id, store, report)
            for credential in spec.credentials:
                await _credential(pool, merchant_id, credential, report)
            await _orders(pool, spec.orders, report, concurrency, lambda n: Progress(n, progress))
    except DomainError as exc:
        raise ScenarioError(f"{exc.code}: {exc.message}") from None
    finally:
        await pool.close()
    return report

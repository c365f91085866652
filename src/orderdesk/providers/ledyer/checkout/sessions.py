"""Ledyer's order sessions as use cases: the store a session is made in, the checks of its
totals, and the session named by a path (its ``orderId``, as the plugins send it, or its
``sessionId``, as the docs write it), for a caller who may see it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from orderdesk.auth.tokens import Principal
from orderdesk.domain import checkout as c
from orderdesk.domain import errors as e
from orderdesk.domain import ids
from orderdesk.domain.checkout import CheckoutSession
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.lines import CaptureLine, check_lines_total
from orderdesk.providers.ledyer import NAME
from orderdesk.providers.ledyer.checkout import views
from orderdesk.providers.ledyer.checkout.wire import CreateSessionBody, UpdateSessionBody
from orderdesk.providers.ledyer.responses import LedyerPaymentStatus
from orderdesk.providers.ledyer.rules import PaymentMethod, PaymentStatus
from orderdesk.service import checkout
from orderdesk.service.checkout import NewCheckout
from orderdesk.service.unit_of_work import UnitOfWork
from orderdesk.store import checkouts

MAX_REFERENCE = 50
#: The roles of the shop's URLs in Ledyer's ``settings.urls`` (``validate`` is the hook).
URL_ROLES = {
    "confirmation": "confirmation",
    "notification": "notification",
    "validate_": "validation",
    "terms": "terms",
    "privacy": "privacy",
}
CURRENCY_NOT_SUPPORTED = "CURRENCY_NOT_SUPPORTED"
STORE_NOT_FOUND = "STORE_NOT_FOUND"


def _session_not_found(name: str) -> DomainError:
    return DomainError(e.ORDER_NOT_FOUND, f"Session {name} was not found", Kind.NOT_FOUND)


async def choose_store(
    pool: asyncpg.Pool, principal: Principal, store_id: str | None, country: str, currency: str
) -> str:
    """The caller's Ledyer store: the one named, else the only one for the country and
    currency (Ledyer: ``storeId`` is "only needed with several stores" for them)."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT id, country, currency FROM stores WHERE provider = $1 AND id = ANY($2::text[])"
            " ORDER BY id",
            NAME,
            sorted(principal.store_ids),
        )
    if store_id:
        for row in rows:
            if row["id"] == store_id:
                if row["currency"] != currency:
                    raise DomainError(
                        CURRENCY_NOT_SUPPORTED,
                        f"Store {store_id} takes {row['currency']}, not {currency}",
                        Kind.RULE,
                        "currency",
                    )
                return store_id
        raise DomainError(
            e.FORBIDDEN, f"This credential may not use store {store_id}", Kind.FORBIDDEN, "storeId"
        )
    matching = [
        row["id"] for row in rows if (row["country"], row["currency"]) == (country, currency)
    ]
    if len(matching) == 1:
        return str(matching[0])
    if not matching:
        raise DomainError(
            STORE_NOT_FOUND,
            f"This credential has no Ledyer store for {country} and {currency}",
            Kind.RULE,
            "storeId",
        )
    raise DomainError(
        STORE_NOT_FOUND,
        f"Several stores sell in {country} and {currency}: name one in storeId",
        Kind.RULE,
        "storeId",
    )


def check_totals(lines: list[CaptureLine], body: UpdateSessionBody) -> None:
    """The three totals against the lines: the sum, the VAT and total − VAT. The WooCommerce
    plugin leaves a gift card without VAT out of ``totalOrderAmountExclVat``; that is taken
    too (docs/decisions.md)."""
    check_lines_total(lines, body.totalOrderAmount, "totalOrderAmount")
    vat = sum(line.total_vat for line in lines)
    if body.totalOrderVatAmount != vat:
        raise DomainError(
            e.TOTAL_AMOUNT_MISMATCH,
            f"totalOrderVatAmount {body.totalOrderVatAmount} is not the sum of the lines'"
            f" totalVatAmount ({vat})",
            field="totalOrderVatAmount",
        )
    vouchers = sum(
        line.total_amount
        for line in lines
        if line.type == "giftCard" and line.vat == 0 and line.total_amount < 0
    )
    if body.totalOrderAmountExclVat not in (
        body.totalOrderAmount - vat,
        body.totalOrderAmount - vouchers - vat,
    ):
        raise DomainError(
            e.TOTAL_AMOUNT_MISMATCH,
            "totalOrderAmountExclVat must be totalOrderAmount − totalOrderVatAmount",
            field="totalOrderAmountExclVat",
        )
    if body.reference is not None and len(body.reference) > MAX_REFERENCE:
        raise DomainError(
            e.REFERENCE_TOO_LONG,
            f"reference is at most {MAX_REFERENCE} characters",
            field="reference",
        )


def _urls(body: UpdateSessionBody) -> dict[str, str]:
    urls = body.settings.urls if body.settings is not None else None
    if urls is None:
        return {}
    return {role: value for name, role in URL_ROLES.items() if (value := getattr(urls, name))}


def _settings(body: UpdateSessionBody) -> dict[str, Any]:
    if body.settings is None:
        return {}
    return body.settings.model_dump(by_alias=True, exclude_none=True)


async def create(uow: UnitOfWork, principal: Principal, body: CreateSessionBody) -> CheckoutSession:
    lines = [line.command() for line in body.orderLines or []]
    check_totals(lines, body)
    store_id = await choose_store(uow.pool, principal, body.storeId, body.country, body.currency)
    customer: dict[str, Any] = {}
    if body.customer is not None:
        customer = body.customer.model_dump(exclude_none=True)
        if "ssn" in customer:
            customer["nationalId"] = customer["ssn"]
    session_id = ids.prefixed(ids.SESSION)
    data: dict[str, Any] = {
        "merchantId": principal.merchant_id,
        "locale": body.locale,
        "settings": _settings(body),
    }
    if body.autoCapture is not None:
        data["autoCapture"] = body.autoCapture.model_dump()
    return await checkout.create(
        uow,
        NewCheckout(
            store_id=store_id,
            lines=lines,
            customer=customer,
            reference=body.reference or "",
            urls=_urls(body),
            metadata=body.metadata or {},
            data=data,
            session_id=session_id,
            token=session_id,
            order_id=ids.prefixed(ids.ORDER),
            country=body.country,
            currency=body.currency,
        ),
    )


async def find(
    pool: asyncpg.Pool, principal: Principal, name: str
) -> tuple[CheckoutSession, datetime]:
    """The Ledyer session named ``name`` (``or_…`` or ``se_…``) that the caller may see, and
    its store's now."""
    if "\x00" in name:  # PostgreSQL's text cannot hold it: no session has it
        raise _session_not_found(name)
    async with pool.acquire() as conn:
        if name.startswith(f"{ids.SESSION}_"):
            loaded = await checkouts.get(conn, name)
        else:
            loaded = await checkouts.by_order(conn, name)
    if loaded is None or loaded.session.provider != NAME:
        raise _session_not_found(name)
    if not principal.may_use(loaded.session.store_id):
        raise DomainError(
            e.FORBIDDEN, "This credential may not act on the session's store", Kind.FORBIDDEN
        )
    return loaded.session, datetime.now(UTC) + loaded.clock


def pending_status(session: CheckoutSession, now: datetime) -> LedyerPaymentStatus | None:
    """The payment status of a session whose order is not made yet: ``orderInitiated`` while
    the customer has not paid, ``orderPending`` while it awaits a signatory (the hosted
    checkout's signing step locks it), ``unknown`` once declined, abandoned or expired; None
    once the order exists (its own status says it)."""
    state = views.state(session, now)
    if state in ("completed", "onHold") or (state == "declined" and session.completed_at):
        return None
    status, note = _PENDING[state]
    method = str(session.customer.get("paymentMethod") or PaymentMethod.INVOICE)
    return {"note": note, "paymentMethod": {"provider": NAME, "type": method}, "status": status}


_PENDING = {
    "open": (PaymentStatus.ORDER_INITIATED, "Awaiting the customer"),
    "locked": (PaymentStatus.ORDER_PENDING, "Awaiting signature"),
    "declined": (PaymentStatus.UNKNOWN, "Declined"),
    "abandoned": (PaymentStatus.UNKNOWN, "Abandoned"),
    "expired": (PaymentStatus.UNKNOWN, "Expired"),
}


def apply_update(session: CheckoutSession, body: UpdateSessionBody, now: datetime) -> None:
    """The update on the session (refused as a whole: nothing is written)."""
    if views.state(session, now) == "expired":
        raise DomainError(c.CHECKOUT_EXPIRED, f"Session {session.id} has expired", Kind.STATE)
    lines = session.lines
    if body.orderLines is not None:
        lines = [line.command() for line in body.orderLines]
    check_totals(lines, body)
    if body.currency is not None and body.currency != session.currency:
        raise DomainError(
            CURRENCY_NOT_SUPPORTED,
            f"The session's store takes {session.currency}, not {body.currency}",
            Kind.RULE,
            "currency",
        )
    session.lines = lines
    session.country = body.country or session.country
    session.reference = session.reference if body.reference is None else body.reference
    session.metadata = session.metadata if body.metadata is None else body.metadata
    if body.locale is not None:
        session.data["locale"] = body.locale
    if body.settlementReference is not None:
        session.data["settlementReference"] = body.settlementReference
    if body.settings is not None:
        session.data["settings"] = {**session.data.get("settings", {}), **_settings(body)}
        session.urls = {**session.urls, **_urls(body)}
    session.record("updated", now)


async def update(
    uow: UnitOfWork, principal: Principal, name: str, body: UpdateSessionBody
) -> CheckoutSession:
    """Apply an update; while the customer pays too (Ledyer documents no lock: the WooCommerce
    plugin updates the session from its client validation), never once it is authorised."""
    found, _ = await find(uow.pool, principal, name)
    return await checkout.update(
        uow.pool, found.id, lambda session, now: apply_update(session, body, now), while_locked=True
    )


async def loader_settings(pool: asyncpg.Pool, token: str) -> dict[str, bool] | None:
    """What the loader of the Ledyer session with this token needs: whether the shop asked
    for client validation, and whether the scenario loses the redirect."""
    if "\x00" in token:
        return None
    async with pool.acquire() as conn:
        loaded = await checkouts.by_token(conn, token)
    if loaded is None or loaded.session.provider != NAME:
        return None
    session = loaded.session
    security = session.data.get("settings", {}).get("security", {})
    return {
        "requireClientValidation": security.get("requireClientValidation") is True,
        "lostRedirect": session.scenario.redirect == "lost",
    }

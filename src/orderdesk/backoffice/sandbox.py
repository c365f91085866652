"""The sandbox page: merchants, stores, credentials and orders made by hand."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from orderdesk.auth import credentials
from orderdesk.backoffice import pages, words
from orderdesk.backoffice.pages import PREFIX
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.lines import CaptureLine
from orderdesk.domain.money import MoneyFormatError, exponent, parse_decimal_text
from orderdesk.domain.money import to_minor as money_to_minor
from orderdesk.domain.order import Order
from orderdesk.domain.vat import vat_amount
from orderdesk.providers.registry import PROVIDERS
from orderdesk.sandbox.wire import StoreBody
from orderdesk.service import sandbox
from orderdesk.service.unit_of_work import UnitOfWork
from orderdesk.store import merchants
from orderdesk.store.merchants import Store
from orderdesk.web.bodies import validate

ROUTES = pages.routes()


async def sandbox_page(
    request: Request,
    problem: str | None = None,
    status: int = 200,
    secret: credentials.NewCredential | None = None,
    entered: FormData | None = None,
) -> Response:
    session = await pages.session(request)
    async with pages.pool(request).acquire() as conn:
        found = await merchants.list_merchants(conn)
    stores = [store for merchant in found for store in merchant.stores]
    response = pages.render(
        request,
        "sandbox.html",
        session,
        await pages.sessions(request),
        status,
        merchants=found,
        stores=stores,
        problem=problem,
        secret=secret,
        line_rows=range(3),
        entered=entered or {},
    )
    return response


@ROUTES.post("/sandbox/{what}")
async def sandbox_action(request: Request) -> Response:
    session = await pages.session(request)
    form = await pages.form(request, session)
    what = request.path_params["what"]
    pool = pages.pool(request)
    try:
        if what == "merchants":
            name = pages.text(form, "name")
            if not name:
                raise DomainError("NAME_REQUIRED", "a merchant needs a name", Kind.INVALID)
            merchant_id = await sandbox.create_merchant(pool, name)
            return pages.see_other(f"{PREFIX}/sandbox", f"Merchant {merchant_id} made.", request)
        if what == "stores":
            provider = pages.text(form, "provider")
            if not provider:
                titles = " or ".join(p.title for p in PROVIDERS.values())
                raise DomainError("PROVIDER_REQUIRED", f"choose {titles}", Kind.INVALID)
            store = _store(form, provider)
            await sandbox.create_store(pool, PROVIDERS, store)
            return pages.see_other(f"{PREFIX}/sandbox", f"Store {store.id} made.", request)
        if what == "credentials":
            async with pool.acquire() as conn:
                made = await credentials.create_credential(
                    conn, pages.text(form, "merchant", 60), None
                )
            return await sandbox_page(request, secret=made)
        if what == "orders":
            order = await _sandbox_order(pages.uow(request), form)
            return pages.see_other(
                f"{PREFIX}/orders/{order.id}", f"Order {order.id} made.", request
            )
    except DomainError as error:
        return await sandbox_page(request, words.explain(error), 422, entered=form)
    raise HTTPException(404, "No such form")


#: The sandbox API's field names as the store form labels them.
_STORE_LABELS = {"storeId": "Store id", "country": "Country", "currency": "Currency"}


def _store(form: FormData, provider: str) -> Store:
    """The store form, checked by the sandbox API's own model (``StoreBody``): what the API
    refuses, the form refuses, with the field's label."""
    fields = {
        "storeId": _raw(form, "store_id") or None,
        "provider": provider,
        "country": _raw(form, "country").upper() or "SE",
        "currency": _raw(form, "currency").upper() or "SEK",
        "segment": "B2B" if pages.text(form, "segment") == "B2B" else "B2C",
    }
    try:
        body = validate(StoreBody, fields)
    except DomainError as error:
        label = _STORE_LABELS.get(error.field or "", error.field or "")
        raise DomainError(
            error.code, error.message.replace(f"{error.field}:", f"{label}:", 1), Kind.INVALID
        ) from None
    return body.store(pages.text(form, "merchant", 60))


def _raw(form: FormData, name: str) -> str:
    """A field as typed (surrounding spaces aside): not cut to a length, so that a value too
    long is refused rather than shortened."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


async def _sandbox_order(uow: UnitOfWork, form: FormData) -> Order:
    store_id = pages.text(form, "store", 40)
    async with uow.pool.acquire() as conn:
        store = await merchants.get_store(conn, store_id)
    if store is None:
        raise DomainError("STORE_NOT_FOUND", "choose a store", Kind.INVALID)
    exp = exponent(store.currency)
    lines: list[CaptureLine] = []
    for index in range(3):
        description = pages.text(form, f"description{index}")
        if not description:
            continue
        try:
            quantity = int(pages.text(form, f"quantity{index}") or "1")
            price = money_to_minor(
                parse_decimal_text(pages.decimal(form, f"price{index}") or "0"), exp
            )
            vat = money_to_minor(parse_decimal_text(pages.decimal(form, f"vat{index}") or "0"), 2)
        except (ValueError, MoneyFormatError):
            raise DomainError(
                "LINE_INVALID",
                f"line {index + 1}: quantity must be a whole number and price and VAT "
                f"decimals with at most {exp} and 2 decimals",
                Kind.INVALID,
            ) from None
        total = quantity * price
        lines.append(
            CaptureLine(
                None,
                pages.text(form, f"reference{index}", 50) or f"A{index + 1}",
                description,
                "physical",
                quantity,
                price,
                0,
                total,
                vat,
                vat_amount(total, vat),
            )
        )
    if not lines:
        raise DomainError("LINES_REQUIRED", "give at least one line a description", Kind.INVALID)
    order, _ = await sandbox.create_order(
        uow,
        sandbox.NewOrder(
            store_id=store.id,
            lines=lines,
            total=sum(line.total_amount for line in lines),
            total_vat=None,
            merchant_reference=pages.text(form, "reference", 50),
            customer={},
            payment_method=None,
            expires_at=None,
        ),
    )
    return order


@ROUTES.get("/sandbox")
async def sandbox_route(request: Request) -> Response:
    return await sandbox_page(request)

"""The hosted checkout's routes (see the package's docstring): the providers' loaders at their
root paths, the iframe page and the JSON it talks to, none in the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from functools import cache, partial
from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from orderdesk.checkout.headers import HEADERS, LOADER_HEADERS
from orderdesk.domain.checkout import CheckoutSession, Persona
from orderdesk.domain.money import exponent
from orderdesk.providers.base import Registry
from orderdesk.sandbox.wire import Customer
from orderdesk.service import checkout
from orderdesk.web.answers import json_answer, to_response
from orderdesk.web.bodies import parse
from orderdesk.web.requests import require_json

PREFIX = "/orderdesk-checkout"
STATIC = Path(__file__).parent / "static"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

templates = Environment(
    loader=PackageLoader("orderdesk.checkout", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


class CustomerBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    customer: Customer


class FramePayBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    persona: Persona = Field(description="approve, decline, onHold, signing or abandon")


def frame_view(session: CheckoutSession, status: str, title: str) -> dict[str, Any]:
    """The session as the iframe page shows it (and as its ``ready`` message carries it)."""

    def line(x: Any) -> dict[str, Any]:
        return {
            "reference": x.reference,
            "description": x.description,
            "quantity": x.quantity,
            "totalAmount": x.total_amount,
        }

    return {
        "token": session.token,
        "provider": session.provider,
        "title": title,
        "status": status,
        "currency": session.currency,
        "exponent": exponent(session.currency),
        "country": session.country,
        "lines": [line(x) for x in session.lines],
        "fees": [line(x) for x in session.fees],
        "totalAmount": session.total,
        "customer": session.customer,
        "orderId": session.order_id,
    }


@cache
def _file(path: Path) -> bytes:
    return path.read_bytes()


def _asset(path: Path, headers: dict[str, str]) -> Response:
    return Response(_file(path), media_type=_TYPES[path.suffix], headers=headers)


def _json(doc: Any, status: int = 200) -> Response:
    response = to_response(json_answer(doc, status))
    response.headers.update(HEADERS)
    return response


ROUTER = APIRouter(include_in_schema=False)


def _providers(request: Request) -> Registry:
    found: Registry = request.app.state.providers
    return found


def _title(request: Request, session: CheckoutSession) -> str:
    return _providers(request)[session.provider].title


def _frame(request: Request, session: CheckoutSession, status: str) -> Response:
    return _json(frame_view(session, status, _title(request, session)))


@ROUTER.get(PREFIX + "/static/{name}")
async def static(name: str) -> Response:
    found = STATIC / name
    if name not in {p.name for p in STATIC.iterdir()} or found.suffix not in _TYPES:
        raise HTTPException(404, "No such file")
    return _asset(found, HEADERS)


@ROUTER.get(PREFIX + "/{token}")
async def page(request: Request, token: str) -> Response:
    session, _ = await checkout.by_token(request.app.state.pool, token)
    title = _title(request, session)
    html = templates.get_template("checkout.html").render(
        prefix=PREFIX,
        session=session,
        title=title,
        events=orjson.dumps(provider_events(_providers(request), session)).decode(),
    )
    return HTMLResponse(html, headers=HEADERS)


@ROUTER.get(PREFIX + "/{token}/session")
async def session_view(request: Request, token: str) -> Response:
    session, now = await checkout.by_token(request.app.state.pool, token)
    return _frame(request, session, session.status_at(now))


@ROUTER.put(PREFIX + "/{token}/customer", dependencies=[Depends(require_json)])
async def customer(request: Request, token: str) -> Response:
    """The customer's named fields as the editor sends them (one left out is cleared); the
    shop's fields besides them stay (e.g. Klarna's ``merchant_reference2``, kept there for
    the order)."""
    body = parse(CustomerBody, await request.body())
    found, _ = await checkout.by_token(request.app.state.pool, token)
    edited = body.customer.model_dump(exclude_none=True)

    def change(session: CheckoutSession, now: datetime) -> None:
        kept = {k: v for k, v in session.customer.items() if k not in Customer.model_fields}
        session.customer = {**kept, **edited}
        session.record("customerUpdated", now)

    session = await checkout.update(request.app.state.pool, found.id, change)
    return _frame(request, session, session.status)


@ROUTER.post(PREFIX + "/{token}/lock")
async def lock(request: Request, token: str) -> Response:
    found, _ = await checkout.by_token(request.app.state.pool, token)
    session = await checkout.lock(request.app.state.pool, found.id)
    return _frame(request, session, session.status)


@ROUTER.post(PREFIX + "/{token}/unlock")
async def unlock(request: Request, token: str) -> Response:
    found, _ = await checkout.by_token(request.app.state.pool, token)
    session = await checkout.unlock(request.app.state.pool, found.id)
    return _frame(request, session, session.status)


@ROUTER.post(PREFIX + "/{token}/pay", dependencies=[Depends(require_json)])
async def pay(request: Request, token: str) -> Response:
    """Pay as the persona; ``status`` is the session's, or ``validationFailed``."""
    body = parse(FramePayBody, await request.body())
    found, _ = await checkout.by_token(request.app.state.pool, token)
    done = await checkout.pay(request.app.state.uow, found.id, body.persona)
    verdict = done.verdict
    rejected = verdict is not None and not verdict.accepted
    return _json(
        {
            "status": "validationFailed" if rejected else done.session.status,
            "orderId": done.session.order_id,
            "redirectUrl": done.redirect_url,
            "message": verdict.message if verdict is not None and rejected else "",
        }
    )


def provider_events(providers: Registry, session: CheckoutSession) -> dict[str, str]:
    """The provider's event name for each of the iframe's message types."""
    own = providers[session.provider].checkout
    return {} if own is None else dict(own.events)


def install(app: FastAPI, providers: Registry) -> None:
    """The providers' loaders at their root paths, and the iframe's routes; ValueError when
    two providers declare the same path."""
    taken: set[str] = set()
    for provider in providers.values():
        for path, file in (provider.checkout.loaders if provider.checkout else {}).items():
            if path in taken:
                raise ValueError(f"two providers serve a loader at {path}")
            taken.add(path)
            app.add_api_route(
                path,
                partial(_asset, file, LOADER_HEADERS),
                methods=["GET"],
                include_in_schema=False,
            )
    app.include_router(ROUTER)

"""Ledyer's answers about an order session: made or updated (``orderId``, ``sessionId``,
``expiresAt``), and read (``GET /v1/sessions/{id}``: the customer, the order as the shop sent
it, the session's status)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field
from typing_extensions import TypedDict

from orderdesk.domain.checkout import CheckoutSession, Status
from orderdesk.domain.lines import CaptureLine
from orderdesk.providers.ledyer.views import iso_z

SessionStatus = Literal["initiated", "awaitingSignatory", "authorized", "declined", "expired"]


class SessionCreated(TypedDict):
    """``POST /v1/sessions`` and ``POST /v1/sessions/{orderId}``: the same ids every time."""

    orderId: Annotated[str, Field(description="or_…: the order the session makes")]
    sessionId: Annotated[str, Field(description="se_…: for the loader's data-session-id")]
    expiresAt: str


class SessionLineView(TypedDict, total=False):
    description: str
    quantity: int
    reference: str
    totalAmount: int
    totalVatAmount: int
    type: str
    unitPrice: int
    unitDiscountAmount: int
    vat: int


class SessionOrder(TypedDict):
    country: str
    currency: str
    locale: str | None
    metadata: dict[str, Any] | None
    orderLines: list[SessionLineView]
    reference: str | None
    settings: dict[str, Any]
    storeId: str
    totalOrderAmount: int
    totalOrderAmountExclVat: int
    totalOrderVatAmount: int


class SessionView(TypedDict):
    createdAt: str
    customer: dict[str, Any]
    expiresAt: str
    id: Annotated[str, Field(description="se_…: the session id")]
    merchantId: str
    order: SessionOrder
    orderId: str
    status: SessionStatus
    updatedAt: str


def created_view(session: CheckoutSession) -> SessionCreated:
    assert session.order_id is not None  # chosen when the session is made
    return {
        "orderId": session.order_id,
        "sessionId": session.id,
        "expiresAt": iso_z(session.expires_at),
    }


def _line(line: CaptureLine) -> SessionLineView:
    out: SessionLineView = {
        "description": line.description,
        "quantity": line.quantity,
        "reference": line.reference,
        "totalAmount": line.total_amount,
        "totalVatAmount": line.total_vat,
        "type": line.type,
    }
    if line.unit_price is not None:
        out["unitPrice"] = line.unit_price
    if line.unit_discount is not None:
        out["unitDiscountAmount"] = line.unit_discount
    out["vat"] = line.vat
    return out


def state(session: CheckoutSession, now: datetime) -> Status:
    """The session's status at ``now``; Ledyer's ``sessionId`` is the public token the
    loader is given, so a token past its lifetime (the scenario's) is an expired session."""
    found = session.status_at(now)
    if found in ("open", "locked") and now >= session.token_expires_at:
        return "expired"
    return found


def status(session: CheckoutSession, now: datetime) -> SessionStatus:
    """The session's state in Ledyer's words (docs/decisions.md)."""
    state_ = state(session, now)
    if state_ in ("completed", "onHold"):
        return "authorized"
    if state_ == "declined":
        return "declined"
    if state_ in ("abandoned", "expired"):
        return "expired"
    return "awaitingSignatory" if state_ == "locked" else "initiated"


_ADDRESS = (
    "attentionName",
    "careOf",
    "city",
    "companyName",
    "country",
    "postalCode",
    "streetAddress",
    "streetAddress2",
)
_CONTACT = ("email", "firstName", "lastName", "phone")


def _address(sent: Any) -> dict[str, Any] | None:
    """An address as Ledyer writes it (the checkout's ``street`` is Ledyer's
    ``streetAddress``), every field present, ``""`` when unknown."""
    if not isinstance(sent, dict):
        return None
    out: dict[str, Any] = {
        name: str(sent.get(name) or (sent.get("street") if name == "streetAddress" else "") or "")
        for name in _ADDRESS
    }
    contact = sent.get("contact")
    if isinstance(contact, dict):
        out["contact"] = {name: str(contact.get(name) or "") for name in _CONTACT}
    return out


def customer_view(customer: dict[str, Any]) -> dict[str, Any]:
    """The session's customer as Ledyer's ``GET /v1/sessions/{id}`` writes it: what the shop
    prefilled, then what the customer entered in the checkout."""
    out: dict[str, Any] = {}
    billing = _address(customer.get("billingAddress"))
    if billing is not None:
        out["billingAddress"] = billing
    for name in ("companyId", "email", "firstName", "lastName", "phone"):
        out[name] = str(customer.get(name) or "")
    out["paymentMethod"] = {"provider": "ledyer", "type": customer.get("paymentMethod", "invoice")}
    out["reference1"] = str(customer.get("reference1") or "")
    out["reference2"] = str(customer.get("reference2") or "")
    shipping = _address(customer.get("shippingAddress"))
    if shipping is not None:
        out["shippingAddress"] = shipping
    out["ssn"] = str(customer.get("ssn") or customer.get("nationalId") or "")
    return out


def session_view(session: CheckoutSession, merchant_id: str, now: datetime) -> SessionView:
    assert session.order_id is not None
    data = session.data
    return {
        "createdAt": iso_z(session.created_at),
        "customer": customer_view(session.customer),
        "expiresAt": iso_z(session.expires_at),
        "id": session.id,
        "merchantId": merchant_id,
        "order": {
            "country": session.country,
            "currency": session.currency,
            "locale": data.get("locale"),
            "metadata": session.metadata or None,
            "orderLines": [_line(line) for line in session.lines],
            "reference": session.reference or None,
            "settings": data.get("settings", {}),
            "storeId": session.store_id,
            "totalOrderAmount": session.total,
            "totalOrderAmountExclVat": session.total - session.total_vat,
            "totalOrderVatAmount": session.total_vat,
        },
        "orderId": session.order_id,
        "status": status(session, now),
        "updatedAt": iso_z(session.updated_at),
    }

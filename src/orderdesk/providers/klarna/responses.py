"""Klarna's answers as the OM specification has them: the order, a capture, a refund, the
due-date options. The views return these, the routes document them (one definition)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict  # pydantic needs it before Python 3.12

Minor = Annotated[int, Field(description="Minor units")]
Moment = Annotated[str, Field(description="UTC, e.g. 2026-12-07T10:15:00.000Z")]


class KlarnaOrderLine(TypedDict):
    reference: str
    type: str
    quantity: int
    quantity_unit: str
    name: str
    total_amount: Minor
    unit_price: Minor
    total_discount_amount: Minor
    tax_rate: Annotated[int, Field(description="Basis points (2500 = 25 %)")]
    total_tax_amount: Minor


class KlarnaAddress(TypedDict):
    given_name: str | None
    family_name: str | None
    organization_name: str | None
    email: str | None
    street_address: str | None
    street_address2: str | None
    postal_code: str | None
    city: str | None
    region: str | None
    phone: str | None
    country: str | None
    care_of: str | None


class KlarnaShippingInfo(TypedDict, total=False):
    shipping_company: str
    shipping_method: str
    tracking_number: str
    tracking_uri: str
    return_shipping_company: str
    return_tracking_number: str
    return_tracking_uri: str


class KlarnaCapture(TypedDict):
    capture_id: str
    klarna_reference: str
    description: str | None
    reference: str | None
    captured_at: Moment
    captured_amount: Minor
    order_lines: list[KlarnaOrderLine]
    refunded_amount: Minor
    billing_address: KlarnaAddress
    shipping_address: KlarnaAddress
    shipping_info: list[KlarnaShippingInfo]
    due_date: Moment


class KlarnaRefund(TypedDict):
    refund_id: str
    refunded_amount: Minor
    refunded_at: Moment
    description: str | None
    reference: str | None
    order_lines: list[KlarnaOrderLine]


class KlarnaInitialPaymentMethod(TypedDict):
    type: str
    description: str


class KlarnaOrder(TypedDict):
    """``GET /ordermanagement/v1/orders/{order_id}``."""

    order_id: str
    status: Annotated[
        str, Field(description="AUTHORIZED, PART_CAPTURED, CAPTURED, CANCELLED, EXPIRED, CLOSED")
    ]
    fraud_status: Annotated[str, Field(description="ACCEPTED, PENDING or REJECTED")]
    order_amount: Minor
    original_order_amount: Minor
    captured_amount: Minor
    refunded_amount: Minor
    remaining_authorized_amount: Minor
    purchase_currency: str
    purchase_country: str
    locale: str
    order_lines: list[KlarnaOrderLine]
    merchant_reference1: str
    merchant_reference2: str | None
    klarna_reference: str
    billing_address: KlarnaAddress
    shipping_address: KlarnaAddress
    created_at: Moment
    expires_at: Moment
    captures: list[KlarnaCapture]
    refunds: list[KlarnaRefund]
    shipping_info: list[KlarnaShippingInfo]
    initial_payment_method: KlarnaInitialPaymentMethod


class KlarnaDueDateOption(TypedDict):
    number_of_days: int
    amount: Minor


class KlarnaDueDateOptions(TypedDict):
    """``GET …/captures/{capture_id}/extend-due-date-options``."""

    currency: str
    options: list[KlarnaDueDateOption]

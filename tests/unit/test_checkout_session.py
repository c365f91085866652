"""A checkout session's rules on their own (``domain/checkout.py``): its status at a store's
now, what it refuses when, the scenario's stored form, and placeholders in the shop's URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orderdesk.domain.checkout import CheckoutSession, Scenario, Status, fill
from orderdesk.domain.errors import DomainError, Kind
from orderdesk.domain.lines import priced_line

MADE = datetime(2026, 12, 7, 12, tzinfo=UTC)


def session(status: Status = "open", lines: bool = True) -> CheckoutSession:
    return CheckoutSession(
        id="c-1",
        provider="p",
        store_id="s-1",
        token="t-1",
        status=status,
        currency="SEK",
        country="SE",
        lines=[priced_line("10001", "Shoes", 2, 9500, 2500)] if lines else [],
        fees=[priced_line("fee", "Shipping", 1, 4900, 2500)],
        customer={},
        reference="cart-1",
        urls={},
        metadata={},
        data={},
        scenario=Scenario(),
        order_id=None,
        persona=None,
        version=1,
        created_at=MADE,
        updated_at=MADE,
        expires_at=MADE + timedelta(days=7),
        token_expires_at=MADE + timedelta(hours=48),
    )


def refusal(call: object) -> tuple[str, Kind]:
    with pytest.raises(DomainError) as refused:
        call()  # type: ignore[operator]
    return refused.value.code, refused.value.kind


def test_totals_are_the_lines_and_the_fees() -> None:
    made = session()
    assert made.total == 2 * 9500 + 4900
    assert made.total_vat == 3800 + 980


def test_an_open_or_locked_session_past_its_expiry_is_expired() -> None:
    at_expiry = MADE + timedelta(days=7)
    for status in ("open", "locked"):
        assert session(status).status_at(at_expiry - timedelta(microseconds=1)) == status
        assert session(status).status_at(at_expiry) == "expired"
    assert session("completed").status_at(at_expiry) == "completed"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("locked", "CHECKOUT_LOCKED"),
        ("completed", "CHECKOUT_COMPLETED"),
        ("onHold", "CHECKOUT_COMPLETED"),
        ("declined", "CHECKOUT_CLOSED"),
        ("abandoned", "CHECKOUT_CLOSED"),
        ("expired", "CHECKOUT_EXPIRED"),
    ],
)
def test_only_an_open_session_changes(status: Status, code: str) -> None:
    assert refusal(lambda: session(status).check_changeable(MADE)) == (code, Kind.STATE)
    session("open").check_changeable(MADE)


def test_pay_needs_an_open_or_locked_session_a_live_token_and_lines() -> None:
    session("open").check_payable(MADE)
    session("locked").check_payable(MADE)
    late = MADE + timedelta(hours=48)
    assert refusal(lambda: session().check_payable(late)) == ("CHECKOUT_TOKEN_EXPIRED", Kind.STATE)
    assert refusal(lambda: session(lines=False).check_payable(MADE)) == (
        "CHECKOUT_EMPTY",
        Kind.RULE,
    )
    after = MADE + timedelta(days=7)
    assert refusal(lambda: session("locked").check_payable(after))[0] == "CHECKOUT_EXPIRED"


def test_a_scenario_is_stored_and_read_back() -> None:
    scenario = Scenario(
        "late", timedelta(seconds=30), "lost", False, timedelta(hours=1), timedelta(days=2)
    )
    assert Scenario.of(scenario.doc()) == scenario
    assert Scenario.of({}) == Scenario()
    assert Scenario.of({"redirect": "lost"}) == Scenario(redirect="lost")


def test_fill_replaces_the_named_placeholders_only() -> None:
    url = "https://shop.example/n?o={checkout.order.id}&x={other}&o2={checkout.order.id}"
    assert fill(url, {"checkout.order.id": "42"}) == "https://shop.example/n?o=42&x={other}&o2=42"

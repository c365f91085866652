"""A full capture's lines are matched against the uncaptured lines in one pass: 1,000 lines
sent against an order of 5,000 cost milliseconds, not a comparison of each with each
(issue 22, item 2)."""

from __future__ import annotations

import dataclasses
import time

import pytest

from orderdesk.domain import errors as e
from orderdesk.domain.errors import DomainError
from orderdesk.domain.lines import CaptureLine, Line
from orderdesk.domain.order import CaptureMeta
from orderdesk.providers.ledyer import rules as ledyer
from tests.support.orders import NOW, cline, make_order

LINES = 5000  # lines per order (README, Limits)
SENT = 1000  # orderLines per request


def test_a_full_capture_against_5000_lines_is_matched_in_one_pass() -> None:
    order = make_order([cline(f"A{n}", 1, 100 + n) for n in range(LINES)], provider="ledyer")
    assert order.uncaptured is not None
    last = order.uncaptured.lines[-(SENT - 1) :]
    # the last 999 lines, each found at the end of what is left, and one that matches none
    sent = [dataclasses.replace(_sent(line), id=None) for line in last]
    rest = order.remaining - sum(line.total_amount for line in last)
    sent.append(CaptureLine(None, "none", "none", "physical", 1, rest, 0, rest, 2500, rest // 5))
    started = time.process_time()
    with pytest.raises(DomainError) as refused:
        ledyer.capture(order, sent, order.remaining, CaptureMeta(), NOW)
    elapsed = time.process_time() - started
    assert (refused.value.code, refused.value.field) == (
        e.CAPTURE_LINES_DO_NOT_MATCH_UNCAPTURED,
        f"orderLines[{SENT - 1}]",
    )
    # 9c01b08 compared each line sent with every line left: about 5 million comparisons
    assert elapsed < 0.25, elapsed


def test_a_line_sent_with_an_id_takes_that_line_and_one_without_the_first_of_its_goods() -> None:
    order = make_order([cline("A", 1, 100), cline("A", 1, 100), cline("B", 1, 50)], "ledyer")
    assert order.uncaptured is not None
    a1, a2, b = order.uncaptured.lines
    # the line without id takes the first A; the second A, named by its id, is still there
    sent = [dataclasses.replace(_sent(a1), id=None), _sent(a2), _sent(b)]
    chunk = ledyer.capture(order, sent, 250, CaptureMeta(), NOW)
    assert [line.id for line in chunk.lines] == [a1.id, a2.id, b.id]
    # named first, the first A is taken, and the line without id then takes the second
    order = make_order([cline("A", 1, 100), cline("A", 1, 100)], provider="ledyer")
    assert order.uncaptured is not None
    a1, a2 = order.uncaptured.lines
    ledyer.capture(
        order, [_sent(a1), dataclasses.replace(_sent(a2), id=None)], 200, CaptureMeta(), NOW
    )
    # an id whose line has other goods matches nothing
    order = make_order([cline("A", 1, 100), cline("B", 1, 100)], provider="ledyer")
    assert order.uncaptured is not None
    a, b = order.uncaptured.lines
    wrong = [dataclasses.replace(_sent(a), id=b.id), dataclasses.replace(_sent(b), id=None)]
    with pytest.raises(DomainError) as refused:
        ledyer.capture(order, wrong, 200, CaptureMeta(), NOW)
    assert refused.value.field == "orderLines[0]"


def _sent(line: Line) -> CaptureLine:
    """The line as a client sends it back (with its id)."""
    return CaptureLine(*line.values())

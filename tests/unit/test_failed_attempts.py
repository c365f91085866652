"""The failed-attempt limit on its own clock: a sliding window, an exact ``Retry-After``, a
bounded memory, and 0 turning it off."""

from __future__ import annotations

from orderdesk.auth.attempts import FailedAttempts

ME = ("192.0.2.1", "wc_1")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_holds_until_the_oldest_failure_leaves_the_window() -> None:
    clock = Clock()
    attempts = FailedAttempts(3, 60, clock=clock)
    for _ in range(3):
        assert attempts.retry_after(ME) is None
        attempts.failed(ME)
        clock.now += 10
    assert attempts.retry_after(ME) == 30  # the first failure was at 1000, now is 1030
    assert attempts.retry_after(("192.0.2.1", "wc_2")) is None
    assert attempts.retry_after(("192.0.2.2", "wc_1")) is None
    clock.now = 1060.5
    assert attempts.retry_after(ME) is None  # one of three has left the window
    attempts.failed(ME)
    assert attempts.retry_after(ME) == 10  # the second (1010) leaves at 1070


def test_a_wait_below_a_second_is_one_second() -> None:
    clock = Clock()
    attempts = FailedAttempts(1, 60, clock=clock)
    attempts.failed(ME)
    clock.now += 59.9
    assert attempts.retry_after(ME) == 1


def test_only_the_most_recently_failing_callers_are_remembered() -> None:
    attempts = FailedAttempts(1, 60, max_callers=2, clock=Clock())
    for n in range(3):
        attempts.failed((f"192.0.2.{n}", "wc_1"))
    assert attempts.retry_after(("192.0.2.0", "wc_1")) is None  # forgotten
    assert attempts.retry_after(("192.0.2.2", "wc_1")) is not None


def test_a_limit_of_0_limits_nothing() -> None:
    attempts = FailedAttempts(0, 60, clock=Clock())
    for _ in range(100):
        attempts.failed(ME)
    assert attempts.retry_after(ME) is None

"""The retry schedules as pure functions: QStash table, Aptoria formula and jitter, Retry-After."""

from __future__ import annotations

from itertools import accumulate

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.webhooks.schedule import (
    aptoria_delay,
    parse_delay,
    qstash_delay,
    receiver_delay,
)


def test_qstash_backoff_matches_the_documented_table() -> None:
    # min(86400, e^(2.5 n)): 12 s, 2 m 28 s, 30 m 8 s, 6 h 7 m 6 s, then the one-day cap.
    assert [qstash_delay(n) for n in range(1, 8)] == [12, 148, 1808, 22026, 86400, 86400, 86400]
    assert qstash_delay(10**6) == 86400  # no overflow far out


def test_aptoria_nominal_schedule_spans_about_48_hours() -> None:
    nominal = [aptoria_delay(n, 1, "evt_x", jitter=0) for n in range(1, 10)]
    assert nominal == [68, 170, 425, 1062, 2656, 6641, 16602, 41504, 103760]
    assert list(accumulate(nominal))[-1] == 172888  # 10th attempt at 48 h 1 m 28 s


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**31), st.from_regex(r"evt_[0-9A-Z]{26}", fullmatch=True))
def test_aptoria_jitter_is_bounded_seeded_and_increasing(seed: int, message: str) -> None:
    delays = [aptoria_delay(n, seed, message) for n in range(1, 10)]
    for n, d in enumerate(delays, start=1):
        nominal = 68 * 2.5 ** (n - 1)
        assert nominal * 0.9 - 0.5 <= d <= nominal * 1.1 + 0.5
    assert delays == sorted(delays) and len(set(delays)) == 9
    assert delays == [aptoria_delay(n, seed, message) for n in range(1, 10)]  # deterministic
    assert 0.9 * 172888 - 5 <= sum(delays) <= 1.1 * 172888 + 5


def test_explicit_delay_list_replaces_the_formula() -> None:
    spec_list = [60, 300, 1800, 3600, 10800, 21600, 36000, 43200, 54000]
    got = [aptoria_delay(n, 1, "m", jitter=0, delays=spec_list) for n in range(1, 12)]
    assert got == spec_list + [54000, 54000]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0.0),
        ("30", 30.0),
        ("86400", 86400.0),
        ("86401", None),
        ("6m5s", 365.0),
        ("1h30m", 5400.0),
        ("1.5s", 1.5),
        ("250ms", 0.25),
        ("25h", None),
        ("soon", None),
        ("", None),
        ("-5", None),
        ("Thu, 28 May 2026 20:27:40 GMT", 60.0),
        ("Thu, 28 May 2026 20:00:00 GMT", 0.0),
    ],
)
def test_receiver_delay_forms(value: str, expected: float | None) -> None:
    assert parse_delay(value, now=1_780_000_000.0) == expected


def test_receiver_delay_header_precedence_and_case() -> None:
    now = 1_780_000_000.0
    assert receiver_delay({"retry-after": "7"}, now) == 7.0
    assert receiver_delay({"X-RateLimit-Reset": "9", "Retry-After": "junk"}, now) == 9.0
    assert receiver_delay({"X-RateLimit-Reset-Tokens": "2m"}, now) == 120.0
    assert receiver_delay({"Retry-After": "100000"}, now) is None  # > 1 day: ignored
    assert receiver_delay({}, now) is None

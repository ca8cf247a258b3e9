"""Unit tests for domain.shared.clock: the injected system and frozen clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.shared.clock import Clock, FrozenClock, SystemClock

pytestmark = pytest.mark.unit

START = datetime(2024, 1, 31, 12, 0, tzinfo=UTC)


def test_frozen_clock_returns_the_instant_it_was_given() -> None:
    clock = FrozenClock(START)
    assert clock.now() == START
    assert clock.now() == START  # time does not pass by itself


def test_frozen_clock_raises_value_error_when_instant_naive() -> None:
    with pytest.raises(ValueError):
        FrozenClock(datetime(2024, 1, 31, 12, 0))


def test_frozen_clock_normalises_other_zones_to_utc() -> None:
    clock = FrozenClock(datetime(2024, 7, 1, 14, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    now = clock.now()
    assert now == datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
    assert now.utcoffset() == timedelta(0)


def test_frozen_clock_advance_moves_forward() -> None:
    clock = FrozenClock(START)
    returned = clock.advance(days=1, hours=2, minutes=3, seconds=4)
    expected = START + timedelta(days=1, hours=2, minutes=3, seconds=4)
    assert returned == expected
    assert clock.now() == expected
    clock.advance(weeks=1, milliseconds=5, microseconds=6)
    assert clock.now() == expected + timedelta(weeks=1, milliseconds=5, microseconds=6)


def test_frozen_clock_advance_by_zero_keeps_the_instant() -> None:
    clock = FrozenClock(START)
    assert clock.advance() == START


def test_frozen_clock_advance_raises_value_error_when_negative() -> None:
    clock = FrozenClock(START)
    with pytest.raises(ValueError):
        clock.advance(seconds=-1)
    with pytest.raises(ValueError):
        clock.advance(days=1, hours=-25)
    assert clock.now() == START


def test_frozen_clock_advance_allows_mixed_signs_when_net_forward() -> None:
    clock = FrozenClock(START)
    assert clock.advance(days=1, hours=-1) == START + timedelta(hours=23)


def test_frozen_clock_set_moves_forward() -> None:
    clock = FrozenClock(START)
    later = START + timedelta(days=30)
    assert clock.set(later) == later
    assert clock.now() == later
    assert clock.set(later) == later  # setting the same instant is allowed


def test_frozen_clock_set_raises_value_error_when_backwards() -> None:
    clock = FrozenClock(START)
    with pytest.raises(ValueError):
        clock.set(START - timedelta(microseconds=1))
    assert clock.now() == START


def test_frozen_clock_set_raises_value_error_when_naive() -> None:
    clock = FrozenClock(START)
    with pytest.raises(ValueError):
        clock.set(datetime(2030, 1, 1))


def test_frozen_clock_set_normalises_other_zones_to_utc() -> None:
    clock = FrozenClock(START)
    now = clock.set(datetime(2024, 2, 1, 9, 0, tzinfo=ZoneInfo("America/New_York")))
    assert now == datetime(2024, 2, 1, 14, 0, tzinfo=UTC)
    assert now.utcoffset() == timedelta(0)


def test_system_clock_returns_aware_utc_now() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= after


def test_both_clocks_satisfy_the_clock_protocol() -> None:
    def read(clock: Clock) -> datetime:
        return clock.now()

    assert read(FrozenClock(START)) == START
    assert read(SystemClock()).tzinfo is not None

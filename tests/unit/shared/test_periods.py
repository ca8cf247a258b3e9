"""Unit tests for domain.shared.periods: anchored calendar boundaries and half-open periods."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from itertools import islice, pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.shared.errors import ValidationFailed
from domain.shared.periods import (
    Interval,
    IntervalUnit,
    Period,
    boundary,
    local_date,
    period_at,
    period_index,
    periods_from,
    utc,
)

pytestmark = pytest.mark.unit

BERLIN = ZoneInfo("Europe/Berlin")

DAILY = Interval(IntervalUnit.DAY)
WEEKLY = Interval(IntervalUnit.WEEK)
MONTHLY = Interval(IntervalUnit.MONTH)
QUARTERLY = Interval(IntervalUnit.MONTH, 3)
HALF_YEARLY = Interval(IntervalUnit.MONTH, 6)
YEARLY = Interval(IntervalUnit.YEAR)

INTERVALS = [DAILY, WEEKLY, MONTHLY, QUARTERLY, HALF_YEARLY, YEARLY]
INTERVAL_IDS = ["1-day", "1-week", "1-month", "3-months", "6-months", "1-year"]

# the shortest possible length of one period of each interval, in days
MIN_DAYS = {DAILY: 1, WEEKLY: 7, MONTHLY: 28, QUARTERLY: 89, HALF_YEARLY: 181, YEARLY: 365}

TILE_COUNT = 30  # 30 years of yearly periods, 2.5 years of monthly ones: always a leap February


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def months_per_period(interval: Interval) -> int | None:
    if interval.unit is IntervalUnit.MONTH:
        return interval.count
    if interval.unit is IntervalUnit.YEAR:
        return 12 * interval.count
    return None


# -- strategies --------------------------------------------------------------------------------


LEAP_YEARS = [y for y in range(1800, 2301) if calendar.isleap(y)]


@st.composite
def utc_anchors(draw: st.DrawFn, min_year: int = 1800, max_year: int = 2300) -> datetime:
    """An aware UTC anchor on any day 1-31, in a month (of a year) that has that day.

    Month ends and Feb 29 are drawn more often than a uniform choice would, because that is where
    calendar arithmetic goes wrong.
    """
    kind = draw(st.sampled_from(["any", "any", "month_end", "leap_day"]))
    if kind == "leap_day":
        year = draw(st.sampled_from([y for y in LEAP_YEARS if min_year <= y <= max_year]))
        month, day = 2, 29
    else:
        year = draw(st.integers(min_value=min_year, max_value=max_year))
        if kind == "month_end":
            month = draw(st.integers(1, 12))
            day = days_in_month(year, month)
        else:
            day = draw(st.integers(min_value=1, max_value=31))
            months = [m for m in range(1, 13) if days_in_month(year, m) >= day]
            month = draw(st.sampled_from(months))
    hour = draw(st.integers(0, 23))
    minute = draw(st.integers(0, 59))
    second = draw(st.integers(0, 59))
    microsecond = draw(st.sampled_from([0, 0, 1, 500_000, 999_999]))
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)


# -- Interval and Period -----------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, -1])
def test_interval_raises_validation_failed_when_count_below_one(count: int) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        Interval(IntervalUnit.MONTH, count)
    assert "interval_count" in excinfo.value.field_errors


def test_interval_str() -> None:
    assert str(MONTHLY) == "month"
    assert str(QUARTERLY) == "3 months"


def test_period_raises_value_error_when_start_naive() -> None:
    with pytest.raises(ValueError):
        Period(datetime(2024, 1, 1), utc(2024, 2, 1))


def test_period_raises_value_error_when_end_naive() -> None:
    with pytest.raises(ValueError):
        Period(utc(2024, 1, 1), datetime(2024, 2, 1))


def test_period_raises_value_error_when_end_equals_start() -> None:
    with pytest.raises(ValueError):
        Period(utc(2024, 1, 1), utc(2024, 1, 1))


def test_period_raises_value_error_when_end_before_start() -> None:
    with pytest.raises(ValueError):
        Period(utc(2024, 2, 1), utc(2024, 1, 1))


def test_period_is_half_open() -> None:
    period = Period(utc(2024, 1, 1), utc(2024, 2, 1))
    assert period.contains(utc(2024, 1, 1))
    assert period.contains(utc(2024, 1, 31, 23, 59, 59))
    assert not period.contains(utc(2024, 2, 1))
    assert not period.contains(utc(2023, 12, 31, 23, 59, 59))
    assert period.duration == timedelta(days=31)


def test_period_overlaps_only_when_sharing_time() -> None:
    january = Period(utc(2024, 1, 1), utc(2024, 2, 1))
    february = Period(utc(2024, 2, 1), utc(2024, 3, 1))
    mid = Period(utc(2024, 1, 15), utc(2024, 2, 15))
    assert not january.overlaps(february)
    assert not february.overlaps(january)
    assert january.overlaps(mid) and mid.overlaps(february)


# -- boundaries: examples ----------------------------------------------------------------------


def test_monthly_boundaries_keep_anchor_day_when_anchor_is_jan_31_of_leap_year() -> None:
    anchor = utc(2024, 1, 31)
    assert [boundary(anchor, MONTHLY, n) for n in range(5)] == [
        utc(2024, 1, 31),
        utc(2024, 2, 29),
        utc(2024, 3, 31),
        utc(2024, 4, 30),
        utc(2024, 5, 31),
    ]


def test_monthly_boundary_is_feb_28_when_anchor_is_jan_31_of_common_year() -> None:
    anchor = utc(2023, 1, 31)
    assert boundary(anchor, MONTHLY, 1) == utc(2023, 2, 28)
    assert boundary(anchor, MONTHLY, 2) == utc(2023, 3, 31)


def test_yearly_boundaries_when_anchor_is_feb_29() -> None:
    anchor = utc(2024, 2, 29)
    assert boundary(anchor, YEARLY, 1) == utc(2025, 2, 28)
    assert boundary(anchor, YEARLY, 2) == utc(2026, 2, 28)
    assert boundary(anchor, YEARLY, 4) == utc(2028, 2, 29)
    assert boundary(anchor, YEARLY, -4) == utc(2020, 2, 29)


def test_boundaries_are_computed_from_anchor_not_from_previous_boundary() -> None:
    anchor = utc(2024, 1, 31)
    # stepping month by month from the previous boundary would drift: Feb 29 -> Mar 29 -> Apr 29
    assert boundary(anchor, MONTHLY, 3) == utc(2024, 4, 30)
    periods = list(islice(periods_from(anchor, MONTHLY), 4))
    assert periods[3].start == utc(2024, 4, 30)
    assert periods[3].end == utc(2024, 5, 31)

    anchor_2023 = utc(2023, 1, 31)
    assert boundary(anchor_2023, MONTHLY, 3) == utc(2023, 4, 30)  # not Apr 28


def test_quarterly_boundaries_when_anchor_is_month_end() -> None:
    anchor = utc(2023, 11, 30)
    assert [boundary(anchor, QUARTERLY, n) for n in range(4)] == [
        utc(2023, 11, 30),
        utc(2024, 2, 29),
        utc(2024, 5, 30),
        utc(2024, 8, 30),
    ]


def test_boundaries_keep_anchor_time_of_day() -> None:
    anchor = datetime(2024, 1, 31, 13, 45, 7, 123456, tzinfo=UTC)
    for interval in INTERVALS:
        for n in range(-3, 6):
            b = boundary(anchor, interval, n)
            assert b.timetz() == anchor.timetz(), (interval, n)


def test_boundary_zero_is_the_anchor() -> None:
    anchor = datetime(2024, 1, 31, 13, 45, tzinfo=UTC)
    for interval in INTERVALS:
        assert boundary(anchor, interval, 0) == anchor


def test_boundary_accepts_anchor_in_other_zone_and_returns_utc() -> None:
    anchor = datetime(2024, 1, 31, 12, tzinfo=BERLIN)  # 11:00 UTC
    b = boundary(anchor, MONTHLY, 1)
    assert b == utc(2024, 2, 29, 11)
    assert b.utcoffset() == timedelta(0)


def test_boundary_raises_value_error_when_anchor_naive() -> None:
    with pytest.raises(ValueError):
        boundary(datetime(2024, 1, 31), MONTHLY, 1)


def test_daily_and_weekly_boundaries() -> None:
    anchor = utc(2024, 2, 27, 9)
    assert boundary(anchor, DAILY, 3) == utc(2024, 3, 1, 9)
    assert boundary(anchor, WEEKLY, 1) == utc(2024, 3, 5, 9)
    assert boundary(anchor, Interval(IntervalUnit.WEEK, 2), 1) == utc(2024, 3, 12, 9)


# -- period_at: examples -----------------------------------------------------------------------


def test_period_at_returns_period_containing_instant() -> None:
    anchor = utc(2024, 1, 31)
    assert period_at(anchor, MONTHLY, utc(2024, 3, 15, 12)) == Period(
        utc(2024, 2, 29), utc(2024, 3, 31)
    )


def test_period_at_returns_earlier_period_when_instant_before_anchor() -> None:
    anchor = utc(2024, 1, 31)
    assert period_at(anchor, MONTHLY, utc(2024, 1, 30, 23, 59)) == Period(
        utc(2023, 12, 31), utc(2024, 1, 31)
    )
    assert period_at(anchor, MONTHLY, utc(2023, 12, 15)) == Period(
        utc(2023, 11, 30), utc(2023, 12, 31)
    )
    assert period_index(anchor, MONTHLY, utc(2023, 12, 15)) == -2


def test_period_at_returns_period_starting_at_boundary_when_instant_is_exactly_a_boundary() -> None:
    anchor = utc(2024, 1, 31, 10)
    assert period_at(anchor, MONTHLY, anchor) == Period(anchor, utc(2024, 2, 29, 10))
    assert period_at(anchor, MONTHLY, utc(2024, 2, 29, 10)) == Period(
        utc(2024, 2, 29, 10), utc(2024, 3, 31, 10)
    )
    just_before = utc(2024, 2, 29, 10) - timedelta(microseconds=1)
    assert period_at(anchor, MONTHLY, just_before) == Period(anchor, utc(2024, 2, 29, 10))


def test_period_at_far_from_anchor() -> None:
    anchor = utc(2000, 1, 31)
    assert period_at(anchor, MONTHLY, utc(2100, 2, 28, 12)) == Period(
        utc(2100, 2, 28), utc(2100, 3, 31)
    )
    assert period_at(anchor, YEARLY, utc(1900, 6, 1)) == Period(utc(1900, 1, 31), utc(1901, 1, 31))


def test_periods_from_start_index() -> None:
    anchor = utc(2024, 1, 31)
    first = next(periods_from(anchor, MONTHLY, start_index=-1))
    assert first == Period(utc(2023, 12, 31), utc(2024, 1, 31))


# -- time zones --------------------------------------------------------------------------------


def test_monthly_boundaries_keep_local_midnight_across_dst_when_zone_is_berlin() -> None:
    anchor = datetime(2024, 1, 15, tzinfo=BERLIN)  # 2024-01-14 23:00 UTC (CET, +01:00)
    boundaries = [boundary(anchor, MONTHLY, n, BERLIN) for n in range(5)]

    assert boundaries[0] == utc(2024, 1, 14, 23)
    assert boundaries[2] == utc(2024, 3, 14, 23)  # before the change on 2024-03-31: CET
    assert boundaries[3] == utc(2024, 4, 14, 22)  # after it: CEST, +02:00
    assert boundaries[4] == utc(2024, 5, 14, 22)
    for b in boundaries:
        local = b.astimezone(BERLIN)
        assert (local.day, local.hour, local.minute) == (15, 0, 0)
        assert b.utcoffset() == timedelta(0)

    april = period_at(anchor, MONTHLY, datetime(2024, 4, 15, 0, 30, tzinfo=BERLIN), BERLIN)
    assert april == Period(utc(2024, 4, 14, 22), utc(2024, 5, 14, 22))
    assert local_date(april.start, BERLIN).isoformat() == "2024-04-15"
    assert local_date(april.start).isoformat() == "2024-04-14"


def test_daily_periods_are_23_and_25_hours_across_dst_when_zone_is_berlin() -> None:
    spring = datetime(2024, 3, 30, tzinfo=BERLIN)
    assert next(periods_from(spring, DAILY, BERLIN, start_index=1)).duration == timedelta(hours=23)
    autumn = datetime(2024, 10, 26, tzinfo=BERLIN)
    assert next(periods_from(autumn, DAILY, BERLIN, start_index=1)).duration == timedelta(hours=25)


def test_boundary_zero_is_the_anchor_when_anchor_is_second_occurrence_of_ambiguous_time() -> None:
    # 2024-10-27 02:30 happens twice in Berlin; fold=1 is the CET one, 01:30 UTC
    anchor = datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=BERLIN)
    assert anchor.astimezone(UTC) == utc(2024, 10, 27, 1, 30)
    # compare in UTC: PEP 495 makes inter-zone == always False for a fold=1 instant
    assert boundary(anchor, DAILY, 0, BERLIN) == anchor.astimezone(UTC)


# -- properties --------------------------------------------------------------------------------


@pytest.mark.parametrize("interval", INTERVALS, ids=INTERVAL_IDS)
@settings(max_examples=150, deadline=None, database=None)
@given(anchor=utc_anchors())
def test_periods_from_tile_time_and_keep_anchor_day_and_time(
    interval: Interval, anchor: datetime
) -> None:
    periods = list(islice(periods_from(anchor, interval), TILE_COUNT))

    assert periods[0].start == anchor
    for period in periods:
        assert period.start < period.end
    for earlier, later in pairwise(periods):
        assert earlier.end == later.start
        assert not earlier.overlaps(later)
    for i, period in enumerate(periods):
        for other in periods[i + 2 : i + 4]:
            assert not period.overlaps(other)

    step_months = months_per_period(interval)
    for n, period in enumerate(periods):
        start = period.start
        assert start.utcoffset() == timedelta(0)
        assert start.time() == anchor.time()
        if step_months is None:
            step = timedelta(days=1) if interval.unit is IntervalUnit.DAY else timedelta(weeks=1)
            assert start == anchor + n * step
            assert period.duration == step
        else:
            year, month = add_months(anchor.year, anchor.month, n * step_months)
            assert (start.year, start.month) == (year, month)
            assert start.day == min(anchor.day, days_in_month(year, month))


@pytest.mark.parametrize("interval", INTERVALS, ids=INTERVAL_IDS)
@settings(max_examples=150, deadline=None, database=None)
@given(
    anchor=utc_anchors(),
    fraction=st.floats(min_value=-1, max_value=1, allow_nan=False, exclude_max=True),
)
def test_period_at_contains_instant_and_is_one_of_the_tiled_periods(
    interval: Interval, anchor: datetime, fraction: float
) -> None:
    reach = 40  # periods either side of the anchor
    span = timedelta(days=MIN_DAYS[interval] * reach)
    at = anchor + span * fraction

    period = period_at(anchor, interval, at)

    assert period.contains(at)
    tiled = list(islice(periods_from(anchor, interval, start_index=-reach - 1), 2 * reach + 2))
    assert period in tiled
    n = period_index(anchor, interval, at)
    assert tiled[n + reach + 1] == period
    assert period.start == boundary(anchor, interval, n)
    assert period.end == boundary(anchor, interval, n + 1)


@pytest.mark.parametrize("interval", INTERVALS, ids=INTERVAL_IDS)
@settings(max_examples=60, deadline=None, database=None)
@given(anchor=utc_anchors(min_year=1900, max_year=2100), n=st.integers(-50, 50))
def test_period_at_a_boundary_starts_at_that_boundary(
    interval: Interval, anchor: datetime, n: int
) -> None:
    b = boundary(anchor, interval, n)
    assert period_at(anchor, interval, b).start == b
    assert period_at(anchor, interval, b - timedelta(microseconds=1)).end == b
    assert period_index(anchor, interval, b) == n


@pytest.mark.parametrize("interval", INTERVALS, ids=INTERVAL_IDS)
@settings(max_examples=60, deadline=None, database=None)
@given(
    local=st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2080, 12, 31)),
    fold=st.sampled_from([0, 1]),
    fraction=st.floats(min_value=-1, max_value=1, allow_nan=False, exclude_max=True),
)
def test_periods_tile_and_period_at_contains_instant_when_zone_has_dst(
    interval: Interval, local: datetime, fold: int, fraction: float
) -> None:
    anchor = local.replace(tzinfo=BERLIN, fold=fold)
    periods = list(islice(periods_from(anchor, interval, BERLIN, start_index=-5), 15))
    for earlier, later in pairwise(periods):
        assert earlier.start < earlier.end == later.start

    at = anchor + timedelta(days=MIN_DAYS[interval] * 4) * fraction
    period = period_at(anchor, interval, at, BERLIN)
    assert period.contains(at)
    assert period in periods


def test_month_end_rule_for_every_anchor_day_in_leap_and_common_years() -> None:
    """A deterministic sweep of anchor days 1-31 that the property tests draw at random."""
    for year in (1900, 2000, 2023, 2024, 2100):
        for month in range(1, 13):
            for day in range(1, days_in_month(year, month) + 1):
                anchor = datetime(year, month, day, 6, 30, tzinfo=UTC)
                for interval in (MONTHLY, QUARTERLY, HALF_YEARLY, YEARLY):
                    step = months_per_period(interval)
                    assert step is not None
                    for n in range(-13, 14):
                        y, m = add_months(year, month, n * step)
                        expected = datetime(y, m, min(day, days_in_month(y, m)), 6, 30, tzinfo=UTC)
                        assert boundary(anchor, interval, n) == expected, (anchor, interval, n)

"""Unit tests for domain.pricing.proration: the share of a period left after a change."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from domain.pricing.proration import ProrationUnit, Share, remaining_share
from domain.shared.periods import Period, utc

pytestmark = pytest.mark.unit

UTC_TZ = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

# the month-end period of a subscription anchored on Jan 31 in a leap year: 29 days
LEAP_FEB = Period(utc(2024, 1, 31), utc(2024, 2, 29))


def test_day_mode_change_day_belongs_to_the_new_state() -> None:
    share = remaining_share(LEAP_FEB, utc(2024, 2, 15, 12), ProrationUnit.DAY, UTC_TZ)
    # Feb 15 .. Feb 29 = 14 whole days of the 29, the time of day does not matter
    assert (share.numerator, share.denominator) == (14, 29)
    assert str(share) == "14/29"
    assert share.fraction == Fraction(14, 29)


@pytest.mark.parametrize("hour", [0, 1, 12, 23])
def test_day_mode_ignores_the_time_of_day(hour: int) -> None:
    share = remaining_share(LEAP_FEB, utc(2024, 2, 15, hour, 59, 59), ProrationUnit.DAY, UTC_TZ)
    assert str(share) == "14/29"


def test_day_mode_share_is_kept_unreduced_for_explanations() -> None:
    period = Period(utc(2024, 4, 1), utc(2024, 5, 1))  # 30 days
    share = remaining_share(period, utc(2024, 4, 16), ProrationUnit.DAY, UTC_TZ)
    assert str(share) == "15/30"  # not "1/2"
    assert share.fraction == Fraction(1, 2)


@pytest.mark.parametrize("unit", [ProrationUnit.DAY, ProrationUnit.SECOND])
def test_change_at_the_period_start_is_the_full_period(unit: ProrationUnit) -> None:
    share = remaining_share(LEAP_FEB, LEAP_FEB.start, unit, UTC_TZ)
    assert share.fraction == 1
    assert share.numerator == share.denominator


def test_day_mode_change_on_the_last_day_leaves_one_day() -> None:
    share = remaining_share(LEAP_FEB, utc(2024, 2, 28, 23, 59, 59), ProrationUnit.DAY, UTC_TZ)
    assert str(share) == "1/29"


def test_day_mode_counts_dates_in_the_given_time_zone() -> None:
    # 23:30 UTC on Feb 14 is already 00:30 on Feb 15 in Berlin (UTC+1 in winter)
    late_evening = datetime(2024, 2, 14, 23, 30, tzinfo=UTC)
    assert str(remaining_share(LEAP_FEB, late_evening, ProrationUnit.DAY, UTC_TZ)) == "15/29"
    # in Berlin the period runs Jan 31 01:00 .. Feb 29 01:00 local: still 29 dates
    assert str(remaining_share(LEAP_FEB, late_evening, ProrationUnit.DAY, BERLIN)) == "14/29"


def test_day_mode_counts_dates_west_of_utc() -> None:
    # a period of midnights in New York; 03:00 UTC on Apr 16 is still Apr 15 there
    period = Period(datetime(2024, 4, 1, 4, tzinfo=UTC), datetime(2024, 5, 1, 4, tzinfo=UTC))
    at = datetime(2024, 4, 16, 3, tzinfo=UTC)
    assert str(remaining_share(period, at, ProrationUnit.DAY, NEW_YORK)) == "16/30"
    assert str(remaining_share(period, at, ProrationUnit.DAY, UTC_TZ)) == "15/30"


def test_day_mode_across_a_dst_change_counts_calendar_days() -> None:
    # March 2024 in Berlin has a 23-hour day (Mar 31); the period still has 31 dates
    period = Period(datetime(2024, 2, 29, 23, tzinfo=UTC), datetime(2024, 3, 31, 22, tzinfo=UTC))
    at = datetime(2024, 3, 30, 23, tzinfo=UTC)  # Mar 31 00:00 in Berlin
    assert str(remaining_share(period, at, ProrationUnit.DAY, BERLIN)) == "1/31"


def test_second_mode_is_exact_elapsed_time() -> None:
    share = remaining_share(LEAP_FEB, utc(2024, 2, 15, 12), ProrationUnit.SECOND, UTC_TZ)
    # Feb 15 12:00 .. Feb 29 00:00 = 13.5 days of 29
    assert share == Share(13 * 86400 + 43200, 29 * 86400, ProrationUnit.SECOND)
    assert share.fraction == Fraction(27, 58)


def test_second_mode_ignores_the_time_zone() -> None:
    at = datetime(2024, 2, 14, 23, 30, tzinfo=UTC)
    assert remaining_share(LEAP_FEB, at, ProrationUnit.SECOND, BERLIN) == remaining_share(
        LEAP_FEB, at, ProrationUnit.SECOND, UTC_TZ
    )


def test_second_mode_one_second_before_the_end() -> None:
    share = remaining_share(LEAP_FEB, utc(2024, 2, 28, 23, 59, 59), ProrationUnit.SECOND, UTC_TZ)
    assert share == Share(1, 29 * 86400, ProrationUnit.SECOND)


def test_day_mode_falls_back_to_seconds_for_periods_within_one_date() -> None:
    period = Period(utc(2024, 1, 1, 0), utc(2024, 1, 1, 12))
    share = remaining_share(period, utc(2024, 1, 1, 3), ProrationUnit.DAY, UTC_TZ)
    assert share.fraction == Fraction(9, 12)


# -- in words -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("share", "words"),
    [
        (Share(15, 30), "15 of 30 days"),
        (Share(1, 31), "1 of 31 days"),
        (Share(1, 1), "1 of 1 day"),
        (Share(0, 29), "0 of 29 days"),
        # seconds read as days: 13.5 of 29 exactly, then rounded to two decimals with "about"
        (Share(13 * 86400 + 43200, 29 * 86400, ProrationUnit.SECOND), "13.5 of 29 days"),
        (Share(1252800, 2592000, ProrationUnit.SECOND), "14.5 of 30 days"),
        (Share(13 * 86400 + 41400, 29 * 86400, ProrationUnit.SECOND), "about 13.48 of 29 days"),
        (Share(1, 29 * 86400, ProrationUnit.SECOND), "about 0 of 29 days"),
        # a daylight-saving month in Berlin is 30 days and 23 hours
        (Share(86400, 31 * 86400 - 3600, ProrationUnit.SECOND), "about 1 of 30.96 days"),
        # a period shorter than a day counts hours
        (Share(5400, 43200, ProrationUnit.SECOND), "1.5 of 12 hours"),
    ],
)
def test_a_share_in_words_counts_days_not_seconds(share: Share, words: str) -> None:
    assert share.in_words() == words

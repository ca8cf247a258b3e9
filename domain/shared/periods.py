"""Billing intervals and half-open periods, with calendar arithmetic that keeps the anchor day.

Every boundary is computed from the anchor, never from the previous boundary: the n-th boundary
of a monthly subscription anchored on Jan 31 is ``anchor + n months`` with the day clamped to the
month's length (Feb 28/29, Mar 31, Apr 30, ...). Stepping from the previous boundary would drift
(Jan 31 -> Feb 28 -> Mar 28), which is the classic month-end billing bug.

Calendar steps (day, week, month, year) are taken on the local wall clock of an explicit
``ZoneInfo`` and converted back to UTC, so a subscription that renews "on the 1st at midnight in
Berlin" keeps doing so across daylight-saving changes. A wall time that does not exist on the
boundary date (inside a spring-forward gap) resolves with ``fold=0`` as ``zoneinfo`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from domain.shared.errors import ValidationFailed

UTC_ZONE = ZoneInfo("UTC")


class IntervalUnit(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Interval:
    """A billing interval such as "every 3 months"."""

    unit: IntervalUnit
    count: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.count, int) or self.count < 1:
            raise ValidationFailed({"interval_count": "must be a whole number of at least 1"})

    def step(self, n: int) -> relativedelta:
        """The calendar offset of ``n`` intervals (dateutil clamps month ends)."""
        k = n * self.count
        match self.unit:
            case IntervalUnit.DAY:
                return relativedelta(days=k)
            case IntervalUnit.WEEK:
                return relativedelta(weeks=k)
            case IntervalUnit.MONTH:
                return relativedelta(months=k)
            case IntervalUnit.YEAR:
                return relativedelta(years=k)

    @property
    def approx_days(self) -> int:
        """A rough length used only to estimate how many periods to skip when searching."""
        per_unit = {
            IntervalUnit.DAY: 1,
            IntervalUnit.WEEK: 7,
            IntervalUnit.MONTH: 28,
            IntervalUnit.YEAR: 365,
        }
        return per_unit[self.unit] * self.count

    def __str__(self) -> str:
        return self.unit.value if self.count == 1 else f"{self.count} {self.unit.value}s"


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open span of time ``[start, end)``; consecutive periods share a boundary."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("period bounds must be timezone-aware")
        if not self.start < self.end:
            raise ValueError(f"a period must end after it starts ({self.start} .. {self.end})")

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: Period) -> bool:
        return self.start < other.end and other.start < self.end


def boundary(anchor: datetime, interval: Interval, n: int, tz: ZoneInfo = UTC_ZONE) -> datetime:
    """The ``n``-th period boundary after ``anchor`` (``n = 0`` is the anchor itself), in UTC.

    Computed directly from the anchor's local wall time, so the anchor's day of month and time of
    day survive short months: anchor Jan 31 -> Feb 28/29 -> Mar 31 -> Apr 30.
    """
    if anchor.tzinfo is None:
        raise ValueError("anchor must be timezone-aware")
    if anchor.tzinfo is UTC:  # what the database gives: remembered (a renewal run, the ledger
        return _utc_boundary(anchor, interval, n, tz)  # rebuild ask for the same ones often)
    return _boundary(anchor, interval, n, tz)


@lru_cache(maxsize=65536)
def _utc_boundary(anchor: datetime, interval: Interval, n: int, tz: ZoneInfo) -> datetime:
    """``_boundary`` remembered, for UTC anchors only: two aware datetimes with one ``tzinfo``
    compare by wall time, so only where there is no fold is equality sameness."""
    return _boundary(anchor, interval, n, tz)


def _boundary(anchor: datetime, interval: Interval, n: int, tz: ZoneInfo) -> datetime:
    local = anchor.astimezone(tz)
    stepped = local.replace(tzinfo=None) + interval.step(n)
    # keep the anchor's fold: an anchor on the second 02:30 of a fall-back night stays itself
    return stepped.replace(tzinfo=tz, fold=local.fold).astimezone(UTC)


def period_at(
    anchor: datetime, interval: Interval, at: datetime, tz: ZoneInfo = UTC_ZONE
) -> Period:
    """The billing period of a cycle anchored at ``anchor`` that contains the instant ``at``.

    ``at`` may lie before the anchor (the period is then one of the earlier cycles), which is how
    a stub before a future anchor is priced against the full period ending at the anchor.
    """
    n = period_index(anchor, interval, at, tz)
    return Period(boundary(anchor, interval, n, tz), boundary(anchor, interval, n + 1, tz))


def period_index(
    anchor: datetime, interval: Interval, at: datetime, tz: ZoneInfo = UTC_ZONE
) -> int:
    """The ``n`` such that ``boundary(n) <= at < boundary(n + 1)``."""
    n = (at - anchor).days // interval.approx_days
    # the estimate is within a few periods; walk to the exact one
    while boundary(anchor, interval, n, tz) > at:
        n -= 1
    while boundary(anchor, interval, n + 1, tz) <= at:
        n += 1
    return n


def periods_from(
    anchor: datetime, interval: Interval, tz: ZoneInfo = UTC_ZONE, *, start_index: int = 0
) -> Iterator[Period]:
    """Consecutive periods from the anchor on: they tile time with no gap and no overlap."""
    n = start_index
    lower = boundary(anchor, interval, n, tz)
    while True:
        upper = boundary(anchor, interval, n + 1, tz)
        yield Period(lower, upper)
        lower, n = upper, n + 1


def local_date(at: datetime, tz: ZoneInfo = UTC_ZONE) -> date:
    """The calendar date of an instant in a time zone (day-based proration counts these)."""
    return at.astimezone(tz).date()


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A UTC instant; a readable helper for fixtures, demo data and scenarios."""
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)

"""The share of a billing period that remains after an instant, in whole days or exact seconds.

- ``day``: an instant counts as its calendar date in the subscription's time zone; the fraction is
  (days from the change's date to the period end's date) / (days in the period), so the day of the
  change belongs to the new state.
- ``second``: elapsed time exactly, (period end - instant) / (period end - period start).
- ``none``: no proration at all (the caller skips proration lines).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

from domain.shared.periods import Period, local_date


class ProrationUnit(StrEnum):
    DAY = "day"
    SECOND = "second"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Share:
    """``numerator/denominator`` of a period; kept unreduced so explanations read "21/31"."""

    numerator: int
    denominator: int

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.numerator, self.denominator)

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


def remaining_share(period: Period, at: datetime, unit: ProrationUnit, tz: ZoneInfo) -> Share:
    """The part of ``period`` from ``at`` to its end (``at`` inside the period, or at its start)."""
    if unit is ProrationUnit.DAY:
        start = local_date(period.start, tz)
        change = local_date(at, tz)
        end = local_date(period.end, tz)
        total = (end - start).days
        left = (end - change).days
        if total <= 0:
            # a period shorter than a day (hourly test intervals): fall back to exact time
            return remaining_share(period, at, ProrationUnit.SECOND, tz)
        return Share(max(0, min(left, total)), total)
    total_s = period.duration.total_seconds()
    left_s = (period.end - at).total_seconds()
    # whole seconds keep the explanation readable; instants in scenarios are whole seconds
    return Share(round(left_s), round(total_s))

"""The share of a billing period that remains after an instant, in whole days or exact seconds.

- ``day``: an instant counts as its calendar date in the subscription's time zone; the fraction is
  (days from the change's date to the period end's date) / (days in the period), so the day of the
  change belongs to the new state.
- ``second``: elapsed time exactly, (period end - instant) / (period end - period start).
- ``none``: no proration at all (the caller skips proration lines).

A ``Share`` prints two ways: ``str`` is the arithmetic a subscriber checks ("15/30", seconds in
``second`` mode, "1252800/2592000"); ``in_words`` is what a person reads on an invoice ("15 of
30 days", "14.5 of 30 days"), in days whatever was counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

from domain.shared.periods import Period, local_date


class ProrationUnit(StrEnum):
    DAY = "day"
    SECOND = "second"
    NONE = "none"


SECONDS_PER_DAY = 86400
SECONDS_PER_HOUR = 3600


@dataclass(frozen=True, slots=True)
class Share:
    """``numerator/denominator`` of a period; kept unreduced so explanations read "21/31".

    ``unit`` says what both count: whole days, or seconds (``second`` mode, and ``day`` mode on a
    period shorter than a day)."""

    numerator: int
    denominator: int
    unit: ProrationUnit = ProrationUnit.DAY

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.numerator, self.denominator)

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    def in_words(self) -> str:
        """ "15 of 30 days"; seconds are shown as days ("14.5 of 30 days"), or hours for a period
        shorter than a day, to two decimals with "about" when that rounds."""
        if self.unit is ProrationUnit.DAY:
            return f"{self.numerator} of {self.denominator} {_plural('day', self.denominator)}"
        per = SECONDS_PER_DAY if self.denominator >= SECONDS_PER_DAY else SECONDS_PER_HOUR
        part, whole = Fraction(self.numerator, per), Fraction(self.denominator, per)
        exact = all((value * 100).denominator == 1 for value in (part, whole))
        name = "day" if per == SECONDS_PER_DAY else "hour"
        text = f"{_decimal(part)} of {_decimal(whole)} {_plural(name, whole)}"
        return text if exact else f"about {text}"


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
    return Share(round(left_s), round(total_s), ProrationUnit.SECOND)


def _decimal(value: Fraction) -> str:
    """Two decimals at most, rounded half up, without trailing zeros: 14.5, 30, 13.48."""
    rounded = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    text = f"{rounded:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _plural(word: str, count: Fraction | int) -> str:
    return word if count == 1 else f"{word}s"

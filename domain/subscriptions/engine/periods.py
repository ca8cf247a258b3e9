"""Period and anchor arithmetic: the end of the period that starts at an instant, the whole
period a stub is prorated over, and the unused share of the current period."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from domain.catalog.model import Plan
from domain.pricing.proration import ProrationUnit, Share, remaining_share
from domain.shared.periods import Interval, Period, boundary, period_index


def next_end(anchor: datetime, interval: Interval, start: datetime, tz: ZoneInfo) -> datetime:
    """The end of the period from ``anchor`` that holds ``start``."""
    n = period_index(anchor, interval, start, tz)
    return boundary(anchor, interval, n + 1, tz)


def stub_base(plan: Plan, anchor: datetime, tz: ZoneInfo) -> Period:
    """The whole period a stub ending at ``anchor`` is prorated over: one interval back."""
    return Period(boundary(anchor, plan.interval, -1, tz), anchor)


def share_left(
    plan: Plan,
    period: Period,
    anchor: datetime | None,
    *,
    trialing: bool,
    at: datetime,
    unit: ProrationUnit,
    tz: ZoneInfo,
) -> Share:
    """The unused share of ``period`` from ``at``, measured against the period that billed it:
    inside an anchored stub that is the whole period the stub was prorated over
    (``[anchor - 1 interval, anchor)``), so a credit never exceeds what the stub charged."""
    base = period
    if anchor is not None and period.end == anchor and not trialing:
        full = stub_base(plan, anchor, tz)
        if full.start <= period.start:
            base = full
    return remaining_share(base, at, unit, tz)

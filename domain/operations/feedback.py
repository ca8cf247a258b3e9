"""Cancellation feedback over time: each month's reasons counted (the bars of a chart) and the
comments, newest first, with who wrote them. Reading needs ``Permission.OPERATIONS_READ``.

Months are UTC calendar months; the range is whole months, at most ``MAX_MONTHS`` of them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from domain.operations.model import (
    BarSegment,
    FeedbackRange,
    FeedbackView,
    MonthBar,
    ReasonCount,
    page_number,
)
from domain.operations.ports import OperationsUnit
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require
from domain.subscriptions.model import CancellationReason

MAX_MONTHS = 36
DEFAULT_MONTHS = 12


def _month_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def default_range(clock: Clock) -> FeedbackRange:
    """The last twelve months, this one included."""
    today = clock.now().astimezone(UTC).date()
    return FeedbackRange(start=_month_back(today, DEFAULT_MONTHS - 1), end=today)


def feedback_range(start: date | None, end: date | None, *, clock: Clock) -> FeedbackRange:
    """The range from the months asked for (either may be missing: the default fills it);
    refused when it ends before it starts or spans more than ``MAX_MONTHS``."""
    default = default_range(clock)
    end = end or default.end
    start = (start or _month_back(end, DEFAULT_MONTHS - 1)).replace(day=1)
    if start > end:
        raise ValidationFailed({"from": "The range ends before it starts."})
    chosen = FeedbackRange(start=start, end=end)
    if len(chosen.months) > MAX_MONTHS:
        raise ValidationFailed({"from": f"Choose at most {MAX_MONTHS} months."})
    return chosen


def _segments(counts: dict[CancellationReason, int], busiest: int) -> list[BarSegment]:
    segments: list[BarSegment] = []
    x = 0.0
    for reason in CancellationReason:  # the same order in every bar
        n = counts.get(reason, 0)
        if n:
            width = round(100 * n / busiest, 2)
            segments.append(BarSegment(reason=reason, count=n, x=round(x, 2), width=width))
            x += width
    return segments


def _bars(months: list[date], counts: list[ReasonCount]) -> list[MonthBar]:
    by_month: dict[date, dict[CancellationReason, int]] = {m: {} for m in months}
    for c in counts:
        if c.month in by_month:
            by_month[c.month][c.reason] = by_month[c.month].get(c.reason, 0) + c.count
    busiest = max((sum(v.values()) for v in by_month.values()), default=0) or 1
    return [
        MonthBar(month=m, total=sum(by_month[m].values()), segments=_segments(by_month[m], busiest))
        for m in months
    ]


async def feedback_report(
    actor: SignedInStaff, chosen: FeedbackRange, *, page: int, uow: OperationsUnit
) -> FeedbackView:
    require(actor, Permission.OPERATIONS_READ)
    since = datetime.combine(chosen.start, time(), UTC)
    until = datetime.combine(chosen.until, time(), UTC)
    async with uow:
        counts = await uow.feedback_log.reasons_by_month(since=since, until=until)
        paging = page_number(page, await uow.feedback_log.count_comments(since=since, until=until))
        comments = await uow.feedback_log.comments(
            since=since, until=until, limit=paging.per_page, offset=paging.offset
        )
    totals: dict[CancellationReason, int] = {}
    for c in counts:
        totals[c.reason] = totals.get(c.reason, 0) + c.count
    return FeedbackView(
        range=chosen,
        months=_bars(chosen.months, counts),
        totals=sorted(totals.items(), key=lambda t: (-t[1], t[0].value)),
        total=sum(totals.values()),
        comments=comments,
        paging=paging,
    )

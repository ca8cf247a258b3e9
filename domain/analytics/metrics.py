"""The dashboard's metrics from the read model (``aggregate.DayAggregate`` rows of one slice),
pure and exact: amounts in minor units of the reporting currency (integers), ratios as
``Fraction`` (formatted as percentages by the templates only). Formulas: docs/analytics.md,
"Metrics".

- MRR at a bucket's end: MRR at the range's start plus every movement up to that day; ARR 12 x.
- Net new MRR: new + expansion + reactivation + contraction + churn (the last two negative).
- Logo churn: customers churned in the bucket / customers at its start.
- Revenue churn (ChartMogul's gross MRR churn rate): (churn + contraction) / MRR at its start.
- Net MRR churn: (churn + contraction - expansion - reactivation) / MRR at its start.
- GRR: (start - churn - contraction) / start; NRR: (start + expansion + reactivation - churn -
  contraction) / start (amounts as positive numbers).
- ARPU: MRR / customers with MRR above zero, at the bucket's end.
- The headline rates are the range's **monthly averages** (``pooled``: the months' churned
  customers, or churn and contraction, over the sum of the months' starts).
- LTV: ARPU at the range's end / the monthly revenue churn; None when it is zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from domain.analytics.aggregate import DayAggregate


class Bucket(StrEnum):
    MONTH = "month"
    WEEK = "week"


@dataclass(frozen=True, slots=True)
class Totals:
    """Where the slice stands at the end of a day: MRR and the counts."""

    mrr: int = 0
    customers: int = 0
    subscribers: int = 0


def ratio(numerator: int, denominator: int) -> Fraction | None:
    return Fraction(numerator, denominator) if denominator else None


@dataclass(frozen=True, slots=True)
class Period:
    """The figures of one bucket (or of the whole range: ``headline``)."""

    start: date
    end: date  # inclusive
    opening: Totals  # at the end of the day before ``start``
    closing: Totals  # at the end of ``end``
    new: int
    expansion: int
    contraction: int  # negative
    churn: int  # negative
    reactivation: int
    new_customers: int
    churned_customers: int
    reactivated_customers: int

    @property
    def net_new(self) -> int:
        return self.new + self.expansion + self.reactivation + self.contraction + self.churn

    @property
    def mrr(self) -> int:
        return self.closing.mrr

    @property
    def arr(self) -> int:
        return 12 * self.closing.mrr

    @property
    def arpu(self) -> Fraction | None:
        return ratio(self.closing.mrr, self.closing.customers)

    @property
    def logo_churn(self) -> Fraction | None:
        return ratio(self.churned_customers, self.opening.customers)

    @property
    def lost(self) -> int:
        """Churn and contraction, as a positive amount."""
        return -(self.churn + self.contraction)

    @property
    def revenue_churn(self) -> Fraction | None:
        return ratio(self.lost, self.opening.mrr)

    @property
    def net_revenue_churn(self) -> Fraction | None:
        return ratio(self.lost - self.expansion - self.reactivation, self.opening.mrr)

    @property
    def grr(self) -> Fraction | None:
        return ratio(self.opening.mrr - self.lost, self.opening.mrr)

    @property
    def nrr(self) -> Fraction | None:
        gained = self.expansion + self.reactivation
        return ratio(self.opening.mrr + gained - self.lost, self.opening.mrr)


def buckets(start: date, end: date, size: Bucket) -> list[tuple[date, date]]:
    """The calendar months (or ISO weeks, Monday to Sunday) meeting ``start..end``, clipped to
    it."""
    out: list[tuple[date, date]] = []
    day = start
    while day <= end:
        if size is Bucket.MONTH:
            following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        else:
            following = day + timedelta(days=7 - day.weekday())
        last = min(following - timedelta(days=1), end)
        out.append((day, last))
        day = last + timedelta(days=1)
    return out


_FIELDS = ("new", "expansion", "contraction", "churn", "reactivation", "customers", "subscribers",
           "new_customers", "churned_customers", "reactivated_customers")  # fmt: skip
Row = tuple[int, ...]  # a day's _FIELDS, in order


def _row(d: DayAggregate) -> Row:
    return (d.new, d.expansion, d.contraction, d.churn, d.reactivation, d.customers,
            d.subscribers, d.new_customers, d.churned_customers, d.reactivated_customers)  # fmt: skip


def _period(start: date, end: date, opening: Totals, rows: list[Row]) -> Period:
    new, exp, contr, churn, react, customers, subs, new_c, churned_c, react_c = (
        [sum(column) for column in zip(*rows, strict=True)] if rows else [0] * len(_FIELDS)
    )
    net = new + exp + contr + churn + react
    closing = Totals(opening.mrr + net, opening.customers + customers, opening.subscribers + subs)
    return Period(start, end, opening, closing, new, exp, contr, churn, react, new_c, churned_c,
                  react_c)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Series:
    start: date
    end: date
    size: Bucket
    periods: list[Period]
    headline: Period  # the whole range
    monthly: Period  # the range's months pooled: the average monthly rates (below)

    @property
    def ltv(self) -> Fraction | None:
        """ARPU at the end / the monthly revenue churn (None when either is missing or the
        churn is zero)."""
        arpu = self.headline.arpu
        churn = self.monthly.revenue_churn
        if arpu is None or not churn:
            return None
        return arpu / churn


def pooled(periods: list[Period]) -> Period:
    """The periods as one: their movements and counts summed, and as the start the sum of their
    starts, so each rate is the mean of the periods' rates weighted by their starts (the
    monthly logo churn is the customers churned / the sum of the customers at each month's
    start; the monthly revenue churn the churn and contraction / the sum of the MRR at each
    month's start)."""

    def total(name: str) -> int:
        return sum(getattr(p, name) for p in periods)

    opening = Totals(sum(p.opening.mrr for p in periods),
                     sum(p.opening.customers for p in periods),
                     sum(p.opening.subscribers for p in periods))  # fmt: skip
    return Period(
        periods[0].start, periods[-1].end, opening, periods[-1].closing, total("new"),
        total("expansion"), total("contraction"), total("churn"), total("reactivation"),
        total("new_customers"), total("churned_customers"), total("reactivated_customers"),
    )  # fmt: skip


def series(
    start: date,
    end: date,
    size: Bucket,
    opening: Totals,
    days: Iterable[DayAggregate],
    month_days: Iterable[DayAggregate] | None = None,
) -> Series:
    """The buckets of ``start..end`` from the totals at the end of the day before ``start``
    and the slice's days in the range (any order; days outside it are ignored), or their sums
    per bucket of ``size`` (each dated within its bucket); ``month_days`` the same per month for
    the monthly rates when ``size`` is a week (default: ``days``)."""

    def prepared(rows: Iterable[DayAggregate]) -> tuple[list[date], list[Row]]:
        ordered = sorted((d for d in rows if start <= d.day <= end), key=lambda d: d.day)
        return [d.day for d in ordered], [_row(d) for d in ordered]

    when, inside = prepared(days)

    def run(size: Bucket, when: list[date] = when, inside: list[Row] = inside) -> list[Period]:
        periods: list[Period] = []
        at = opening
        i = 0
        for first, last in buckets(start, end, size):
            j = i
            while j < len(inside) and when[j] <= last:
                j += 1
            period = _period(first, last, at, inside[i:j])
            periods.append(period)
            at = period.closing
            i = j
        return periods

    periods = run(size)
    months = (periods if size is Bucket.MONTH
              else run(Bucket.MONTH, *prepared(days if month_days is None else month_days)))  # fmt: skip
    whole = _period(start, end, opening, inside)
    return Series(start, end, size, periods, whole, pooled(months))

"""Cohort retention (docs/analytics.md, "Cohorts"): customers grouped by the month of their first
payment (their first customer-level ``new`` movement), and for each month since, how many of them
still pay (logos) and how much of the cohort's month-0 MRR is still there (revenue, in the
reporting currency). Pure and exact: counts and minor units are integers, a percentage is kept
as tenths of a percent rounded half up once.

Two steps, so the page never scans the ledger:

- ``cohort_cells(ledger, now, to_reporting)``: the ledger folded into small aggregate cells,
  one per (cohort month, age, first plan, first currency, first country), rolled up with ``ANY``
  in any of the three (so every combination of filters is one stored segment); the refresh job
  (``analytics.refresh_cohorts``) stores them.
- ``cohort_table(cells, ...)``: the cells of the chosen segment (one per cohort and age) made
  into the table the page, the CSV and the tests read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache

from domain.analytics.ledger import LedgerMovement
from domain.analytics.movements import MovementKind

# cell shades 0..5: under 50%, 50-69.9%, 70-79.9%, 80-89.9%, 90-99.9%, 100% and more (finer
# where retention usually lies, as ChartMogul's heat maps read)
HEAT_STEPS = (500, 700, 800, 900, 1000)  # tenths of a percent where each shade starts
HEAT_LEVELS = len(HEAT_STEPS) + 1
ANY = "*"  # a rolled-up cell's plan, currency or country: every one of them


def month_of(at: datetime) -> date:
    """The first day of ``at``'s UTC month."""
    utc = at.astimezone(UTC)
    return date(utc.year, utc.month, 1)


@lru_cache(maxsize=4096)
def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    """Whole months from ``start``'s month to ``end``'s month (0 for the same month)."""
    return (end.year - start.year) * 12 + end.month - start.month


@lru_cache(maxsize=4096)
def _month_end(month: date) -> datetime:
    """The instant a month ends (the next month's first instant, UTC)."""
    nxt = add_months(month, 1)
    return datetime(nxt.year, nxt.month, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CohortCell:
    """One stored aggregate: the customers whose first payment fell in ``cohort`` with this
    first plan, currency and country, ``age`` months later. ``customers`` is the group's size
    (the same at every age), ``retained`` how many had MRR above zero at the end of the month
    (or now, for the month under way), ``mrr_minor`` their MRR then in the reporting currency
    (None when an amount could not be converted: an exchange rate is missing)."""

    cohort: date
    age: int
    plan_code: str  # ANY in a rolled-up cell
    currency: str  # ANY in a rolled-up cell
    country: str  # "" when the customer had none; ANY in a rolled-up cell
    customers: int
    retained: int
    mrr_minor: int | None


ToReporting = Callable[[LedgerMovement], int | None]


def _customer_months(
    rows: Sequence[LedgerMovement], last: date, now: datetime, to_reporting: ToReporting
) -> tuple[LedgerMovement, list[tuple[bool, int | None]]] | None:
    """A customer's first payment and, for each month from its month to ``last``, whether the
    customer paid at the month's end (``now`` for the month under way) and its MRR then in the
    reporting currency."""
    first = next((r for r in rows if r.customer_kind is MovementKind.NEW), None)
    if first is None:
        return None
    start = month_of(first.at)
    per_currency: dict[str, int] = {}
    reporting: int | None = 0
    out: list[tuple[bool, int | None]] = []
    i = 0
    for age in range(months_between(start, last) + 1):
        month = add_months(start, age)
        boundary = min(_month_end(month), now) if month == last else _month_end(month)
        while i < len(rows) and rows[i].at < boundary:
            row = rows[i]
            per_currency[row.currency] = per_currency.get(row.currency, 0) + row.amount_minor
            converted = to_reporting(row)
            reporting = None if reporting is None or converted is None else reporting + converted
            i += 1
        out.append((any(v > 0 for v in per_currency.values()), reporting))
    return first, out


def cohort_cells(
    ledger: Iterable[LedgerMovement], *, now: datetime, to_reporting: ToReporting
) -> list[CohortCell]:
    """The ledger (any order) folded into cells, every age from 0 to the month of ``now``."""
    by_customer: dict[str, list[LedgerMovement]] = {}
    for row in ledger:
        if row.at <= now:
            by_customer.setdefault(row.customer_id, []).append(row)
    last = month_of(now)
    sums: dict[tuple[date, int, str, str, str], list[int | None]] = {}
    for rows in by_customer.values():
        rows.sort(key=lambda r: (r.at, r.id or 0))
        found = _customer_months(rows, last, now, to_reporting)
        if found is None:
            continue
        first, months = found
        cohort = month_of(first.at)
        for age, (paying, mrr) in enumerate(months):
            key = (cohort, age, first.plan_code, first.currency, first.country or "")
            cell = sums.setdefault(key, [0, 0, 0])
            cell[0] = (cell[0] or 0) + 1
            cell[1] = (cell[1] or 0) + (1 if paying else 0)
            cell[2] = None if cell[2] is None or mrr is None else cell[2] + mrr
    return _rolled_up(sums)


def _rolled_up(sums: dict[tuple[date, int, str, str, str], list[int | None]]) -> list[CohortCell]:
    """The exact cells and, for every subset of plan/currency/country, the same summed with
    ``ANY`` in its place: a page with any filters reads exactly one cell per cohort and age."""
    out: dict[tuple[date, int, str, str, str], list[int | None]] = {}
    for (cohort, age, plan, cur, country), v in sums.items():
        for mask in range(8):
            key = (cohort, age, ANY if mask & 1 else plan, ANY if mask & 2 else cur,
                   ANY if mask & 4 else country)  # fmt: skip
            cell = out.setdefault(key, [0, 0, 0])
            cell[0] = (cell[0] or 0) + (v[0] or 0)
            cell[1] = (cell[1] or 0) + (v[1] or 0)
            cell[2] = None if cell[2] is None or v[2] is None else cell[2] + v[2]
    return [
        CohortCell(c, age, plan, cur, country, int(v[0] or 0), int(v[1] or 0), v[2])
        for (c, age, plan, cur, country), v in sorted(out.items())
    ]


# -- the table --------------------------------------------------------------------------------


class Measure(StrEnum):
    LOGOS = "logos"
    REVENUE = "revenue"


def tenths_of_percent(part: int, whole: int) -> int | None:
    """``part / whole`` in tenths of a percent, rounded half up (exact integers); None when
    ``whole`` is zero."""
    if whole <= 0:
        return None
    return (part * 2000 + whole) // (2 * whole)


def heat_level(tenths: int | None) -> int:
    """The cell's shade (``HEAT_STEPS``; revenue can pass 100% with expansion); -1 when there
    is no figure."""
    if tenths is None:
        return -1
    return sum(1 for step in HEAT_STEPS if tenths >= step)


@dataclass(frozen=True, slots=True)
class RetentionCell:
    age: int
    retained: int  # logos paying at the month's end
    mrr_minor: int | None  # the cohort's MRR then, reporting currency
    logos_tenths: int | None  # retained / cohort size
    revenue_tenths: int | None  # mrr / month-0 mrr
    in_progress: bool  # the month under way (figures as of now)

    def tenths(self, measure: Measure) -> int | None:
        return self.logos_tenths if measure is Measure.LOGOS else self.revenue_tenths


@dataclass(frozen=True, slots=True)
class CohortRow:
    cohort: date
    customers: int
    start_mrr_minor: int | None  # month 0's MRR at its end, reporting currency
    cells: list[RetentionCell]


@dataclass(frozen=True, slots=True)
class CohortTable:
    rows: list[CohortRow]  # oldest cohort first
    average: list[RetentionCell]  # per age, over the cohorts that reached it (weighted)
    ages: int  # columns: 0 .. ages - 1

    @property
    def customers(self) -> int:
        return sum(r.customers for r in self.rows)


def cohort_table(cells: Iterable[CohortCell], *, current: date) -> CohortTable:
    """The cells of one segment (several segments' cells are summed) per cohort and age.
    ``current`` is the month under way (its cells are figures as of the refresh)."""
    size: dict[date, int] = {}
    by_cohort: dict[date, dict[int, list[int | None]]] = {}
    for c in cells:
        if c.age == 0:
            size[c.cohort] = size.get(c.cohort, 0) + c.customers
        ages_of = by_cohort.setdefault(c.cohort, {})
        if (sums := ages_of.get(c.age)) is None:
            ages_of[c.age] = [c.retained, c.mrr_minor]
        else:
            sums[0] = (sums[0] or 0) + c.retained
            sums[1] = None if sums[1] is None or c.mrr_minor is None else sums[1] + c.mrr_minor
    rows: list[CohortRow] = []
    ages = 0
    for cohort in sorted(size):
        found = by_cohort[cohort]
        base = found[0][1] if 0 in found else None
        customers = size[cohort]
        n = months_between(cohort, current) + 1
        ages = max(ages, n)
        row_cells = []
        for age in range(n):
            kept, money = found.get(age, (0, None))
            revenue = None if money is None or base is None else tenths_of_percent(money, base)
            row_cells.append(RetentionCell(age, kept or 0, money,
                                           tenths_of_percent(kept or 0, customers), revenue,
                                           age == n - 1))  # fmt: skip
        rows.append(CohortRow(cohort, customers, base, row_cells))
    return CohortTable(rows, _average(rows, ages), ages)


def _average(rows: list[CohortRow], ages: int) -> list[RetentionCell]:
    """Per age, the cohorts that completed it: retained logos over their sizes, MRR over their
    month-0 MRR (a cohort whose revenue is unknown is left out of the revenue average)."""
    out = []
    for age in range(ages):
        done = [r for r in rows if age < len(r.cells) and not r.cells[age].in_progress]
        kept = sum(r.cells[age].retained for r in done)
        priced = [r for r in done if r.start_mrr_minor is not None
                  and r.cells[age].mrr_minor is not None]  # fmt: skip
        money = sum(r.cells[age].mrr_minor or 0 for r in priced)
        base = sum(r.start_mrr_minor or 0 for r in priced)
        out.append(RetentionCell(
            age, kept, money if priced else None,
            tenths_of_percent(kept, sum(r.customers for r in done)),
            tenths_of_percent(money, base) if priced else None, False,
        ))  # fmt: skip
    return out


def format_tenths(tenths: int | None) -> str:
    """``833`` -> ``83.3%``; None -> an em dash."""
    if tenths is None:
        return "—"
    return f"{tenths // 10}.{tenths % 10}%"

"""The cohort retention use cases: ``refresh_cohorts`` (the job ``analytics.refresh_cohorts``:
the ledger folded into cells and stored whole, with the refresh's record) and ``cohort_page``
(``ANALYTICS_READ``: the stored cells of the filters summed into the table; no ledger scan)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from domain.analytics.cohort_filters import CohortFilters, CohortRefresh
from domain.analytics.cohorts import (
    ANY,
    CohortCell,
    CohortTable,
    Measure,
    cohort_cells,
    cohort_table,
    format_tenths,
    month_of,
)
from domain.analytics.exchange_rates import ExchangeRates, NoExchangeRate
from domain.analytics.ledger import LedgerMovement
from domain.analytics.ports import CohortsUnit
from domain.shared.clock import Clock
from domain.shared.money import Currency, Money, Rounding
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require

MAX_MISSING_LISTED = 5


async def refresh_cohorts(
    *, new_uow: Callable[[], CohortsUnit], clock: Clock, reporting: Currency, rounding: Rounding
) -> CohortRefresh:
    """Recompute every cohort cell from the ledger as of now and replace the stored ones. Each
    movement is converted at the rate of its own UTC day (its stored reporting amount when the
    ledger has one in ``reporting``); a missing rate leaves the revenue of the cells it touches
    unknown and is listed on the refresh, the logos are counted all the same. Two transactions:
    the ledger read, then the cells replaced (no write lock while computing)."""
    now = clock.now()
    async with new_uow() as uow:
        ledger = await uow.mrr_ledger.all()
        rates = ExchangeRates(reporting, await uow.exchange_rates.all())
    missing: dict[tuple[str, date], None] = {}

    def to_reporting(row: LedgerMovement) -> int | None:
        if row.reporting_amount_minor is not None and row.reporting_currency == reporting.code:
            return row.reporting_amount_minor
        day = row.at.date()
        try:
            return rates.convert(Money.of_minor(row.amount_minor, row.currency), day,
                                 rounding).minor  # fmt: skip
        except NoExchangeRate:
            missing[(row.currency, day)] = None
            return None

    cells = cohort_cells(ledger, now=now, to_reporting=to_reporting)
    listed = [f"{cur} on {day.isoformat()}" for cur, day in sorted(missing)]
    more = len(listed) - MAX_MISSING_LISTED
    text = ", ".join(listed[:MAX_MISSING_LISTED]) + (f" and {more} more" if more > 0 else "")
    exact = [c for c in cells if ANY not in (c.plan_code, c.currency, c.country)]
    refresh = CohortRefresh(
        refreshed_at=now,
        customers=sum(c.customers for c in exact if c.age == 0),
        missing_rates=text, reporting_currency=reporting.code,
        plans=tuple(sorted({c.plan_code for c in exact})),
        currencies=tuple(sorted({c.currency for c in exact})),
        countries=tuple(sorted({c.country for c in exact} - {""})),
    )  # fmt: skip
    async with new_uow() as uow:
        await uow.cohorts.replace(cells, refresh)
        await uow.commit()
    return refresh


@dataclass(frozen=True, slots=True)
class CohortPage:
    filters: CohortFilters
    refresh: CohortRefresh | None  # None: never computed yet
    table: CohortTable
    plans: list[str]
    currencies: list[str]
    countries: list[str]
    reporting_currency: str

    @property
    def measure(self) -> Measure:
        return self.filters.measure


async def cohort_page(
    actor: SignedInStaff, filters: CohortFilters, *, uow: CohortsUnit, reporting: Currency
) -> CohortPage:
    """The cohort table of the filters, from the last refresh (its month is the one under
    way: its figures are as of the refresh)."""
    require(actor, Permission.ANALYTICS_READ)
    async with uow:
        refresh = await uow.cohorts.refresh()
        cells = await uow.cohorts.cells(filters) if refresh is not None else []
    current = month_of(refresh.refreshed_at) if refresh is not None else filters.end
    assert current is not None
    shown = [c for c in cells if c.cohort <= current]
    table = cohort_table(shown, current=current)
    plans, currencies, countries = (
        (list(refresh.plans), list(refresh.currencies), list(refresh.countries))
        if refresh is not None else ([], [], [])
    )  # fmt: skip
    # amounts are in the currency the refresh converted into (a changed setting applies from
    # the next refresh)
    shown_in = refresh.reporting_currency if refresh is not None else reporting.code
    return CohortPage(filters, refresh, table, plans, currencies, countries, shown_in)


def cohort_csv_rows(page: CohortPage) -> list[list[str]]:
    """The table as CSV rows: a header, then one row per cohort (size, month-0 MRR in the
    reporting currency's minor units, then per age the retained logos and both percentages)."""
    ages = page.table.ages
    header = ["cohort", "customers", f"start_mrr_minor_{page.reporting_currency}"]
    for age in range(ages):
        header += [f"m{age}_logos", f"m{age}_logos_pct", f"m{age}_mrr_minor",
                   f"m{age}_revenue_pct"]  # fmt: skip
    out = [header]
    for row in page.table.rows:
        line = [row.cohort.strftime("%Y-%m"), str(row.customers),
                "" if row.start_mrr_minor is None else str(row.start_mrr_minor)]  # fmt: skip
        for age in range(ages):
            if age < len(row.cells):
                c = row.cells[age]
                line += [
                    str(c.retained),
                    _pct(c.logos_tenths),
                    "" if c.mrr_minor is None else str(c.mrr_minor),
                    _pct(c.revenue_tenths),
                ]
            else:
                line += ["", "", "", ""]
        out.append(line)
    return out


def _pct(tenths: int | None) -> str:
    return "" if tenths is None else format_tenths(tenths).rstrip("%")


__all__ = ["CohortCell", "CohortPage", "cohort_csv_rows", "cohort_page", "refresh_cohorts"]

"""Cohort retention on the real database: a small history driven through the subscription use
cases (tests/support/analytics_business.py, figures computed by hand there), the refresh job's
use case materialising the cells, and the page's use case reading them with filters."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from domain.adapters.db.tables_analytics import CohortRowTable
from domain.analytics.cohort_filters import CohortFilterInput, CohortFilters, check_filters
from domain.analytics.cohort_report import cohort_csv_rows, cohort_page, refresh_cohorts
from domain.analytics.cohorts import Measure
from domain.shared.clock import FrozenClock
from domain.shared.errors import PermissionDenied
from domain.shared.money import Currency, Rounding
from domain.staff.model import Role, SignedInStaff
from tests.support.analytics_business import (
    AS_OF,
    START,
    build_cohort_business,
    business_uow,
)
from tests.support.database import TestDatabase

pytestmark = pytest.mark.integration

BILLING = SignedInStaff("staff-bill", "bill@example.com", "Bill", Role.BILLING, "s")
SUPPORT = SignedInStaff("staff-sam", "sam@example.com", "Sam", Role.SUPPORT, "s")
USD = Currency.of("USD")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


def _filters(**typed: str) -> CohortFilters:
    return check_filters(CohortFilterInput(start="2024-01", end="2024-04", **typed),
                         today=AS_OF.date())  # fmt: skip


async def test_the_refreshed_cohorts_give_the_hand_computed_figures(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await build_cohort_business(db, clock)
    refresh = await refresh_cohorts(new_uow=lambda: business_uow(db, clock), clock=clock,
                                    reporting=USD, rounding=Rounding.HALF_UP)  # fmt: skip
    assert (refresh.customers, refresh.missing_rates, refresh.refreshed_at) == (3, "", AS_OF)

    page = await cohort_page(BILLING, _filters(), uow=business_uow(db, clock), reporting=USD)
    table = page.table
    assert [(r.cohort, r.customers, r.start_mrr_minor) for r in table.rows] == [
        (date(2024, 1, 1), 2, 8000),
        (date(2024, 2, 1), 1, 5500),
    ]
    jan, feb = table.rows
    assert [(c.retained, c.logos_tenths, c.mrr_minor, c.revenue_tenths, c.in_progress)
            for c in jan.cells] == [
        (2, 1000, 8000, 1000, False),
        (1, 500, 6000, 750, False),
        (2, 1000, 10000, 1250, False),
        (2, 1000, 10000, 1250, True),
    ]  # fmt: skip
    assert [(c.retained, c.logos_tenths, c.mrr_minor, c.revenue_tenths, c.in_progress)
            for c in feb.cells] == [
        (1, 1000, 5500, 1000, False),
        (1, 1000, 5500, 1000, False),
        (1, 1000, 5500, 1000, True),
    ]  # fmt: skip
    assert [(c.logos_tenths, c.revenue_tenths) for c in table.average] == [
        (1000, 1000), (667, 852), (1000, 1250), (None, None),
    ]  # fmt: skip
    assert (page.plans, page.currencies, page.countries) == (["euro", "team"], ["EUR", "USD"],
                                                             ["DE", "US"])  # fmt: skip

    csv = cohort_csv_rows(page)
    assert csv[0][:7] == ["cohort", "customers", "start_mrr_minor_USD", "m0_logos",
                          "m0_logos_pct", "m0_mrr_minor", "m0_revenue_pct"]  # fmt: skip
    assert csv[1][:11] == ["2024-01", "2", "8000", "2", "100.0", "8000", "100.0",
                           "1", "50.0", "6000", "75.0"]  # fmt: skip
    assert csv[2][-4:] == ["", "", "", ""]  # February has no fourth month yet


async def test_filters_choose_the_first_payment_s_currency_country_and_plan(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await build_cohort_business(db, clock)
    await refresh_cohorts(new_uow=lambda: business_uow(db, clock), clock=clock, reporting=USD,
                          rounding=Rounding.HALF_UP)  # fmt: skip

    async def cohorts(**typed: str) -> list[tuple[date, int]]:
        page = await cohort_page(BILLING, _filters(**typed), uow=business_uow(db, clock),
                                 reporting=USD)  # fmt: skip
        return [(r.cohort, r.customers) for r in page.table.rows]

    assert await cohorts(currency="EUR") == [(date(2024, 2, 1), 1)]
    assert await cohorts(country="US") == [(date(2024, 1, 1), 2)]
    assert await cohorts(plan="team", measure="revenue") == [(date(2024, 1, 1), 2)]
    assert await cohorts(country="FR") == []
    only_feb = check_filters(CohortFilterInput(start="2024-02", end="2024-02"),
                             today=AS_OF.date())  # fmt: skip
    page = await cohort_page(BILLING, only_feb, uow=business_uow(db, clock), reporting=USD)
    assert [r.cohort for r in page.table.rows] == [date(2024, 2, 1)]
    assert page.measure is Measure.LOGOS


async def test_a_missing_rate_leaves_revenue_unknown_and_logos_counted(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await build_cohort_business(db, clock)
    gbp = Currency.of("GBP")  # no rate from USD or EUR into GBP
    refresh = await refresh_cohorts(new_uow=lambda: business_uow(db, clock), clock=clock,
                                    reporting=gbp, rounding=Rounding.HALF_UP)  # fmt: skip
    assert refresh.missing_rates.startswith("EUR on 2024-02-03, USD on 2024-01-10")
    page = await cohort_page(BILLING, _filters(), uow=business_uow(db, clock), reporting=gbp)
    jan = page.table.rows[0]
    assert jan.start_mrr_minor is None and jan.cells[1].revenue_tenths is None
    assert jan.cells[1].logos_tenths == 500


async def test_only_analytics_readers_see_cohorts(db: TestDatabase, clock: FrozenClock) -> None:
    with pytest.raises(PermissionDenied):
        await cohort_page(SUPPORT, _filters(), uow=business_uow(db, clock), reporting=USD)


async def test_two_cohort_refreshes_at_once_leave_one_set_of_rows(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await build_cohort_business(db, clock)

    async def refresh() -> None:
        await refresh_cohorts(new_uow=lambda: business_uow(db, clock), clock=clock,
                              reporting=USD, rounding=Rounding.HALF_UP)  # fmt: skip

    await refresh()
    once = await CohortRowTable.count()
    await asyncio.gather(refresh(), refresh())
    assert await CohortRowTable.count() == once > 0

"""The pricing page and usage estimate use cases over the demo catalog, in memory."""

from __future__ import annotations

import pytest

from domain.catalog.cache import CatalogCache
from domain.catalog.price_list import BillingInterval
from domain.catalog.service import (
    estimate_usage_bill,
    load_demo_catalog,
    show_cached_pricing_page,
)
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.money import Money
from tests.fakes import InMemoryUnitOfWork
from tests.support.catalog_cache import memory_catalog_cache

pytestmark = pytest.mark.service


async def _uow() -> InMemoryUnitOfWork:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    return uow


async def _catalog() -> CatalogCache:
    """The demo catalog through the catalog cache, as the pricing page reads it."""
    return memory_catalog_cache(await _uow())


async def test_monthly_page_pairs_the_families_and_advertises_the_best_annual_saving() -> None:
    page = await show_cached_pricing_page(
        requested_currency=None,
        interval=None,
        seats=None,
        default_currency="USD",
        catalog=await _catalog(),
    )
    assert page.interval is BillingInterval.MONTH
    assert page.intervals == (BillingInterval.MONTH, BillingInterval.YEAR)
    assert [(c.family, c.plan.code, c.offered) for c in page.columns] == [
        ("starter", "starter-monthly", True),
        ("team", "team-monthly", True),
        ("scale", "scale-monthly", True),
    ]
    assert page.best_annual_saving == 16
    assert all(c.saving is None for c in page.columns), "the saving shows on annual prices"
    assert [c.code for c in page.estimate_choices] == ["scale-monthly"]
    assert page.estimate_plan == "scale-monthly" and page.estimate is None


async def test_annual_page_prices_seats_for_a_year_and_keeps_scale_monthly() -> None:
    page = await show_cached_pricing_page(
        requested_currency="EUR",
        interval="year",
        seats="5",
        default_currency="USD",
        catalog=await _catalog(),
    )
    starter, team, scale = page.columns
    assert (starter.plan.code, starter.total) == ("starter-annual", Money.of_minor(17000, "EUR"))
    assert starter.saving is not None and starter.saving.months_free == 2
    assert (team.plan.code, team.per_seat, team.quantity) == ("team-annual", True, 5)
    assert team.total == Money.of_minor(55000, "EUR")
    assert team.monthly_equivalent == Money.of_minor(4583, "EUR")  # 550.00 / 12, half-up
    assert team.saving is not None
    assert (team.saving.amount, team.saving.percent) == (Money.of_minor(11000, "EUR"), 16)
    assert (scale.plan.code, scale.offered, scale.saving) == ("scale-monthly", False, None)
    assert scale.usage is not None and len(scale.usage.tiers) == 3


async def test_the_page_estimates_usage_when_asked() -> None:
    page = await show_cached_pricing_page(
        requested_currency="USD",
        interval="month",
        seats=1,
        estimate_units="250,000",
        default_currency="USD",
        catalog=await _catalog(),
    )
    assert page.estimate is not None
    assert page.estimate.total == Money.of_minor(42900, "USD")


async def test_bad_inputs_fail_together() -> None:
    with pytest.raises(ValidationFailed) as info:
        await show_cached_pricing_page(
            requested_currency=None,
            interval="weekly",
            seats=0,
            estimate_units=-1,
            default_currency="USD",
            catalog=await _catalog(),
        )
    assert set(info.value.field_errors) == {"interval", "seats", "units"}


async def test_estimate_usage_bill_checks_the_plan_and_the_figure() -> None:
    uow = await _uow()
    estimate = await estimate_usage_bill("scale-monthly", "USD", "250000", uow=uow)
    assert estimate.usage_total == Money.of_minor(33000, "USD")
    with pytest.raises(NotFound):
        await estimate_usage_bill("enterprise", "USD", 1, uow=uow)
    with pytest.raises(NotFound):
        await estimate_usage_bill("priority-support", "USD", 1, uow=uow)  # an add-on
    with pytest.raises(ValidationFailed) as units:
        await estimate_usage_bill("scale-monthly", "USD", "-1", uow=uow)
    assert units.value.code == "catalog.invalid_usage"
    with pytest.raises(ValidationFailed) as currency:
        await estimate_usage_bill("scale-monthly", "XXX-not-money", 1, uow=uow)
    assert currency.value.code == "catalog.currency_not_offered"

"""Catalog use cases with an in-memory unit of work."""

from __future__ import annotations

import pytest

from domain.catalog.service import get_public_plan, load_demo_catalog, show_storefront
from domain.shared.errors import NotFound
from domain.unit_of_work import UnitOfWork
from tests.fakes import InMemoryUnitOfWork

pytestmark = pytest.mark.service


async def test_demo_catalog_loads_once() -> None:
    uow = InMemoryUnitOfWork()
    assert await load_demo_catalog(uow=uow) == 7  # five base plans and two add-ons
    assert await load_demo_catalog(uow=uow) == 0
    assert uow.commits == 1
    assert isinstance(uow, UnitOfWork)


async def test_storefront_lists_the_five_base_plans_not_the_addons() -> None:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    view = await show_storefront(requested_currency=None, default_currency="USD", uow=uow)
    assert [p.code for p in view.plans] == [
        "starter-monthly",
        "starter-annual",
        "team-monthly",
        "team-annual",
        "scale-monthly",
    ]


async def test_demo_catalog_covers_the_three_billing_models() -> None:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    view = await show_storefront(requested_currency=None, default_currency="USD", uow=uow)
    assert {p.pricing_model for p in view.plans} == {"flat", "per_seat", "usage"}
    assert {p.interval for p in view.plans if p.pricing_model == "flat"} == {"month", "year"}
    assert {p.interval for p in view.plans if p.pricing_model == "per_seat"} == {"month", "year"}


@pytest.mark.parametrize(
    ("requested", "default", "expected"),
    [
        ("EUR", "USD", "EUR"),
        ("eur", "USD", "EUR"),
        ("JPY", "USD", "USD"),
        (None, "EUR", "EUR"),
        (None, "GBP", "EUR"),
    ],
)
async def test_storefront_currency_choice(
    requested: str | None, default: str, expected: str
) -> None:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    view = await show_storefront(requested_currency=requested, default_currency=default, uow=uow)
    assert view.currencies == ["EUR", "USD"]
    assert view.currency == expected


async def test_unknown_plan_is_not_found_with_a_code() -> None:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    assert (await get_public_plan("team-monthly", uow=uow)).name == "Team"
    with pytest.raises(NotFound) as info:
        await get_public_plan("enterprise", uow=uow)
    assert info.value.code == "catalog.plan_not_found"

"""Two processes' catalog caches on one database: a catalog write committed by one is what the
other serves on its next request; a write rolled back moves nothing."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from domain.adapters.db.catalog_cache import VersionProbe, piccolo_catalog_cache, version_probe
from domain.adapters.db.repositories.catalog_version import read_catalog_version
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.cache import CatalogCache
from domain.catalog.demo import EUR, USD
from domain.catalog.model import PlanPrice
from domain.catalog.service import load_demo_catalog, publish_plan_version
from domain.pricing.model import Charge, ChargeModel
from domain.pricing.tax_policy import JurisdictionRate
from domain.pricing.totals import TaxRate
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from web.jobs import build_registry

pytestmark = pytest.mark.integration


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


def _cache(db: TestDatabase, clock: FrozenClock, probe: VersionProbe | None = None) -> CatalogCache:
    """One process's cache (each app builds its own, and checks the version on a connection of
    its own: ``probe``)."""
    return piccolo_catalog_cache(
        lambda: PiccoloUnitOfWork(
            db.engine, clock=clock, registry=build_registry(), read_only=True
        ),
        probe,
    )


def _seats(usd: int, eur: int) -> tuple[PlanPrice, ...]:
    def price(currency: object, minor: int) -> PlanPrice:
        return PlanPrice(
            currency,  # type: ignore[arg-type]
            (Charge(ChargeModel.PER_UNIT, unit_minor=Decimal(minor), unit_label="seat"),),
        )

    return (price(USD, usd), price(EUR, eur))


def _seat_price(plan: object) -> Decimal:
    return plan.price_in(USD).charges[-1].unit_minor  # type: ignore[attr-defined, no-any-return]


async def test_a_version_published_by_one_process_is_served_by_the_other_on_its_next_request(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await load_demo_catalog(uow=_uow(db, clock))
    probe = version_probe(db.engine)  # as the app checks it, on its own connection
    here, there = _cache(db, clock), _cache(db, clock, probe)
    before = (await there.snapshot()).public_plan("team-monthly")
    assert before is not None and _seat_price(before) == 1200
    assert (await here.snapshot()).public_plan("team-monthly") == before
    assert (await there.snapshot()) is (await there.snapshot()), "unchanged: served from memory"
    loads = there.loads

    await publish_plan_version("team-monthly", prices=_seats(1500, 1400), uow=_uow(db, clock),
                               clock=clock)  # fmt: skip

    after = (await there.snapshot()).public_plan("team-monthly")
    assert after is not None and (after.version, _seat_price(after)) == (2, 1500)
    assert there.loads == loads + 1
    assert (await here.snapshot()).public_plan("team-monthly") == after
    await probe.close()


async def test_plan_details_and_tax_rates_move_the_version_and_a_rollback_does_not(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await load_demo_catalog(uow=_uow(db, clock))
    cache = _cache(db, clock)
    start = await cache.snapshot()
    assert start.version == await read_catalog_version() > 0
    assert start.tax_rates == ()

    async with _uow(db, clock) as uow:
        rate = JurisdictionRate("DE", TaxRate("VAT", Decimal("19"), inclusive=False))
        await uow.tax_rates.add(rate)
        await uow.commit()
    assert (await cache.snapshot()).tax_rates == (rate,)

    team = start.public_plan("team-monthly")
    assert team is not None
    async with _uow(db, clock) as uow:
        await uow.plans.update_details("team-monthly", replace(team.details, is_public=False))
        await uow.rollback()
    assert (await cache.snapshot()).public_plan("team-monthly") is not None
    loads = cache.loads

    async with _uow(db, clock) as uow:
        await uow.plans.update_details("team-monthly", replace(team.details, is_public=False))
        await uow.commit()
    assert (await cache.snapshot()).public_plan("team-monthly") is None, "hidden: not sold"
    assert cache.loads == loads + 1

"""Two app instances on one database (two processes in production): each keeps the catalog in
memory, and a new plan version published through one is on the other's pricing page, checkout
page and summary at its very next request."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.demo import EUR, USD
from domain.catalog.model import PlanPrice
from domain.catalog.service import load_demo_catalog, publish_plan_version
from domain.pricing.model import Charge, ChargeModel
from domain.shared.clock import FrozenClock
from tests.support.database import TestDatabase
from tests.support.html import by_testid, one, parse, text
from tests.web.conftest import make_settings, serve
from web.app import create_app
from web.jobs import build_registry

pytestmark = pytest.mark.web

SUMMARY = "/checkout/team-monthly/summary?currency=USD&quantity=2&country=US"


def _seats(usd: int, eur: int) -> tuple[PlanPrice, ...]:
    def price(currency: object, minor: int) -> PlanPrice:
        return PlanPrice(
            currency,  # type: ignore[arg-type]
            (Charge(ChargeModel.PER_UNIT, unit_minor=Decimal(minor), unit_label="seat"),),
        )

    return (price(USD, usd), price(EUR, eur))


async def test_a_plan_version_published_through_one_instance_is_served_by_the_other(
    db: TestDatabase, clock: FrozenClock
) -> None:
    def uow() -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())

    first = create_app(make_settings(db), clock=clock, engine=db.engine, start_runner=False)
    second = create_app(make_settings(db), clock=clock, engine=db.engine, start_runner=False)
    async with serve(first) as one_client, serve(second) as other:
        await load_demo_catalog(uow=uow())

        async def team_price() -> str:
            doc = parse((await other.get("/pricing")).text)
            card = one(doc, '[data-testid="plan-card"][data-family="team"]')
            return text(by_testid(card, "plan-price")[0])

        async def summary_total() -> str:
            fragment = await other.get(SUMMARY, headers={"HX-Request": "true"})
            return text(by_testid(parse(fragment.text), "summary-total")[0])

        assert "$12.00" in await team_price()
        assert await summary_total() == "$24.00"
        assert (await one_client.get("/pricing")).status_code == 200  # both caches are warm

        await publish_plan_version(
            "team-monthly", prices=_seats(1500, 1400), uow=uow(), clock=clock
        )

        assert "$15.00" in await team_price()
        assert await summary_total() == "$30.00"
        page = parse((await other.get("/checkout/team-monthly?currency=USD&quantity=2")).text)
        assert text(by_testid(page, "summary-total")[0]) == "$30.00"
        mine = parse((await one_client.get("/pricing")).text)
        card = one(mine, '[data-testid="plan-card"][data-family="team"]')
        assert "$15.00" in text(by_testid(card, "plan-price")[0])

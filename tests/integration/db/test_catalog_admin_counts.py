"""The admin catalog's subscriber counts per plan version on the real database (SQLite and
PostgreSQL): base plans grouped by their version, add-ons counted from the subscriptions'
add-on lists, only active/trialing/past due/paused subscriptions; and display details edited on
every version in place."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.adapters.db.tables import SubscriptionTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.billing.config import BillingConfig
from domain.catalog.model import PlanDetails, PlanKind
from domain.catalog.service import publish_plan_version
from domain.catalog_admin.service import catalog_overview, plan_page
from domain.customers.service import create_customer
from domain.shared.clock import FrozenClock
from domain.shared.periods import utc
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions.subscribing import subscribe
from tests.support.database import TestDatabase
from tests.unit.billing._builders import flat, make_plan, per_unit
from web.jobs import build_registry

pytestmark = pytest.mark.integration

TEAM = make_plan("team")
STORAGE = replace(make_plan("storage", charges=(per_unit(500),)), kind=PlanKind.ADDON)
CONFIG = BillingConfig(seller_country="US")
VIEWER = SignedInStaff("staff-v", "vera@example.com", "Vera", Role.VIEWER, "s")


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


async def _customer(db: TestDatabase, clock: FrozenClock, n: int) -> str:
    customer = await create_customer(email=f"c{n}@example.test", name=f"C {n}", currency="USD",
                                     country="US", region="NY", uow=_uow(db, clock), clock=clock)  # fmt: skip
    return customer.id


async def test_subscribers_are_counted_per_version_and_add_on(
    db: TestDatabase,
) -> None:
    clock = FrozenClock(utc(2024, 1, 31))
    async with _uow(db, clock) as uow:
        await uow.plans.add(TEAM)
        await uow.plans.add(STORAGE)
        await uow.commit()
    kw = {"uow": None, "clock": clock, "config": CONFIG}
    subs = []
    for n, addons in enumerate(((("storage", 2),), (), ())):
        kw["uow"] = _uow(db, clock)
        outcome = await subscribe(await _customer(db, clock, n), "team", addons=addons, **kw)  # type: ignore[arg-type]
        subs.append(outcome.subscription)
    # the third ended: it is not counted
    await SubscriptionTable.update({SubscriptionTable.status: "canceled"}).where(
        SubscriptionTable.id == subs[2].id
    )
    v2 = await publish_plan_version("team", prices=(replace(TEAM.prices[0], charges=(flat(4000),)),),
                                    uow=_uow(db, clock), clock=clock)  # fmt: skip
    kw["uow"] = _uow(db, clock)
    await subscribe(await _customer(db, clock, 9), "team", **kw)  # type: ignore[arg-type]

    counts = await _uow(db, clock).subscriptions.count_by_plan(frozenset({"active", "trialing"}))
    assert counts == {TEAM.id: 2, v2.id: 1, STORAGE.id: 1}
    assert await _uow(db, clock).subscriptions.count_by_plan(frozenset()) == {}

    rows = await catalog_overview(VIEWER, uow=_uow(db, clock))
    assert [(r.current.code, r.subscribers) for r in rows] == [("team", 3), ("storage", 1)]
    page = await plan_page(VIEWER, "team", uow=_uow(db, clock))
    assert [(v.plan.version, v.subscribers) for v in page.versions] == [(1, 2), (2, 1)]


async def test_details_are_updated_on_every_version_keeping_other_metadata(
    db: TestDatabase,
) -> None:
    clock = FrozenClock(utc(2024, 1, 31))
    async with _uow(db, clock) as uow:
        await uow.plans.add(replace(TEAM, metadata={"max_seats": "50"}))
        await uow.commit()
    await publish_plan_version("team", prices=(replace(TEAM.prices[0], setup_fee_minor=100),),
                               uow=_uow(db, clock), clock=clock)  # fmt: skip
    details = PlanDetails("Team Plus", "New words", ("A", "B"), False, 7, True, "team")
    async with _uow(db, clock) as uow:
        await uow.plans.update_details("team", details)
        await uow.commit()
    versions = await _uow(db, clock).plans.versions("team")
    assert [v.details for v in versions] == [details, details]
    assert [v.metadata for v in versions] == [{"max_seats": "50", "family": "team"}] * 2
    assert [v.prices[0].setup_fee_minor for v in versions] == [0, 100]
    listed = await _uow(db, clock).plans.all_versions()
    assert [(p.code, p.version) for p in listed] == [("team", 1), ("team", 2)]

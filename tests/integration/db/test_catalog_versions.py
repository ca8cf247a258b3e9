"""Plan versions, add-ons and plan-change rules on the real database: the mapping round trip, the
unique indexes of the migration, and publishing in one transaction."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from domain.adapters.db.migrate import apply_migrations
from domain.adapters.db.tables import PlanChangeRuleTable, PlanTable, bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.change_policy import (
    UPGRADE,
    ChangePolicy,
    ChangeProration,
    ChangeTiming,
)
from domain.catalog.demo import EUR, USD
from domain.catalog.model import Plan, PlanKind, PlanPrice
from domain.catalog.service import (
    list_addons_for,
    list_public_plans,
    load_demo_catalog,
    publish_plan_version,
    remove_plan_change_rule,
    resolve_change_policy,
    set_plan_change_rule,
)
from domain.pricing.model import Charge, ChargeModel
from domain.shared.clock import FrozenClock
from domain.shared.errors import Conflict, ValidationFailed
from domain.shared.ids import PlanId
from tests.support.database import TestDatabase
from web.jobs import build_registry

pytestmark = pytest.mark.integration


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


def _flat(minor_usd: int, minor_eur: int) -> tuple[PlanPrice, ...]:
    return (
        PlanPrice(USD, (Charge(ChargeModel.FLAT, amount_minor=minor_usd),)),
        PlanPrice(EUR, (Charge(ChargeModel.FLAT, amount_minor=minor_eur),)),
    )


async def _add(db: TestDatabase, clock: FrozenClock, plan: Plan) -> None:
    async with _uow(db, clock) as uow:
        await uow.plans.add(plan)
        await uow.commit()


async def _get(db: TestDatabase, clock: FrozenClock, code: str) -> Plan:
    async with _uow(db, clock) as uow:
        plan = await uow.plans.get_by_code(code)
    assert plan is not None
    return plan


async def test_demo_catalog_round_trips_kinds_and_addon_targets(
    db: TestDatabase, clock: FrozenClock
) -> None:
    assert await load_demo_catalog(uow=_uow(db, clock)) == 7
    assert await load_demo_catalog(uow=_uow(db, clock)) == 0
    support = await _get(db, clock, "priority-support")
    assert (support.kind, support.version, support.is_current) == (PlanKind.ADDON, 1, True)
    assert support.attaches_to == ("starter-monthly", "team-monthly", "scale-monthly")
    cards = await list_public_plans(uow=_uow(db, clock))
    assert [c.code for c in cards] == [
        "starter-monthly",
        "starter-annual",
        "team-monthly",
        "team-annual",
        "scale-monthly",
    ]
    addons = await list_addons_for("scale-monthly", "USD", uow=_uow(db, clock))
    assert [a.code for a in addons] == ["priority-support", "extra-storage"]
    assert await list_addons_for("starter-annual", "USD", uow=_uow(db, clock)) == []


async def test_publishing_a_version_grandfathers_the_sold_one(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await load_demo_catalog(uow=_uow(db, clock))
    v1 = await _get(db, clock, "starter-monthly")

    v2 = await publish_plan_version(
        "starter-monthly", prices=_flat(2400, 2200), uow=_uow(db, clock), clock=clock
    )

    async with _uow(db, clock) as uow:
        sold = await uow.plans.get(v1.id)
        current = await uow.plans.get_by_code("starter-monthly")
        versions = await uow.plans.versions("starter-monthly")
    assert sold is not None and current is not None
    assert sold.prices == v1.prices
    assert sold.retired_at == clock.now()
    assert (current.id, current.version, current.is_current) == (v2.id, 2, True)
    assert set(current.prices) == set(v2.prices)  # stored in currency order
    assert [(p.version, p.is_current) for p in versions] == [(1, False), (2, True)]
    cards = await list_public_plans(uow=_uow(db, clock))
    starter = [c for c in cards if c.code == "starter-monthly"]
    assert [p.headline.minor for p in starter[0].prices] == [2200, 2400]  # EUR, USD
    assert len(starter) == 1
    assert await load_demo_catalog(uow=_uow(db, clock)) == 0


async def test_a_refused_version_changes_nothing(db: TestDatabase, clock: FrozenClock) -> None:
    await load_demo_catalog(uow=_uow(db, clock))
    with pytest.raises(ValidationFailed):
        await publish_plan_version(
            "starter-monthly",
            prices=_flat(2400, 2200),
            interval=(await _get(db, clock, "starter-annual")).interval,
            uow=_uow(db, clock),
            clock=clock,
        )
    rows = await PlanTable.select(PlanTable.version, PlanTable.retired_at).where(
        PlanTable.code == "starter-monthly"
    )
    assert rows == [{"version": 1, "retired_at": None}]


async def test_the_database_refuses_a_repeated_version_or_a_second_current_one(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await load_demo_catalog(uow=_uow(db, clock))
    v1 = await _get(db, clock, "team-monthly")
    for clash in (
        replace(v1, id=PlanId("team-again"), retired_at=clock.now()),  # same (code, version)
        replace(v1, id=PlanId("team-current"), version=2),  # a second current version
    ):
        with pytest.raises(Conflict) as info:
            await _add(db, clock, clash)
        assert info.value.code == "catalog.concurrent_version"
    assert await PlanTable.count().where(PlanTable.code == "team-monthly") == 1


async def test_concurrent_publishers_take_turns_and_never_fork_a_plan(
    db: TestDatabase, clock: FrozenClock
) -> None:
    # three rounds of six: a publisher that read a version already retired by another must wait
    # its turn, not deadlock on the unique indexes (PostgreSQL did, before the row lock)
    await load_demo_catalog(uow=_uow(db, clock))
    for round_ in range(3):
        results = await asyncio.gather(
            *(
                publish_plan_version(
                    "team-monthly",
                    prices=_flat(1300 + 10 * round_ + i, 1200 + i),
                    uow=_uow(db, clock),
                    clock=clock,
                )
                for i in range(6)
            ),
            return_exceptions=True,
        )
        assert [r for r in results if isinstance(r, BaseException)] == []
    async with _uow(db, clock) as uow:
        versions = await uow.plans.versions("team-monthly")
    assert [p.version for p in versions] == list(range(1, 20))
    assert [p.is_current for p in versions] == [False] * 18 + [True]


async def test_change_rules_are_stored_replaced_and_removed(
    db: TestDatabase, clock: FrozenClock
) -> None:
    await load_demo_catalog(uow=_uow(db, clock))
    starter = await _get(db, clock, "starter-monthly")
    team = await _get(db, clock, "team-monthly")
    for timing, proration in (
        (ChangeTiming.PERIOD_END, ChangeProration.NONE),
        (ChangeTiming.IMMEDIATE, ChangeProration.NEXT_INVOICE),
    ):
        await set_plan_change_rule(
            "starter-monthly",
            "team-monthly",
            timing=timing,
            proration=proration,
            uow=_uow(db, clock),
        )
    assert await PlanChangeRuleTable.count() == 1
    policy = await resolve_change_policy(starter, 1, team, 2, "USD", uow=_uow(db, clock))
    assert policy == ChangePolicy(ChangeTiming.IMMEDIATE, ChangeProration.NEXT_INVOICE)

    await remove_plan_change_rule("starter-monthly", "team-monthly", uow=_uow(db, clock))
    assert await resolve_change_policy(starter, 1, team, 2, "USD", uow=_uow(db, clock)) == UPGRADE
    assert await PlanChangeRuleTable.count() == 0


async def test_the_database_keeps_one_rule_per_pair(db: TestDatabase, clock: FrozenClock) -> None:
    def row(row_id: str) -> PlanChangeRuleTable:
        return PlanChangeRuleTable(
            id=row_id, from_code="a", to_code="b", timing="immediate", proration="none"
        )

    await PlanChangeRuleTable.insert(row("r1"))
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await PlanChangeRuleTable.insert(row("r2"))


BEFORE_PLAN_VERSIONS = "2026-11-24T21:13:27:411751"


async def test_the_migration_keeps_existing_plans_as_current_base_versions(
    database: TestDatabase, tmp_path: Path, clock: FrozenClock
) -> None:
    """Upgrade a database that already sells plans (SQLite rebuilds the plan table, PostgreSQL
    drops the constraint): rows, prices and foreign keys survive, and codes may now repeat."""
    import domain.adapters.db.piccolo_conf as conf

    old = await TestDatabase.create(
        database._admin_url or None, tmp_path, migrate_to=BEFORE_PLAN_VERSIONS
    )
    try:
        await old.engine.run_ddl(
            "INSERT INTO plan (id, code, name, interval_unit) VALUES ('p1', 'basic', 'Basic', 'month')"
        )
        await old.engine.run_ddl(
            "INSERT INTO plan_price (id, plan, currency, charges)"
            " VALUES ('pp1', 'p1', 'USD', '[{\"model\": \"flat\", \"amount_minor\": 900}]')"
        )
        await apply_migrations(old.engine, quiet=True)

        uow = _uow(old, clock)
        async with uow:
            basic = await uow.plans.get_by_code("basic")
        assert basic is not None
        assert (basic.version, basic.is_current, basic.kind, basic.attaches_to) == (
            1,
            True,
            PlanKind.BASE,
            (),
        )
        assert basic.prices[0].charges[0].amount_minor == 900
        v2 = await publish_plan_version(
            "basic", prices=_flat(1000, 900), uow=_uow(old, clock), clock=clock
        )
        assert v2.version == 2
        with pytest.raises(Exception, match=r"(?i)foreign key"):
            await old.engine.run_ddl("DELETE FROM plan WHERE id = 'p1'")  # its price refers to it
    finally:
        await old.drop()
        conf.DB = database.engine
        bind_tables(database.engine)

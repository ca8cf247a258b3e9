"""Publishing plan versions, listing add-ons and resolving plan-change policies with an in-memory
unit of work."""

from __future__ import annotations

import pytest

from domain.catalog.change_policy import (
    DOWNGRADE,
    UPGRADE,
    ChangePolicy,
    ChangeProration,
    ChangeTiming,
)
from domain.catalog.demo import EUR, USD, YEAR
from domain.catalog.model import PlanPrice
from domain.catalog.service import (
    get_public_plan,
    list_addons_for,
    list_plan_versions,
    list_public_plans,
    load_demo_catalog,
    publish_plan_version,
    remove_plan_change_rule,
    resolve_change_policy,
    set_plan_change_rule,
)
from domain.pricing.model import Charge, ChargeModel
from domain.shared.clock import FrozenClock
from domain.shared.errors import NotFound, ValidationFailed
from tests.fakes import InMemoryUnitOfWork

pytestmark = pytest.mark.service


def _flat(minor_usd: int, minor_eur: int) -> tuple[PlanPrice, ...]:
    return (
        PlanPrice(USD, (Charge(ChargeModel.FLAT, amount_minor=minor_usd),)),
        PlanPrice(EUR, (Charge(ChargeModel.FLAT, amount_minor=minor_eur),)),
    )


async def _catalog() -> InMemoryUnitOfWork:
    uow = InMemoryUnitOfWork()
    await load_demo_catalog(uow=uow)
    return uow


async def test_publishing_a_version_keeps_the_sold_one(clock: FrozenClock) -> None:
    uow = await _catalog()
    v1 = await uow.plans.get_by_code("starter-monthly")
    assert v1 is not None

    v2 = await publish_plan_version(
        "starter-monthly", prices=_flat(2400, 2200), uow=uow, clock=clock
    )

    assert (v2.code, v2.version, v2.is_current) == ("starter-monthly", 2, True)
    assert v2.id != v1.id
    assert (v2.name, v2.interval, v2.features, v2.trial_days) == (
        v1.name,
        v1.interval,
        v1.features,
        v1.trial_days,
    )
    sold = await uow.plans.get(v1.id)  # a subscription's plan id: grandfathered
    assert sold is not None
    assert sold.prices == v1.prices
    assert sold.retired_at == clock.now()
    assert await uow.plans.get_by_code("starter-monthly") == v2
    assert [p.version for p in await list_plan_versions("starter-monthly", uow=uow)] == [1, 2]


async def test_storefront_shows_only_the_current_version(clock: FrozenClock) -> None:
    uow = await _catalog()
    await publish_plan_version("starter-monthly", prices=_flat(2400, 2200), uow=uow, clock=clock)
    cards = await list_public_plans(uow=uow)
    assert [c.code for c in cards].count("starter-monthly") == 1
    starter = next(c for c in cards if c.code == "starter-monthly")
    assert {p.currency: p.headline.minor for p in starter.prices} == {"USD": 2400, "EUR": 2200}
    assert (await get_public_plan("starter-monthly", uow=uow)).prices == starter.prices


async def test_a_version_may_rename_and_change_features(clock: FrozenClock) -> None:
    uow = await _catalog()
    v2 = await publish_plan_version(
        "team-monthly",
        prices=_flat(5000, 4500),
        name="Team 2025",
        features=("Everything in Team", "Audit log"),
        trial_days=30,
        uow=uow,
        clock=clock,
    )
    clock.advance(days=1)
    v3 = await publish_plan_version("team-monthly", prices=_flat(5500, 5000), uow=uow, clock=clock)
    assert (v3.version, v3.name, v3.features, v3.trial_days) == (
        3,
        "Team 2025",
        v2.features,
        30,
    )
    assert v3.highlighted and v3.sort_order == v2.sort_order
    old = await uow.plans.get(v2.id)
    assert old is not None and old.retired_at == clock.now()


async def test_an_interval_change_is_refused(clock: FrozenClock) -> None:
    uow = await _catalog()
    with pytest.raises(ValidationFailed) as info:
        await publish_plan_version(
            "starter-monthly", prices=_flat(20000, 18000), interval=YEAR, uow=uow, clock=clock
        )
    assert info.value.code == "catalog.interval_change"
    assert [p.version for p in await uow.plans.versions("starter-monthly")] == [1]
    assert uow.commits == 1  # only the demo load


async def test_publishing_needs_a_known_code_and_prices(clock: FrozenClock) -> None:
    uow = await _catalog()
    with pytest.raises(NotFound) as missing:
        await publish_plan_version("enterprise", prices=_flat(1, 1), uow=uow, clock=clock)
    assert missing.value.code == "catalog.plan_not_found"
    with pytest.raises(ValidationFailed) as empty:
        await publish_plan_version("starter-monthly", prices=(), uow=uow, clock=clock)
    assert empty.value.code == "catalog.prices_required"
    with pytest.raises(NotFound):
        await list_plan_versions("enterprise", uow=uow)


async def test_demo_load_stays_idempotent_after_a_new_version(clock: FrozenClock) -> None:
    uow = await _catalog()
    await publish_plan_version("starter-monthly", prices=_flat(2400, 2200), uow=uow, clock=clock)
    assert await load_demo_catalog(uow=uow) == 0


async def test_addons_for_a_monthly_plan_in_a_currency() -> None:
    uow = await _catalog()
    addons = await list_addons_for("team-monthly", "EUR", uow=uow)
    assert [a.code for a in addons] == ["priority-support", "extra-storage"]
    assert await list_addons_for("starter-annual", USD, uow=uow) == []
    assert await list_addons_for("team-monthly", "JPY", uow=uow) == []


async def test_addons_are_not_public_plans() -> None:
    uow = await _catalog()
    assert "priority-support" not in [c.code for c in await list_public_plans(uow=uow)]
    with pytest.raises(NotFound):
        await get_public_plan("priority-support", uow=uow)


async def test_addons_for_an_unknown_plan_or_an_addon(clock: FrozenClock) -> None:
    uow = await _catalog()
    with pytest.raises(NotFound):
        await list_addons_for("enterprise", "USD", uow=uow)
    with pytest.raises(ValidationFailed) as info:
        await list_addons_for("extra-storage", "USD", uow=uow)
    assert info.value.code == "catalog.not_a_base_plan"


async def test_a_new_addon_version_replaces_the_old_one_in_listings(clock: FrozenClock) -> None:
    uow = await _catalog()
    v2 = await publish_plan_version(
        "priority-support", prices=_flat(5900, 5500), uow=uow, clock=clock
    )
    assert v2.is_addon and v2.attaches_to
    addons = await list_addons_for("starter-monthly", "USD", uow=uow)
    assert [(a.code, a.version) for a in addons] == [("priority-support", 2), ("extra-storage", 1)]


async def test_without_a_rule_the_default_policy_applies() -> None:
    uow = await _catalog()
    starter = await uow.plans.get_by_code("starter-monthly")
    team = await uow.plans.get_by_code("team-monthly")
    assert starter is not None and team is not None
    assert await resolve_change_policy(starter, 1, team, 2, USD, uow=uow) == UPGRADE
    assert await resolve_change_policy(team, 2, starter, 1, USD, uow=uow) == DOWNGRADE


async def test_a_rule_overrides_the_default_for_its_pair_only(clock: FrozenClock) -> None:
    uow = await _catalog()
    rule = await set_plan_change_rule(
        "starter-monthly",
        "team-monthly",
        timing=ChangeTiming.IMMEDIATE,
        proration=ChangeProration.NEXT_INVOICE,
        uow=uow,
    )
    custom = ChangePolicy(ChangeTiming.IMMEDIATE, ChangeProration.NEXT_INVOICE)
    assert rule.policy == custom
    starter = await uow.plans.get_by_code("starter-monthly")
    team = await uow.plans.get_by_code("team-monthly")
    assert starter is not None and team is not None
    assert await resolve_change_policy(starter, 1, team, 2, USD, uow=uow) == custom
    assert await resolve_change_policy(team, 2, starter, 1, USD, uow=uow) == DOWNGRADE
    # the rule is about codes: it holds for a grandfathered version too
    await publish_plan_version("starter-monthly", prices=_flat(2400, 2200), uow=uow, clock=clock)
    assert await resolve_change_policy(starter, 1, team, 2, USD, uow=uow) == custom


async def test_setting_a_rule_again_replaces_it_and_removing_restores_the_default() -> None:
    uow = await _catalog()
    for timing, proration in (
        (ChangeTiming.IMMEDIATE, ChangeProration.NONE),
        (ChangeTiming.PERIOD_END, ChangeProration.NONE),
    ):
        await set_plan_change_rule(
            "team-monthly", "team-monthly", timing=timing, proration=proration, uow=uow
        )
    assert len(await uow.plan_change_rules.list_all()) == 1
    team = await uow.plans.get_by_code("team-monthly")
    assert team is not None
    assert await resolve_change_policy(team, 3, team, 5, USD, uow=uow) == DOWNGRADE
    await remove_plan_change_rule("team-monthly", "team-monthly", uow=uow)
    assert await resolve_change_policy(team, 3, team, 5, USD, uow=uow) == UPGRADE
    with pytest.raises(NotFound) as info:
        await remove_plan_change_rule("team-monthly", "team-monthly", uow=uow)
    assert info.value.code == "catalog.change_rule_not_found"


async def test_a_rule_needs_known_codes_and_a_coherent_policy() -> None:
    uow = await _catalog()
    with pytest.raises(ValidationFailed) as unknown:
        await set_plan_change_rule(
            "starter-monthly",
            "enterprise",
            timing=ChangeTiming.IMMEDIATE,
            proration=ChangeProration.NONE,
            uow=uow,
        )
    assert unknown.value.code == "catalog.plan_not_found"
    assert unknown.value.field_errors.keys() == {"to_code"}
    with pytest.raises(ValidationFailed) as incoherent:
        await set_plan_change_rule(
            "team-monthly",
            "starter-monthly",
            timing=ChangeTiming.PERIOD_END,
            proration=ChangeProration.INVOICE_NOW,
            uow=uow,
        )
    assert incoherent.value.code == "catalog.invalid_change_rule"
    assert await uow.plan_change_rules.list_all() == []


async def test_an_override_still_checks_the_currency() -> None:
    uow = await _catalog()
    await set_plan_change_rule(
        "starter-monthly",
        "team-monthly",
        timing=ChangeTiming.IMMEDIATE,
        proration=ChangeProration.NONE,
        uow=uow,
    )
    starter = await uow.plans.get_by_code("starter-monthly")
    team = await uow.plans.get_by_code("team-monthly")
    assert starter is not None and team is not None
    with pytest.raises(ValidationFailed) as info:
        await resolve_change_policy(starter, 1, team, 1, "GBP", uow=uow)
    assert info.value.code == "catalog.currency_not_offered"

"""Plan versions and add-ons: what a version may change, which add-ons attach to which plans."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.catalog.demo import EUR, MONTH, USD, YEAR, demo_plans
from domain.catalog.model import Plan, PlanKind, PlanPrice
from domain.catalog.rules import (
    check_addon_attachable,
    check_version_interval,
    check_version_prices,
    is_addon_attachable,
)
from domain.pricing.model import Charge, ChargeModel
from domain.shared.errors import ValidationFailed
from domain.shared.ids import PlanId
from domain.shared.periods import Interval, IntervalUnit

pytestmark = pytest.mark.unit

PLANS = {p.code: p for p in demo_plans()}


def _price(currency_code: str = "USD", minor: int = 1000) -> PlanPrice:
    currency = USD if currency_code == "USD" else EUR
    return PlanPrice(currency, (Charge(ChargeModel.FLAT, amount_minor=minor),))


def _addon(code: str = "backup", *, interval: Interval = MONTH, attaches_to: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return Plan(
        PlanId(f"id-{code}"),
        code,
        code.title(),
        "",
        interval,
        (_price(),),
        kind=PlanKind.ADDON,
        attaches_to=attaches_to,
    )


def test_a_plan_is_a_current_base_plan_at_version_one_by_default() -> None:
    plan = PLANS["starter-monthly"]
    assert (plan.version, plan.is_current, plan.kind, plan.attaches_to) == (
        1,
        True,
        PlanKind.BASE,
        (),
    )
    retired = replace(plan, retired_at=datetime(2024, 1, 31, tzinfo=UTC))
    assert not retired.is_current


@pytest.mark.parametrize("version", [0, -1])
def test_version_starts_at_one(version: int) -> None:
    with pytest.raises(ValidationFailed) as info:
        replace(PLANS["starter-monthly"], version=version)
    assert "version" in info.value.field_errors


def test_only_an_addon_names_the_plans_it_attaches_to() -> None:
    with pytest.raises(ValidationFailed) as info:
        replace(PLANS["starter-monthly"], attaches_to=("team-monthly",))
    assert "attaches_to" in info.value.field_errors


def test_a_new_version_keeps_the_interval() -> None:
    check_version_interval(PLANS["starter-monthly"], Interval(IntervalUnit.MONTH))
    with pytest.raises(ValidationFailed) as info:
        check_version_interval(PLANS["starter-monthly"], YEAR)
    assert info.value.code == "catalog.interval_change"
    assert "new plan" in info.value.message
    with pytest.raises(ValidationFailed):
        check_version_interval(PLANS["starter-monthly"], Interval(IntervalUnit.MONTH, 3))


def test_a_version_needs_one_price_per_currency() -> None:
    check_version_prices((_price("USD"), _price("EUR")))
    with pytest.raises(ValidationFailed) as empty:
        check_version_prices(())
    assert empty.value.code == "catalog.prices_required"
    with pytest.raises(ValidationFailed) as twice:
        check_version_prices((_price("USD"), _price("USD", 2000)))
    assert twice.value.code == "catalog.duplicate_currency"
    assert "USD" in twice.value.message


def test_demo_addons_attach_to_the_monthly_base_plans_only() -> None:
    for addon_code in ("priority-support", "extra-storage"):
        addon = PLANS[addon_code]
        assert addon.is_addon
        for base in ("starter-monthly", "team-monthly", "scale-monthly"):
            check_addon_attachable(PLANS[base], addon)
        assert not is_addon_attachable(PLANS["starter-annual"], addon)


def test_attaching_a_base_plan_is_refused() -> None:
    with pytest.raises(ValidationFailed) as info:
        check_addon_attachable(PLANS["starter-monthly"], PLANS["team-monthly"])
    assert info.value.code == "catalog.not_an_addon"


def test_an_addon_does_not_attach_to_an_addon() -> None:
    with pytest.raises(ValidationFailed) as info:
        check_addon_attachable(PLANS["priority-support"], PLANS["extra-storage"])
    assert info.value.code == "catalog.not_a_base_plan"


def test_an_addon_attaches_only_to_the_plans_it_names() -> None:
    addon = _addon(attaches_to=("team-monthly",))
    check_addon_attachable(PLANS["team-monthly"], addon)
    with pytest.raises(ValidationFailed) as info:
        check_addon_attachable(PLANS["starter-monthly"], addon)
    assert info.value.code == "catalog.addon_not_allowed"
    assert "Starter" in info.value.message


def test_an_addon_naming_no_plan_attaches_to_any_base_plan_with_its_interval() -> None:
    addon = _addon()
    for code in ("starter-monthly", "team-monthly", "scale-monthly"):
        check_addon_attachable(PLANS[code], addon)
    with pytest.raises(ValidationFailed) as info:
        check_addon_attachable(PLANS["starter-annual"], addon)
    assert info.value.code == "catalog.addon_interval_mismatch"


def test_an_allowed_addon_must_still_share_the_interval() -> None:
    addon = _addon(interval=YEAR, attaches_to=("starter-monthly", "starter-annual"))
    check_addon_attachable(PLANS["starter-annual"], addon)
    with pytest.raises(ValidationFailed) as info:
        check_addon_attachable(PLANS["starter-monthly"], addon)
    assert info.value.code == "catalog.addon_interval_mismatch"

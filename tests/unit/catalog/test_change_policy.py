"""Default plan-change policy: upgrades and longer intervals now, downgrades and shorter intervals at
period end, compared exactly per year."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest

from domain.catalog.change_policy import (
    DOWNGRADE,
    SIDEWAYS,
    UPGRADE,
    ChangePolicy,
    ChangeProration,
    ChangeTiming,
    default_change_policy,
    licensed_amount,
    yearly_licensed_amount,
)
from domain.catalog.demo import EUR, MONTH, USD, YEAR, demo_plans
from domain.catalog.model import Plan, PlanPrice
from domain.pricing.model import Charge, ChargeModel, Tier
from domain.shared.errors import ValidationFailed
from domain.shared.ids import PlanId
from domain.shared.money import Currency
from domain.shared.periods import Interval, IntervalUnit
from domain.subscriptions.engine import ProrationBehavior, Timing

pytestmark = pytest.mark.unit

PLANS = {p.code: p for p in demo_plans()}


def _plan(code: str, *charges: Charge, interval: Interval = MONTH) -> Plan:
    return Plan(PlanId(code), code, code, "", interval, (PlanPrice(USD, charges),))


def _flat(code: str, minor: int, interval: Interval = MONTH) -> Plan:
    return _plan(code, Charge(ChargeModel.FLAT, amount_minor=minor), interval=interval)


def test_values_match_the_billing_engine() -> None:
    assert {t.value for t in ChangeTiming} == {t.value for t in Timing}
    assert {p.value for p in ChangeProration} == {p.value for p in ProrationBehavior}


def test_upgrade_applies_now_and_invoices_now() -> None:
    policy = default_change_policy(PLANS["starter-monthly"], 1, PLANS["team-monthly"], 2, USD)
    assert policy == ChangePolicy(ChangeTiming.IMMEDIATE, ChangeProration.INVOICE_NOW)


def test_downgrade_waits_for_the_period_end() -> None:
    policy = default_change_policy(PLANS["team-monthly"], 2, PLANS["starter-monthly"], 1, USD)
    assert policy == ChangePolicy(ChangeTiming.PERIOD_END, ChangeProration.NONE)


def test_monthly_to_annual_applies_now_even_when_the_year_costs_less() -> None:
    # 12 x 19.00 = 228.00 a year monthly, 190.00 annual: cheaper, but a longer commitment
    assert (
        default_change_policy(PLANS["starter-monthly"], 1, PLANS["starter-annual"], 1, USD)
        == UPGRADE
    )


def test_annual_to_monthly_waits_for_the_period_end_even_when_it_costs_more() -> None:
    assert (
        default_change_policy(PLANS["starter-annual"], 1, PLANS["starter-monthly"], 1, EUR)
        == DOWNGRADE
    )


def test_interval_count_makes_an_interval_longer() -> None:
    quarterly = _flat("quarterly", 3000, Interval(IntervalUnit.MONTH, 3))
    monthly = _flat("monthly", 1000)
    assert default_change_policy(monthly, 1, quarterly, 1, USD) == UPGRADE
    assert default_change_policy(quarterly, 1, monthly, 1, USD) == DOWNGRADE


def test_equal_amount_is_immediate_without_proration() -> None:
    policy = default_change_policy(PLANS["team-monthly"], 3, PLANS["team-monthly"], 3, USD)
    assert policy == SIDEWAYS == ChangePolicy(ChangeTiming.IMMEDIATE, ChangeProration.NONE)
    same_price = _flat("other", 1900)
    assert default_change_policy(PLANS["starter-monthly"], 1, same_price, 1, USD) == SIDEWAYS


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [(3, 5, UPGRADE), (5, 3, DOWNGRADE), (4, 4, SIDEWAYS), (0, 1, UPGRADE)],
)
def test_per_seat_quantity_changes(old: int, new: int, expected: ChangePolicy) -> None:
    team = PLANS["team-monthly"]
    assert default_change_policy(team, old, team, new, USD) == expected


def test_a_flat_plan_ignores_the_quantity() -> None:
    starter = PLANS["starter-monthly"]
    assert default_change_policy(starter, 1, starter, 10, USD) == SIDEWAYS


def test_amounts_are_compared_exactly() -> None:
    half_cent_seats = _plan(
        "tiny-seats", Charge(ChargeModel.PER_UNIT, unit_minor=Decimal("0.5"), unit_label="seat")
    )
    flat = _flat("flat", 1200)
    # 2401 x 0.5 = 1200.5 minor units: a half cent more than 12.00 is still an upgrade
    assert default_change_policy(flat, 1, half_cent_seats, 2401, USD) == UPGRADE
    assert default_change_policy(flat, 1, half_cent_seats, 2400, USD) == SIDEWAYS
    assert default_change_policy(half_cent_seats, Decimal("2400.5"), flat, 1, USD) == DOWNGRADE


def test_usage_charges_do_not_count() -> None:
    same_platform_fee = _flat("platform", 9900)
    assert default_change_policy(PLANS["scale-monthly"], 1, same_platform_fee, 1, USD) == SIDEWAYS


@pytest.mark.parametrize(
    ("interval", "per_period", "per_year"),
    [
        (Interval(IntervalUnit.DAY), 10, 3650),
        (Interval(IntervalUnit.DAY, 2), 10, 1825),
        (Interval(IntervalUnit.WEEK), 100, 5200),
        (Interval(IntervalUnit.MONTH, 3), 1000, 4000),
        (YEAR, 19000, 19000),
        (Interval(IntervalUnit.YEAR, 2), 1001, Fraction(1001, 2)),
    ],
)
def test_yearly_amount_per_interval(
    interval: Interval, per_period: int, per_year: Fraction
) -> None:
    plan = _flat("p", per_period, interval)
    assert yearly_licensed_amount(plan, 1, USD) == per_year


def test_tiered_and_package_licences_use_the_quantity() -> None:
    tiers = (Tier(Decimal(10), Decimal(100)), Tier(None, Decimal(50), flat_minor=7))
    graduated = Charge(ChargeModel.GRADUATED, tiers=tiers)
    volume = Charge(ChargeModel.VOLUME, tiers=tiers)
    package = Charge(ChargeModel.PACKAGE, amount_minor=900, package_size=5, free_units=2)
    assert licensed_amount(graduated, Fraction(12)) == 10 * 100 + 2 * 50 + 7
    assert licensed_amount(graduated, Fraction(0)) == 0
    assert licensed_amount(volume, Fraction(12)) == 12 * 50 + 7
    assert licensed_amount(volume, Fraction(10)) == 10 * 100
    assert licensed_amount(volume, Fraction(0)) == 0
    assert licensed_amount(package, Fraction(8)) == 2 * 900  # 6 billable units: 2 packages
    assert licensed_amount(package, Fraction(2)) == 0


def test_a_currency_the_plan_is_not_sold_in_is_refused() -> None:
    with pytest.raises(ValidationFailed) as info:
        default_change_policy(
            PLANS["starter-monthly"], 1, PLANS["team-monthly"], 1, Currency.of("JPY")
        )
    assert info.value.code == "catalog.currency_not_offered"
    usd_only = replace(PLANS["team-monthly"], prices=(PLANS["team-monthly"].prices[0],))
    with pytest.raises(ValidationFailed):
        default_change_policy(PLANS["starter-monthly"], 1, usd_only, 1, EUR)


@pytest.mark.parametrize("quantity", [-1, Decimal("-0.5"), Decimal("NaN"), True])
def test_a_bad_quantity_is_refused(quantity: int | Decimal) -> None:
    team = PLANS["team-monthly"]
    with pytest.raises(ValidationFailed) as info:
        default_change_policy(team, 1, team, quantity, USD)
    assert info.value.code == "catalog.invalid_quantity"

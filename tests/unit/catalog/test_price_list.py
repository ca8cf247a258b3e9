"""The pricing page's rules: the annual saving (rounded down, in one place), usage estimates
through the real charge functions, and input checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.catalog.demo import USD, demo_plans
from domain.catalog.model import Plan, PlanPrice
from domain.catalog.price_list import (
    AnnualSaving,
    BillingInterval,
    PricingQuery,
    annual_saving,
    check_pricing_query,
    monthly_equivalent,
    seat_limit_of,
)
from domain.catalog.quantities import check_usage_units, licensed_total, whole_number
from domain.catalog.usage_estimate import estimate_usage
from domain.pricing.model import Aggregation, Charge, ChargeModel, Meter, Tier
from domain.shared.errors import ValidationFailed
from domain.shared.ids import PlanId
from domain.shared.money import Money
from domain.shared.periods import Interval, IntervalUnit

pytestmark = pytest.mark.unit

PLANS = {p.code: p for p in demo_plans()}
CALLS = Meter("api_calls", Aggregation.SUM)


def usd(minor: int) -> Money:
    return Money.of_minor(minor, "USD")


def _usage_plan(charge: Charge, base: int = 0, **overrides: object) -> Plan:
    fields: dict[str, object] = {
        "id": PlanId("p-usage"),
        "code": "usage",
        "name": "Usage",
        "description": "",
        "interval": Interval(IntervalUnit.MONTH),
        "prices": (PlanPrice(USD, (Charge(ChargeModel.FLAT, amount_minor=base), charge)),),
    }
    fields.update(overrides)
    return Plan(**fields)  # type: ignore[arg-type]


# -- the saving --------------------------------------------------------------------------------------
def test_ten_months_for_a_year_saves_two_months_shown_as_16_percent() -> None:
    assert annual_saving(usd(1900), usd(19000)) == AnnualSaving(
        amount=usd(3800), percent=16, months_free=2, compared_to=usd(22800)
    )


def test_the_percentage_is_rounded_down_never_up() -> None:
    # 1,999 of 12,000 is 16.658...%: half-up would say 17%, more than the customer saves
    saving = annual_saving(usd(1000), usd(10001))
    assert saving is not None
    assert (saving.amount, saving.percent, saving.months_free) == (usd(1999), 16, None)
    # exactly 25% stays 25%
    assert annual_saving(usd(1000), usd(9000)) == AnnualSaving(usd(3000), 25, 3, usd(12000))


@pytest.mark.parametrize(
    ("monthly", "annual"),
    [
        (1000, 12000),  # no saving
        (1000, 12500),  # annual costs more
        (10000, 119001),  # saves 999 of 120,000: under 1%
        (0, 0),  # a free plan has nothing to save
    ],
)
def test_no_saving_to_advertise(monthly: int, annual: int) -> None:
    assert annual_saving(usd(monthly), usd(annual)) is None


def test_one_percent_exactly_is_advertised() -> None:
    saving = annual_saving(usd(10000), usd(118800))
    assert saving is not None and saving.percent == 1


def test_monthly_equivalent_rounds_half_up_for_display() -> None:
    assert monthly_equivalent(usd(19000)) == usd(1583)  # 1583.33
    assert monthly_equivalent(usd(18)) == usd(2)  # 1.5
    assert monthly_equivalent(usd(12000)) == usd(1000)


def test_per_seat_totals_use_the_charge_functions() -> None:
    team = PLANS["team-annual"].price_in(USD)
    assert team is not None
    assert licensed_total(team, 5) == usd(60000)
    scale = PLANS["scale-monthly"].price_in(USD)
    assert scale is not None
    assert licensed_total(scale, 1) == usd(9900), "usage is not billed in advance"


# -- the estimate ------------------------------------------------------------------------------------
def test_estimate_of_250000_api_calls_on_scale_by_hand() -> None:
    estimate = estimate_usage(PLANS["scale-monthly"], "USD", 250_000)
    # 10,000 included; 90,000 x 0.2 cents = $180.00; 150,000 x 0.1 cents = $150.00
    assert [(line.label, line.units, line.amount) for line in estimate.lines] == [
        ("1 – 10,000", "10,000", usd(0)),
        ("10,001 – 100,000", "90,000", usd(18000)),
        ("100,001 and above", "150,000", usd(15000)),
    ]
    assert (estimate.usage_total, estimate.base, estimate.total) == (
        usd(33000),
        usd(9900),
        usd(42900),
    )
    assert (estimate.units_text, estimate.interval, estimate.unit_label) == (
        "250,000",
        "month",
        "API call",
    )


@pytest.mark.parametrize(
    ("units", "amounts"),
    [
        (0, []),
        (10_000, [0]),
        (10_001, [0, 0]),  # 0.2 cents rounds to nothing
        (100_000, [0, 18000]),
        (100_005, [0, 18000, 1]),  # 0.5 cents rounds half-up, once, on the total
    ],
)
def test_estimate_stops_at_the_last_tier_used(units: int, amounts: list[int]) -> None:
    estimate = estimate_usage(PLANS["scale-monthly"], "USD", units)
    assert [line.amount.minor for line in estimate.lines] == amounts
    assert estimate.usage_total.minor == sum(amounts)


def test_estimate_lines_always_add_up_to_the_rounded_total() -> None:
    charge = Charge(
        ChargeModel.GRADUATED,
        meter=CALLS,
        tiers=(Tier(Decimal(3), Decimal("0.5")), Tier(None, Decimal("0.5"), flat_minor=100)),
    )
    estimate = estimate_usage(_usage_plan(charge), "USD", 5)
    # exact: 1.5 + (1.0 + 100) = 102.5 -> 103 once; the lines share it out (2 + 101)
    assert estimate.usage_total == usd(103)
    assert [line.amount.minor for line in estimate.lines] == [2, 101]
    assert estimate.lines[1].flat_fee == usd(100)


def test_volume_estimate_prices_every_unit_at_one_rate() -> None:
    charge = Charge(
        ChargeModel.VOLUME,
        meter=CALLS,
        unit_label="message",
        tiers=(Tier(Decimal(1000), Decimal(2)), Tier(None, Decimal(1))),
    )
    estimate = estimate_usage(_usage_plan(charge, base=500), "USD", 1500)
    assert [(line.label, line.units, line.amount) for line in estimate.lines] == [
        ("All units at the 1,001 and above rate", "1,500", usd(1500))
    ]
    assert estimate.total == usd(2000)


def test_only_a_usage_plan_sold_in_the_currency_is_estimated() -> None:
    with pytest.raises(ValidationFailed) as flat:
        estimate_usage(PLANS["starter-monthly"], "USD", 10)
    assert flat.value.code == "catalog.not_a_usage_plan"
    with pytest.raises(ValidationFailed) as currency:
        estimate_usage(PLANS["scale-monthly"], "GBP", 10)
    assert currency.value.code == "catalog.currency_not_offered"


# -- input ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "number"),
    [("250000", 250000), ("250,000", 250000), (" 250 000 ", 250000), ("-1", -1), ("", None)],
)
def test_whole_numbers_as_people_type_them(typed: str, number: int | None) -> None:
    assert whole_number(typed) == number


@pytest.mark.parametrize("typed", ["1.5", "1e6", "ten", "--1", "١٢"])
def test_anything_else_is_not_a_whole_number(typed: str) -> None:
    with pytest.raises(ValueError):
        whole_number(typed)


def test_usage_is_checked_from_0_to_a_billion() -> None:
    assert check_usage_units("1,000,000,000") == 1_000_000_000
    assert check_usage_units(0) == 0
    for bad in ("-1", "1000000001", "", None, "x"):
        with pytest.raises(ValidationFailed) as info:
            check_usage_units(bad)
        assert info.value.code == "catalog.invalid_usage"
        assert set(info.value.field_errors) == {"units"}


def _query(**typed: object) -> PricingQuery:
    args: dict[str, object] = {
        "interval": None,
        "seats": None,
        "estimate_plan": None,
        "estimate_units": None,
        "seat_limit": 10_000,
        "usage_plans": ["scale-monthly"],
    }
    args.update(typed)
    return check_pricing_query(**args)  # type: ignore[arg-type]


def test_pricing_query_defaults_and_accepts_typed_numbers() -> None:
    assert _query() == PricingQuery(BillingInterval.MONTH, 1, None, None)
    assert _query(interval="Year", seats="5", estimate_units="250,000") == PricingQuery(
        BillingInterval.YEAR, 5, None, 250_000
    )


def test_every_bad_input_is_named_at_once() -> None:
    with pytest.raises(ValidationFailed) as info:
        _query(interval="weekly", seats="0", estimate_plan="starter-monthly", estimate_units="-1")
    assert info.value.code == "catalog.invalid_pricing_input"
    assert info.value.field_errors == {
        "interval": "Choose monthly or annual billing.",
        "seats": "Enter a whole number of seats from 1 to 10,000.",
        "units": "Enter a whole number from 0 to 1,000,000,000.",
        "plan": "Choose a plan with usage pricing.",
    }


def test_a_plan_may_cap_its_seats() -> None:
    capped = Plan(
        PlanId("p-small"),
        "small-team",
        "Small team",
        "",
        Interval(IntervalUnit.MONTH),
        PLANS["team-monthly"].prices,
        metadata={"max_seats": "50"},
    )
    assert seat_limit_of([PLANS["starter-monthly"], PLANS["team-monthly"]]) == 10_000
    assert seat_limit_of([capped, PLANS["team-monthly"]]) == 50
    with pytest.raises(ValidationFailed) as info:
        _query(seats="51", seat_limit=50)
    assert info.value.field_errors["seats"] == "Enter a whole number of seats from 1 to 50."

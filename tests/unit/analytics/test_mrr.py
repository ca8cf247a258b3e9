"""A subscription's MRR read from its engine (domain/analytics/mrr.py; docs/analytics.md): what
counts, the normalisation, discounts while they apply, tax out, paying states only, one rounding."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from domain.analytics.mrr import (
    NOT_PAYING_STATUSES,
    PAYING_STATUSES,
    coupon_applies,
    exact_mrr,
    months_in,
    mrr,
)
from domain.pricing.coupons import AppliedCoupon, Coupon, CouponDuration
from domain.pricing.model import Charge, ChargeModel, Tier
from domain.pricing.totals import TaxRate
from domain.shared.money import Money, Rounding
from domain.shared.periods import Interval, IntervalUnit, Period, utc
from domain.subscriptions.engine import SubscriptionEngine, SubscriptionStatus, Timing
from tests.unit.billing._builders import (
    USD,
    UTC_TZ,
    api_calls,
    flat,
    make_engine,
    make_plan,
    make_settings,
    per_unit,
)

pytestmark = pytest.mark.unit

TEAM = make_plan("team")  # 30.00 flat + 10.00 a seat, monthly
METERED = make_plan("metered", charges=(flat(2000), api_calls()), setup_fee_minor=9900)
STORAGE = make_plan("storage", charges=(per_unit(500),))  # an add-on: 5.00 a unit
JAN1, FEB1, FEB10, MAR1 = utc(2024, 1, 1), utc(2024, 2, 1), utc(2024, 2, 10), utc(2024, 3, 1)


def subscribed(*, plan=TEAM, quantity: int = 1, **kwargs) -> SubscriptionEngine:  # type: ignore[no-untyped-def]
    settings = kwargs.pop("settings", None)
    engine = make_engine(plan, STORAGE, settings=settings)
    engine.subscribe(JAN1, plan, quantity=quantity, **kwargs)
    return engine


def test_every_engine_status_is_either_paying_or_not() -> None:
    statuses = {s.value for s in SubscriptionStatus}
    assert statuses == PAYING_STATUSES | NOT_PAYING_STATUSES
    assert not PAYING_STATUSES & NOT_PAYING_STATUSES


@pytest.mark.parametrize(
    ("unit", "count", "months"),
    [
        (IntervalUnit.MONTH, 1, Fraction(1)),
        (IntervalUnit.MONTH, 3, Fraction(3)),
        (IntervalUnit.YEAR, 1, Fraction(12)),
        (IntervalUnit.YEAR, 2, Fraction(24)),
        (IntervalUnit.WEEK, 1, Fraction(12, 52)),
        (IntervalUnit.WEEK, 2, Fraction(24, 52)),
        (IntervalUnit.DAY, 1, Fraction(12, 365)),
        (IntervalUnit.DAY, 7, Fraction(84, 365)),
    ],
)
def test_a_period_is_worth_the_specified_months(
    unit: IntervalUnit, count: int, months: Fraction
) -> None:
    assert months_in(Interval(unit, count)) == months


def test_plan_charges_in_advance_times_quantity_and_add_ons_count() -> None:
    engine = subscribed(quantity=3, addons=((STORAGE, 4),))
    assert mrr(engine) == Money(3000 + 3 * 1000 + 4 * 500, USD)


def test_usage_charges_and_setup_fees_do_not_count() -> None:
    engine = subscribed(plan=METERED)
    engine.record_usage(FEB10, "api_calls", Fraction(5000), None)
    assert mrr(engine).minor == 2000


def test_tiered_charges_billed_in_advance_count_with_the_quantity_as_units() -> None:
    volume = Charge(
        ChargeModel.VOLUME,
        tiers=(Tier(Decimal(10), Decimal(800)), Tier(None, Decimal(600), 500)),
    )
    engine = subscribed(plan=make_plan("v", charges=(volume,)), quantity=12)
    assert mrr(engine).minor == 12 * 600 + 500


def test_a_yearly_plan_is_rounded_once() -> None:
    yearly = make_plan("y", charges=(flat(100000),), interval=IntervalUnit.YEAR)
    engine = subscribed(plan=yearly)
    assert exact_mrr(engine) == Fraction(100000, 12)
    assert mrr(engine).minor == 8333


@pytest.mark.parametrize(("rounding", "minor"), [(Rounding.HALF_UP, 3), (Rounding.HALF_EVEN, 2)])
def test_the_rounding_setting_breaks_an_exact_tie(rounding: Rounding, minor: int) -> None:
    # 0.30 a year = 2.5 cents a month exactly
    yearly = make_plan("y", charges=(flat(30),), interval=IntervalUnit.YEAR)
    engine = subscribed(plan=yearly, settings=make_settings(rounding=rounding))
    assert mrr(engine).minor == minor


def test_a_trial_counts_zero_until_it_converts() -> None:
    engine = subscribed(trial_days=14)
    assert engine.status is SubscriptionStatus.TRIALING
    assert mrr(engine).minor == 0
    engine.advance_to(utc(2024, 1, 15))
    assert mrr(engine).minor == 4000


@pytest.mark.parametrize(
    ("status", "counted"),
    [
        (SubscriptionStatus.PAST_DUE, True),
        (SubscriptionStatus.UNPAID, True),
        (SubscriptionStatus.INCOMPLETE, False),
        (SubscriptionStatus.PAUSED, False),
        (SubscriptionStatus.CANCELED, False),
    ],
)
def test_only_paying_states_count(status: SubscriptionStatus, counted: bool) -> None:
    engine = subscribed()
    engine.status = status
    assert mrr(engine).minor == (4000 if counted else 0)


def test_a_period_end_cancellation_counts_until_the_period_ends() -> None:
    engine = subscribed()
    engine.advance_to(FEB10)
    engine.cancel(FEB10, timing=Timing.PERIOD_END)
    assert mrr(engine).minor == 4000
    engine.advance_to(utc(2024, 2, 29))
    assert mrr(engine).minor == 4000
    engine.advance_to(MAR1)
    assert mrr(engine).minor == 0


def test_a_percent_coupon_reduces_by_its_percentage() -> None:
    coupon = Coupon("P", CouponDuration.FOREVER, percent_off=Decimal("12.5"))
    assert mrr(subscribed(coupon=coupon)).minor == 3500  # 40.00 x 0.875


def test_a_fixed_coupon_is_normalised_like_the_plan_and_never_below_zero() -> None:
    yearly = make_plan("y", charges=(flat(60000),), interval=IntervalUnit.YEAR)
    off = Coupon("F", CouponDuration.FOREVER, amount_off_minor=12000)
    assert mrr(subscribed(plan=yearly, coupon=off)).minor == 4000  # (600 - 120) / 12
    huge = Coupon("H", CouponDuration.FOREVER, amount_off_minor=999999)
    assert mrr(subscribed(coupon=huge)).minor == 0


def test_a_once_coupon_never_counts() -> None:
    once = Coupon("O", CouponDuration.ONCE, percent_off=Decimal(50))
    assert mrr(subscribed(coupon=once)).minor == 4000


def test_a_repeating_coupon_applies_until_the_first_renewal_after_its_window() -> None:
    repeating = Coupon("R", CouponDuration.REPEATING, percent_off=Decimal(50), duration_in_months=1)
    applied = AppliedCoupon(repeating, utc(2024, 1, 10))
    # applied Jan 10 for one month: invoices issued before Feb 10 are discounted
    assert coupon_applies(applied, Period(JAN1, FEB1), UTC_TZ)  # applied during the period
    assert coupon_applies(applied, Period(FEB1, MAR1), UTC_TZ)  # the Feb 1 invoice: discounted
    assert not coupon_applies(applied, Period(MAR1, utc(2024, 4, 1)), UTC_TZ)


def test_inclusive_tax_is_taken_out_and_exclusive_tax_never_added() -> None:
    inclusive = make_settings(tax_rate=TaxRate("VAT", Decimal(20), inclusive=True))
    exclusive = make_settings(tax_rate=TaxRate("VAT", Decimal(20), inclusive=False))
    assert exact_mrr(subscribed(settings=inclusive)) == Fraction(4000 * 100, 120)
    assert mrr(subscribed(settings=inclusive)).minor == 3333
    assert mrr(subscribed(settings=exclusive)).minor == 4000


def test_an_immediate_plan_change_moves_mrr_at_once_and_a_period_end_one_at_renewal() -> None:
    bigger = make_plan("bigger", charges=(flat(9000),))
    engine = make_engine(TEAM, bigger)
    engine.subscribe(JAN1, TEAM)
    engine.change(FEB10, plan=bigger, timing=Timing.PERIOD_END)
    assert mrr(engine).minor == 4000
    engine.advance_to(MAR1)
    assert mrr(engine).minor == 9000
    engine.change(utc(2024, 3, 5), quantity=2, plan=TEAM)
    assert mrr(engine).minor == 5000


def test_the_engine_walks_the_clock_one_due_instant_at_a_time() -> None:
    engine = subscribed()
    engine.pause(utc(2024, 1, 20), resume_at=utc(2024, 2, 5))
    steps: list[tuple[datetime, int]] = [
        (at, mrr(engine).minor) for at in engine.advance_by_step(MAR1)
    ]
    assert steps == [(FEB1, 0), (utc(2024, 2, 5), 4000), (MAR1, 4000)]
    assert engine.next_due_at == utc(2024, 4, 1)

"""The engine's lifecycle beyond the simulator's events: payment states (incomplete, past due,
unpaid), trial commands, coupon removal, dated scheduled changes and add-ons.

The default plan is 30.00 flat + 10.00 per seat, monthly; Jan 31 - Feb 29 2024 has 29 days, so a
change on Feb 15 prorates 14/29. The add-on is 5.00 per unit, monthly.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.billing.model import LineKind
from domain.pricing.coupons import Coupon, CouponDuration
from domain.shared.errors import InvalidTransition, ValidationFailed
from domain.shared.periods import IntervalUnit, Period, utc
from domain.subscriptions.engine import (
    BillingErrorCode,
    ProrationBehavior,
    SubscriptionEngine,
    SubscriptionStatus,
    Timing,
)
from tests.unit.billing._builders import (
    amounts,
    api_calls,
    flat,
    lines_of,
    make_engine,
    make_plan,
    per_unit,
)

pytestmark = pytest.mark.unit

TEAM = make_plan("team")
TEAM_V2 = make_plan("team_v2", charges=(flat(4000), per_unit(1000)))
YEARLY = make_plan("yearly", charges=(flat(30000),), interval=IntervalUnit.YEAR)
STORAGE = make_plan("storage", charges=(per_unit(500),))
METERED_ADDON = make_plan("metered_addon", charges=(api_calls(),))
YEARLY_ADDON = make_plan("yearly_addon", charges=(flat(100),), interval=IntervalUnit.YEAR)
FIXED = Coupon("TEN", CouponDuration.FOREVER, amount_off_minor=1000)

JAN31, FEB15, FEB29, MAR31 = utc(2024, 1, 31), utc(2024, 2, 15), utc(2024, 2, 29), utc(2024, 3, 31)


def engine() -> SubscriptionEngine:
    return make_engine(TEAM, TEAM_V2, YEARLY, STORAGE)


def status(e: SubscriptionEngine) -> SubscriptionStatus | None:
    return e.status


# -- payment states -------------------------------------------------------------------------------
def test_incomplete_expires_23_hours_after_creation_and_ends_billing() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM)
    e.mark_incomplete(JAN31)
    assert status(e) is SubscriptionStatus.INCOMPLETE
    assert e.next_billing_at is None
    e.advance_to(JAN31 + timedelta(hours=22, minutes=59))
    assert status(e) is SubscriptionStatus.INCOMPLETE
    e.advance_to(JAN31 + timedelta(hours=23))
    assert status(e) is SubscriptionStatus.INCOMPLETE_EXPIRED
    e.advance_to(MAR31)
    assert len(e.invoices) == 1  # no renewal after expiry
    with pytest.raises(InvalidTransition) as err:
        e.change(MAR31, quantity=2)
    assert err.value.code == BillingErrorCode.CANCELED


def test_incomplete_becomes_active_when_paid_in_time_and_then_renews() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM)
    e.mark_incomplete(JAN31)
    with pytest.raises(InvalidTransition) as err:
        e.change(JAN31, quantity=3)
    assert err.value.code == BillingErrorCode.INCOMPLETE
    e.payment_succeeded(JAN31 + timedelta(hours=1))
    assert status(e) is SubscriptionStatus.ACTIVE
    e.advance_to(FEB29)
    assert len(e.invoices) == 2


def test_a_payment_after_the_incomplete_window_is_refused() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM)
    e.mark_incomplete(JAN31)
    with pytest.raises(InvalidTransition) as err:
        e.payment_succeeded(JAN31 + timedelta(hours=23))
    assert err.value.code == BillingErrorCode.PAYMENT_STATE


def test_past_due_keeps_billing_and_recovers_unpaid_restricts() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM)
    e.advance_to(FEB29)
    e.payment_failed(FEB29)
    assert status(e) is SubscriptionStatus.PAST_DUE
    e.advance_to(MAR31)
    assert len(e.invoices) == 3  # renewals continue while past due
    e.mark_unpaid(MAR31)
    assert status(e) is SubscriptionStatus.UNPAID
    e.payment_succeeded(MAR31 + timedelta(days=1))
    assert status(e) is SubscriptionStatus.ACTIVE


def test_unpaid_only_from_past_due_and_failures_only_while_billing() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM)
    with pytest.raises(InvalidTransition):
        e.mark_unpaid(JAN31)
    e.pause(FEB15)
    with pytest.raises(InvalidTransition) as err:
        e.payment_failed(FEB15)
    assert err.value.code == BillingErrorCode.PAYMENT_STATE


def test_mark_incomplete_only_for_a_new_active_subscription() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM, trial_days=7)
    with pytest.raises(InvalidTransition):
        e.mark_incomplete(JAN31)


# -- trials ---------------------------------------------------------------------------------------
def test_extending_a_trial_moves_its_end_and_the_anchor() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM, trial_days=14)
    e.set_trial_end(FEB15 - timedelta(days=1), FEB29)
    e.advance_to(FEB15)
    assert status(e) is SubscriptionStatus.TRIALING
    e.advance_to(FEB29)
    assert status(e) is SubscriptionStatus.ACTIVE
    assert e.period == Period(FEB29, MAR31 - timedelta(days=2))  # anchored on the 29th
    assert e.invoices[-1].total == 4000


def test_trial_end_in_the_past_is_refused() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM, trial_days=14)
    with pytest.raises(ValidationFailed) as err:
        e.set_trial_end(FEB15, FEB15)
    assert err.value.code == BillingErrorCode.BAD_TRIAL_END


def test_ending_a_trial_now_bills_from_that_instant() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM, trial_days=30)
    e.end_trial(FEB15)
    assert status(e) is SubscriptionStatus.ACTIVE
    assert e.anchor == FEB15
    assert e.period == Period(FEB15, utc(2024, 3, 15))
    last = e.invoices[-1]
    assert last.issued_at == FEB15 and last.total == 4000


def test_ending_a_trial_at_the_instant_it_began_is_refused_not_a_crash() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM, trial_days=30)
    with pytest.raises(InvalidTransition) as err:
        e.end_trial(JAN31)
    assert err.value.code == BillingErrorCode.BAD_TRIAL_END
    assert status(e) is SubscriptionStatus.TRIALING


def test_end_trial_outside_a_trial_is_refused() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM)
    with pytest.raises(InvalidTransition) as err:
        e.end_trial(FEB15)
    assert err.value.code == BillingErrorCode.NOT_TRIALING


def test_starting_a_trial_on_an_active_subscription_credits_the_unused_time() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM)  # 40.00 for Jan 31 - Feb 29
    e.set_trial_end(FEB15, FEB29)
    assert status(e) is SubscriptionStatus.TRIALING
    e.advance_to(FEB29)
    first_after = e.invoices[1]
    credits = [line for line in first_after.lines if line.amount < 0]
    assert amounts(credits) == [-1448, -483]  # 14/29 of 30.00 and of 10.00
    assert first_after.subtotal == 4000 - 1448 - 483


# -- coupons --------------------------------------------------------------------------------------
def test_removing_a_coupon_ends_its_discounts_and_its_remainder() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM, coupon=Coupon("BIG", CouponDuration.ONCE, amount_off_minor=6000))
    assert e.invoices[0].discount == 4000 and e.carry == 2000
    e.remove_coupon(FEB15)
    e.advance_to(FEB29)
    assert e.invoices[1].discount == 0
    with pytest.raises(InvalidTransition) as err:
        e.remove_coupon(FEB29)
    assert err.value.code == BillingErrorCode.NO_COUPON


# -- scheduled changes ----------------------------------------------------------------------------
def test_a_dated_scheduled_change_waits_for_the_first_renewal_on_or_after_its_date() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM)
    e.change(FEB15, plan=TEAM_V2, timing=Timing.PERIOD_END, effective_from=utc(2024, 3, 1))
    e.advance_to(FEB29)
    assert e.plan is TEAM and e.invoices[-1].total == 4000  # Feb 29 is before Mar 1
    e.advance_to(MAR31)
    assert e.plan is TEAM_V2 and e.invoices[-1].total == 5000


def test_a_scheduled_change_can_be_cancelled() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM)
    e.change(FEB15, plan=TEAM_V2, timing=Timing.PERIOD_END)
    e.cancel_scheduled_change(FEB15)
    e.advance_to(FEB29)
    assert e.plan is TEAM
    with pytest.raises(InvalidTransition) as err:
        e.cancel_scheduled_change(FEB29)
    assert err.value.code == BillingErrorCode.NO_SCHEDULED_CHANGE


# -- add-ons --------------------------------------------------------------------------------------
def test_add_ons_are_billed_in_advance_after_the_base_plan() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM, addons=((STORAGE, 3),))
    first = e.invoices[0]
    assert amounts(lines_of(first, LineKind.SUBSCRIPTION)) == [3000, 1000, 1500]
    assert first.lines[-1].explanation == "3 x 5.00"
    e.advance_to(FEB29)
    assert e.invoices[1].subtotal == 5500


def test_changing_an_add_on_mid_period_prorates_it() -> None:
    e = engine()
    e.subscribe(JAN31, TEAM, addons=((STORAGE, 1),))
    e.set_addon(FEB15, STORAGE, 3, proration=ProrationBehavior.INVOICE_NOW)
    now = e.invoices[-1]
    # 14/29 of 5.00 = 2.41 credited, 14/29 of 15.00 = 7.24 charged
    assert amounts(now.lines) == [-241, 724]
    assert all(line.kind is LineKind.PRORATION for line in now.lines)
    e.set_addon(FEB15, STORAGE, 0)
    assert "storage" not in e.addons
    assert amounts(e.pending) == [-724]


def test_add_ons_are_credited_on_an_immediate_cancel() -> None:
    from domain.subscriptions.engine import Refund

    e = engine()
    e.subscribe(JAN31, TEAM, addons=((STORAGE, 2),))
    e.cancel(FEB15, timing=Timing.IMMEDIATE, refund=Refund.PRORATED_CREDIT)
    note = e.credit_notes[0]
    assert [line.amount for line in note.lines] == [1448, 483, 483]


def test_invalid_add_ons_are_refused_with_a_code() -> None:
    e = make_engine(TEAM, YEARLY, METERED_ADDON, YEARLY_ADDON)
    for addon in (METERED_ADDON, YEARLY_ADDON, TEAM):
        with pytest.raises(ValidationFailed) as err:
            make_engine(TEAM).subscribe(JAN31, TEAM, addons=((addon, 1),))
        assert err.value.code == BillingErrorCode.ADDON
    e.subscribe(JAN31, TEAM, addons=((make_plan("storage", charges=(per_unit(500),)), 1),))
    with pytest.raises(ValidationFailed) as err:
        e.change(FEB15, plan=YEARLY)  # the monthly add-on cannot follow a yearly plan
    assert err.value.code == BillingErrorCode.ADDON
    with pytest.raises(ValidationFailed):
        e.set_addon(FEB15, TEAM_V2, 0)  # not attached: nothing to remove

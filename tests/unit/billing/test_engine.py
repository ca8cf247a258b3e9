"""Scenario-style tests of the billing engine (domain.billing.engine), driven directly.

Each test replays a short subscription history the way the simulator does (``advance_to`` the
event's instant, then the event) and checks the invoices and credit notes by hand-computed
amounts in USD cents. The default plan is 30.00 flat + 10.00 per seat, monthly; the period
Jan 31 - Feb 29 2024 has 29 days, so a change on Feb 15 prorates 14/29:
30.00 x 14/29 = 14.4827.. -> 14.48, 10.00 x 14/29 = 4.8275.. -> 4.83, 50.00 x 14/29 -> 24.14.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from domain.billing.model import LineKind
from domain.catalog.model import Plan
from domain.pricing.coupons import Coupon, CouponDuration
from domain.pricing.totals import TaxRate
from domain.shared.errors import InvalidTransition, ValidationFailed
from domain.shared.periods import IntervalUnit, Period, utc
from domain.subscriptions.engine import (
    BillingErrorCode,
    ProrationBehavior,
    Refund,
    SubscriptionEngine,
    SubscriptionStatus,
    Timing,
)
from tests.unit.billing._builders import (
    EUR,
    amounts,
    api_calls,
    flat,
    lines_of,
    make_engine,
    make_plan,
    make_settings,
    per_unit,
    spans,
)

pytestmark = pytest.mark.unit

TEAM = make_plan("team")
METERED = make_plan("metered", charges=(flat(3000), per_unit(1000), api_calls()))
YEARLY = make_plan("yearly", charges=(flat(30000), per_unit(10000)), interval=IntervalUnit.YEAR)
VAT20 = TaxRate("VAT20", Decimal(20), inclusive=False)
SAVE20 = Coupon("SAVE20", CouponDuration.REPEATING, percent_off=Decimal(20), duration_in_months=3)

JAN31, FEB15, FEB29 = utc(2024, 1, 31), utc(2024, 2, 15), utc(2024, 2, 29)


def subscribed(
    plan: Plan = TEAM, *, at: datetime = JAN31, quantity: int = 1, **settings: object
) -> SubscriptionEngine:
    engine = make_engine(TEAM, METERED, YEARLY, plan, settings=make_settings(**settings))  # type: ignore[arg-type]
    engine.subscribe(at, plan, quantity=quantity)
    return engine


def status_of(engine: SubscriptionEngine) -> SubscriptionStatus | None:
    """The status, read through a call so that type checkers don't narrow it across commands."""
    return engine.status


def at(engine: SubscriptionEngine, instant: datetime) -> SubscriptionEngine:
    """Run the clock to ``instant`` first, as the simulator does before every event."""
    engine.advance_to(instant)
    return engine


# -- renewals -----------------------------------------------------------------------------------
def test_month_end_anchor_renews_on_clamped_days() -> None:
    engine = subscribed()
    engine.advance_to(utc(2024, 4, 30))
    assert spans(engine.invoices) == [
        (JAN31, JAN31, FEB29),
        (FEB29, FEB29, utc(2024, 3, 31)),
        (utc(2024, 3, 31), utc(2024, 3, 31), utc(2024, 4, 30)),
        (utc(2024, 4, 30), utc(2024, 4, 30), utc(2024, 5, 31)),
    ]
    assert all(i.total == 4000 and i.amount_due == 4000 for i in engine.invoices)
    assert engine.next_billing_at == utc(2024, 5, 31)


def test_month_end_anchor_in_a_common_year_and_time_of_day_kept() -> None:
    engine = subscribed(at=utc(2023, 1, 31, 15, 45))
    engine.advance_to(utc(2023, 4, 30, 15, 45))
    assert [i.issued_at for i in engine.invoices] == [
        utc(2023, 1, 31, 15, 45),
        utc(2023, 2, 28, 15, 45),
        utc(2023, 3, 31, 15, 45),
        utc(2023, 4, 30, 15, 45),
    ]


def test_renewal_due_exactly_at_the_target_instant_happens() -> None:
    engine = subscribed()
    engine.advance_to(utc(2024, 2, 28, 23, 59, 59))
    assert len(engine.invoices) == 1
    engine.advance_to(FEB29)
    assert len(engine.invoices) == 2


def test_renewal_lines_carry_the_new_period_and_explanations() -> None:
    engine = subscribed(quantity=3)
    engine.advance_to(FEB29)
    renewal = engine.invoices[1]
    assert [(ln.kind, ln.amount, ln.explanation) for ln in renewal.lines] == [
        (LineKind.SUBSCRIPTION, 3000, "1 x 30.00"),
        (LineKind.SUBSCRIPTION, 3000, "3 x 10.00"),
    ]
    assert all(ln.period == Period(FEB29, utc(2024, 3, 31)) for ln in renewal.lines)
    assert renewal.subtotal == sum(amounts(renewal.lines)) == 6000


def test_setup_fee_is_billed_once_on_the_first_invoice() -> None:
    plan = make_plan("setup", setup_fee_minor=5000)
    engine = make_engine(plan)
    engine.subscribe(JAN31, plan)
    engine.advance_to(FEB29)
    first, renewal = engine.invoices
    assert amounts(lines_of(first, LineKind.SETUP_FEE)) == [5000]
    assert first.total == 9000
    assert lines_of(renewal, LineKind.SETUP_FEE) == []


def test_simulation_example_first_invoice_with_coupon_and_vat() -> None:
    plan = make_plan("team", charges=(flat(3000),))
    engine = make_engine(plan, settings=make_settings(tax_rate=VAT20))
    engine.subscribe(JAN31, plan, coupon=SAVE20)
    first = engine.invoices[0]
    assert (first.subtotal, first.discount, first.tax, first.total) == (3000, 600, 480, 2880)
    assert (first.credit_applied, first.amount_due) == (0, 2880)
    assert first.lines[0].explanation == "1 x 30.00"
    # "repeating" for 3 months from Jan 31: the window ends Apr 30, so 3 invoices are discounted
    engine.advance_to(utc(2024, 4, 30))
    assert [i.discount for i in engine.invoices] == [600, 600, 600, 0]


# -- immediate changes --------------------------------------------------------------------------
def test_upgrade_with_next_invoice_rides_on_the_renewal_invoice() -> None:
    engine = at(subscribed(), FEB15)
    engine.change(FEB15, quantity=5, proration=ProrationBehavior.NEXT_INVOICE)
    assert len(engine.invoices) == 1  # nothing issued at the change
    engine.advance_to(FEB29)
    renewal = engine.invoices[1]
    prorations = lines_of(renewal, LineKind.PRORATION)
    # one negative and one positive line per charge, never a net line
    assert [(ln.amount, ln.explanation) for ln in prorations] == [
        (-1448, "14/29 x 30.00"),
        (-483, "14/29 x 1 x 10.00"),
        (1448, "14/29 x 30.00"),
        (2414, "14/29 x 5 x 10.00"),
    ]
    assert all(ln.period == Period(FEB15, FEB29) for ln in prorations)
    assert amounts(lines_of(renewal, LineKind.SUBSCRIPTION)) == [3000, 5000]
    assert renewal.period == Period(FEB29, utc(2024, 3, 31))
    assert renewal.subtotal == 8000 + 1931
    assert renewal.total == renewal.amount_due == 9931


def test_upgrade_with_invoice_now_issues_an_invoice_at_the_change_instant() -> None:
    engine = at(subscribed(), FEB15)
    engine.change(FEB15, quantity=5, proration=ProrationBehavior.INVOICE_NOW)
    assert len(engine.invoices) == 2
    now = engine.invoices[1]
    assert now.issued_at == FEB15
    assert now.period == Period(FEB15, FEB29)
    assert amounts(now.lines) == [-1448, -483, 1448, 2414]
    assert all(ln.kind is LineKind.PRORATION for ln in now.lines)
    assert (now.subtotal, now.total, now.amount_due) == (1931, 1931, 1931)
    engine.advance_to(FEB29)
    renewal = engine.invoices[2]
    assert lines_of(renewal, LineKind.PRORATION) == []  # already invoiced
    assert renewal.total == 8000


def test_proration_none_changes_the_quantity_without_lines() -> None:
    engine = at(subscribed(), FEB15)
    engine.change(FEB15, quantity=5, proration=ProrationBehavior.NONE)
    engine.advance_to(FEB29)
    assert [i.total for i in engine.invoices] == [4000, 8000]
    assert lines_of(engine.invoices[1], LineKind.PRORATION) == []


def test_second_proration_prorates_exact_time() -> None:
    engine = at(subscribed(proration="second"), utc(2024, 2, 15, 12))
    engine.change(utc(2024, 2, 15, 12), quantity=2, proration=ProrationBehavior.INVOICE_NOW)
    # 13.5 of 29 days left: 1166400/2505600 = 27/58; 30.00 x 27/58 = 13.9655 -> 13.97
    # 10.00 x 27/58 = 4.655 -> 4.66, 20.00 x 27/58 = 9.3103 -> 9.31
    assert amounts(engine.invoices[1].lines) == [-1397, -466, 1397, 931]
    assert engine.invoices[1].lines[0].explanation == "1166400/2505600 x 30.00"


def test_downgrade_invoiced_now_goes_negative_and_credits_the_next_invoice() -> None:
    engine = at(subscribed(quantity=5), FEB15)
    engine.change(FEB15, quantity=1, proration=ProrationBehavior.INVOICE_NOW)
    credit = engine.invoices[1]
    assert amounts(credit.lines) == [-1448, -2414, 1448, 483]
    assert (credit.subtotal, credit.discount, credit.total) == (-1931, 0, -1931)
    assert (credit.amount_due, credit.credit_applied) == (0, 0)
    assert engine.balance == -1931
    engine.advance_to(FEB29)
    renewal = engine.invoices[2]
    assert (renewal.total, renewal.credit_applied, renewal.amount_due) == (4000, 1931, 2069)
    assert engine.balance == 0


def test_change_at_a_renewal_instant_happens_after_the_renewal() -> None:
    engine = at(subscribed(), FEB29)
    engine.change(FEB29, quantity=2)
    renewal = engine.invoices[1]
    assert amounts(renewal.lines) == [3000, 1000]  # renewed at the old quantity
    engine.advance_to(utc(2024, 3, 31))
    # then the whole new period is prorated: 31/31
    assert amounts(lines_of(engine.invoices[2], LineKind.PRORATION)) == [-3000, -1000, 3000, 2000]
    assert engine.invoices[2].lines[0].explanation == "31/31 x 30.00"


def test_immediate_change_to_another_interval_starts_a_new_period_now() -> None:
    engine = at(subscribed(), FEB15)
    engine.change(FEB15, plan=YEARLY)
    now = engine.invoices[1]
    assert now.issued_at == FEB15
    assert now.period == Period(FEB15, utc(2025, 2, 15))
    assert [(ln.kind, ln.amount) for ln in now.lines] == [
        (LineKind.PRORATION, -1448),  # the old plan's unused time, credited
        (LineKind.PRORATION, -483),
        (LineKind.SUBSCRIPTION, 30000),
        (LineKind.SUBSCRIPTION, 10000),
    ]
    assert now.total == 40000 - 1931
    assert engine.anchor == FEB15
    assert engine.next_billing_at == utc(2025, 2, 15)


def test_period_end_change_takes_effect_at_the_renewal() -> None:
    engine = at(subscribed(), FEB15)
    engine.change(FEB15, quantity=4, timing=Timing.PERIOD_END)
    assert engine.quantity == 1
    engine.advance_to(FEB29)
    assert engine.quantity == 4
    assert amounts(engine.invoices[1].lines) == [3000, 4000]
    assert lines_of(engine.invoices[1], LineKind.PRORATION) == []


# -- cancellation -------------------------------------------------------------------------------
def test_cancel_immediate_with_prorated_credit_issues_a_credit_note() -> None:
    engine = at(subscribed(), FEB15)
    engine.cancel(FEB15, timing=Timing.IMMEDIATE, refund=Refund.PRORATED_CREDIT)
    assert engine.status is SubscriptionStatus.CANCELED
    assert engine.next_billing_at is None
    (note,) = engine.credit_notes
    assert note.invoice == "INV-000001"
    assert note.issued_at == FEB15
    assert [(ln.amount, ln.explanation) for ln in note.lines] == [
        (1448, "14/29 x 30.00"),
        (483, "14/29 x 1 x 10.00"),
    ]
    assert (note.subtotal, note.discount, note.tax, note.total) == (1931, 0, 0, 1931)
    assert (note.credited, note.refunded) == (1931, 0)
    assert engine.balance == -1931
    assert len(engine.invoices) == 1  # no usage, nothing pending: no invoice at the cancel
    engine.advance_to(utc(2024, 6, 1))
    assert len(engine.invoices) == 1


def test_cancel_credit_note_includes_its_share_of_discount_and_tax() -> None:
    engine = make_engine(TEAM, settings=make_settings(tax_rate=VAT20))
    engine.subscribe(JAN31, TEAM, coupon=SAVE20)
    paid = engine.invoices[0]
    assert (paid.subtotal, paid.discount, paid.tax, paid.total) == (4000, 800, 640, 3840)
    engine.advance_to(FEB15)
    engine.cancel(FEB15, timing=Timing.IMMEDIATE, refund=Refund.PRORATED_CREDIT)
    (note,) = engine.credit_notes
    # 19.31 unused, 20% of it discounted (3.862 -> 3.86), 20% VAT on 15.45 (3.09)
    assert (note.subtotal, note.discount, note.tax, note.total) == (1931, 386, 309, 1854)
    assert engine.balance == -1854


def test_cancel_immediate_with_prorated_refund_refunds_instead_of_crediting() -> None:
    engine = at(subscribed(), FEB15)
    engine.cancel(FEB15, timing=Timing.IMMEDIATE, refund=Refund.PRORATED_REFUND)
    (note,) = engine.credit_notes
    assert (note.total, note.refunded, note.credited) == (1931, 1931, 0)
    assert engine.balance == 0


def test_cancel_immediate_without_refund_issues_no_credit_note() -> None:
    engine = at(subscribed(), FEB15)
    engine.cancel(FEB15, timing=Timing.IMMEDIATE, refund=Refund.NONE)
    assert engine.credit_notes == []
    assert engine.balance == 0
    assert engine.status is SubscriptionStatus.CANCELED


def test_cancel_immediate_invoices_usage_after_the_credit_note() -> None:
    engine = at(subscribed(METERED), utc(2024, 2, 10))
    engine.record_usage(utc(2024, 2, 10), "api_calls", Fraction(250), "evt-1")
    engine.advance_to(FEB15)
    engine.cancel(FEB15, timing=Timing.IMMEDIATE, refund=Refund.PRORATED_CREDIT)
    assert engine.credit_notes[0].total == 1931
    usage = engine.invoices[1]
    assert usage.issued_at == FEB15
    assert usage.period == Period(JAN31, FEB15)
    assert [(ln.kind, ln.amount) for ln in usage.lines] == [(LineKind.USAGE, 1750)]
    # the credit note's 19.31 pays the 17.50 of usage, 1.81 stays as credit
    assert (usage.total, usage.credit_applied, usage.amount_due) == (1750, 1750, 0)
    assert engine.balance == -181


def test_cancel_immediate_invoices_pending_prorations() -> None:
    engine = at(subscribed(), FEB15)
    engine.change(FEB15, quantity=5)  # next_invoice: pending
    engine.advance_to(utc(2024, 2, 20))
    engine.cancel(utc(2024, 2, 20), timing=Timing.IMMEDIATE, refund=Refund.PRORATED_CREDIT)
    # unused Feb 20 - Feb 29 at the new quantity: 9/29 x 30.00 -> 9.31, 9/29 x 50.00 -> 15.52
    assert [ln.amount for ln in engine.credit_notes[0].lines] == [931, 1552]
    final = engine.invoices[1]
    assert amounts(final.lines) == [-1448, -483, 1448, 2414]
    assert (final.total, final.credit_applied, final.amount_due) == (1931, 1931, 0)
    assert engine.balance == -(931 + 1552 - 1931)


def test_cancel_at_period_end_stops_renewals() -> None:
    engine = at(subscribed(), FEB15)
    engine.cancel(FEB15)  # default: at period end, no refund
    assert status_of(engine) is SubscriptionStatus.ACTIVE
    assert engine.next_billing_at is None
    engine.advance_to(utc(2024, 6, 1))
    assert status_of(engine) is SubscriptionStatus.CANCELED
    assert len(engine.invoices) == 1
    assert engine.credit_notes == []


def test_cancel_at_period_end_bills_the_last_periods_usage() -> None:
    engine = at(subscribed(METERED), utc(2024, 2, 10))
    engine.record_usage(utc(2024, 2, 10), "api_calls", Fraction(120), None)
    engine.cancel(utc(2024, 2, 10), timing=Timing.PERIOD_END)
    engine.advance_to(utc(2024, 6, 1))
    assert len(engine.invoices) == 2
    final = engine.invoices[1]
    assert final.issued_at == FEB29
    assert final.period == Period(JAN31, FEB29)
    assert [(ln.kind, ln.amount, ln.explanation) for ln in final.lines] == [
        (LineKind.USAGE, 1100, "100 x 0.10 + 20 x 0.05")
    ]


def test_uncancel_resumes_renewals() -> None:
    engine = at(subscribed(), FEB15)
    engine.cancel(FEB15)
    engine.uncancel(FEB15)
    engine.advance_to(utc(2024, 3, 31))
    assert len(engine.invoices) == 3
    assert engine.status is SubscriptionStatus.ACTIVE


# -- trials -------------------------------------------------------------------------------------
def test_trial_issues_a_zero_invoice_then_bills_at_its_end() -> None:
    plan = make_plan("trialing", charges=(flat(3000), per_unit(1000), api_calls()), trial_days=14)
    engine = make_engine(plan)
    engine.subscribe(utc(2024, 1, 1), plan, quantity=2)
    trial = engine.invoices[0]
    assert trial.period == Period(utc(2024, 1, 1), utc(2024, 1, 15))
    assert (trial.subtotal, trial.total, trial.amount_due) == (0, 0, 0)
    assert trial.lines and all(ln.amount == 0 for ln in trial.lines)
    assert status_of(engine) is SubscriptionStatus.TRIALING
    engine.record_usage(utc(2024, 1, 5), "api_calls", Fraction(500), None)  # during the trial
    engine.advance_to(utc(2024, 1, 15))
    first = engine.invoices[1]
    assert first.period == Period(utc(2024, 1, 15), utc(2024, 2, 15))
    assert [(ln.kind, ln.amount) for ln in first.lines] == [
        (LineKind.SUBSCRIPTION, 3000),
        (LineKind.SUBSCRIPTION, 2000),
    ]
    assert status_of(engine) is SubscriptionStatus.ACTIVE
    engine.advance_to(utc(2024, 2, 15))
    # the trial's 500 calls are not billed: the first usage line is for zero calls
    usage = lines_of(engine.invoices[2], LineKind.USAGE)
    assert [(ln.quantity, ln.amount) for ln in usage] == [(Fraction(0), 0)]


def test_trial_days_given_at_subscribe_override_the_plan() -> None:
    plan = make_plan("trialing", trial_days=14)
    engine = make_engine(plan)
    engine.subscribe(utc(2024, 1, 1), plan, trial_days=0)
    assert engine.status is SubscriptionStatus.ACTIVE
    assert engine.invoices[0].total == 4000


# -- usage --------------------------------------------------------------------------------------
def test_usage_is_billed_in_arrears_on_the_renewal_invoice() -> None:
    engine = at(subscribed(METERED), utc(2024, 2, 10, 12))
    engine.record_usage(utc(2024, 2, 10, 12), "api_calls", Fraction(200), "a")
    engine.record_usage(utc(2024, 2, 20), "api_calls", Fraction(50), "b")
    engine.advance_to(FEB29)
    engine.record_usage(FEB29, "api_calls", Fraction(7), "c")  # the new period's
    renewal = engine.invoices[1]
    assert renewal.period == Period(FEB29, utc(2024, 3, 31))  # the new period
    (usage,) = lines_of(renewal, LineKind.USAGE)
    assert usage.period == Period(JAN31, FEB29)  # the ending period
    assert (usage.quantity, usage.amount) == (Fraction(250), 1750)
    assert usage.explanation == "100 x 0.10 + 150 x 0.05"
    assert all(ln.period == renewal.period for ln in lines_of(renewal, LineKind.SUBSCRIPTION))
    assert renewal.total == 1750 + 4000
    engine.advance_to(utc(2024, 3, 31))
    assert amounts(lines_of(engine.invoices[2], LineKind.USAGE)) == [70]


def test_a_period_without_usage_still_gets_a_zero_usage_line() -> None:
    engine = subscribed(METERED)
    engine.advance_to(FEB29)
    usage = lines_of(engine.invoices[1], LineKind.USAGE)
    assert [(ln.amount, ln.explanation) for ln in usage] == [(0, "0 x 0.10")]


def test_usage_after_an_immediate_interval_change_is_not_billed_twice() -> None:
    yearly_metered = make_plan(
        "yearly_metered", charges=(flat(30000), api_calls()), interval=IntervalUnit.YEAR
    )
    engine = make_engine(METERED, yearly_metered)
    engine.subscribe(JAN31, METERED)
    engine.advance_to(utc(2024, 2, 10))
    engine.record_usage(utc(2024, 2, 10), "api_calls", Fraction(100), None)
    engine.advance_to(FEB15)
    engine.change(FEB15, plan=yearly_metered)
    change = engine.invoices[1]
    assert amounts(lines_of(change, LineKind.USAGE)) == [1000]  # Jan 31 - Feb 15, old plan
    engine.advance_to(utc(2025, 2, 15))
    assert amounts(lines_of(engine.invoices[2], LineKind.USAGE)) == [0]


# -- errors -------------------------------------------------------------------------------------
def test_subscribe_with_quantity_zero_is_rejected() -> None:
    engine = make_engine()
    with pytest.raises(ValidationFailed) as caught:
        engine.subscribe(JAN31, TEAM, quantity=0)
    assert caught.value.code == BillingErrorCode.BAD_QUANTITY
    assert "quantity" in caught.value.field_errors
    assert engine.status is None
    assert engine.invoices == []


def test_change_to_quantity_zero_is_rejected_and_changes_nothing() -> None:
    engine = at(subscribed(quantity=3), FEB15)
    with pytest.raises(ValidationFailed) as caught:
        engine.change(FEB15, quantity=0)
    assert caught.value.code == BillingErrorCode.BAD_QUANTITY
    assert engine.quantity == 3
    assert engine.pending == []


def test_change_on_a_canceled_subscription_is_an_invalid_transition() -> None:
    engine = at(subscribed(), FEB15)
    engine.cancel(FEB15, timing=Timing.IMMEDIATE)
    with pytest.raises(InvalidTransition) as caught:
        engine.change(utc(2024, 2, 16), quantity=2)
    assert caught.value.code == BillingErrorCode.CANCELED
    commands: list[Callable[[], None]] = [
        lambda: engine.record_usage(utc(2024, 2, 16), "api_calls", Fraction(1), None),
        lambda: engine.cancel(utc(2024, 2, 16), timing=Timing.IMMEDIATE),
        lambda: engine.apply_coupon(utc(2024, 2, 16), SAVE20),
    ]
    for command in commands:
        with pytest.raises(InvalidTransition):
            command()


def test_commands_before_subscribing_are_invalid_transitions() -> None:
    engine = make_engine()
    with pytest.raises(InvalidTransition) as caught:
        engine.change(JAN31, quantity=2)
    assert caught.value.code == BillingErrorCode.NOT_SUBSCRIBED


def test_subscribing_twice_is_an_invalid_transition() -> None:
    engine = subscribed()
    with pytest.raises(InvalidTransition) as caught:
        engine.subscribe(FEB15, TEAM)
    assert caught.value.code == BillingErrorCode.ALREADY_SUBSCRIBED


def test_plan_without_a_price_in_the_currency_is_rejected() -> None:
    euro_only = make_plan("euro_only", currency=EUR)
    engine = make_engine(TEAM, euro_only)
    with pytest.raises(ValidationFailed) as caught:
        engine.subscribe(JAN31, euro_only)
    assert caught.value.code == BillingErrorCode.CURRENCY
    assert engine.status is None
    engine.subscribe(JAN31, TEAM)
    engine.advance_to(FEB15)
    with pytest.raises(ValidationFailed) as caught:
        engine.change(FEB15, plan=euro_only)
    assert caught.value.code == BillingErrorCode.CURRENCY
    assert engine.plan is TEAM
    assert engine.pending == []


# -- genuine bugs -------------------------------------------------------------------------------
def test_cancel_after_a_downgrade_to_another_interval_credits_the_unused_month() -> None:
    engine = make_engine(TEAM, YEARLY)
    engine.subscribe(utc(2024, 1, 1), YEARLY)
    engine.advance_to(utc(2024, 1, 2))
    engine.change(utc(2024, 1, 2), plan=TEAM)  # credit -398.91 + month 40.00: total -358.91
    assert engine.invoices[1].total == -35891
    assert engine.balance == -35891
    engine.advance_to(utc(2024, 1, 15))
    engine.cancel(utc(2024, 1, 15), timing=Timing.IMMEDIATE, refund=Refund.PRORATED_CREDIT)
    # Jan 15 - Feb 2 of the month Jan 2 - Feb 2: 18/31 x 30.00 -> 17.42, 18/31 x 10.00 -> 5.81
    assert [note.total for note in engine.credit_notes] == [2323]
    assert engine.balance == -35891 - 2323


def test_cancel_after_a_next_invoice_downgrade_credits_the_unused_period() -> None:
    engine = make_engine(TEAM)
    engine.subscribe(utc(2024, 2, 1), TEAM, quantity=20)  # 230.00
    engine.advance_to(utc(2024, 2, 2))
    engine.change(utc(2024, 2, 2), quantity=1)  # next_invoice: 28/29 credited on Mar 1
    engine.advance_to(utc(2024, 3, 10))
    renewal = engine.invoices[1]
    # 40.00 for March minus the downgrade's net credit: -193.10 + 9.66 = -183.44
    assert renewal.total == 4000 - 18344
    engine.cancel(utc(2024, 3, 10), timing=Timing.IMMEDIATE, refund=Refund.PRORATED_CREDIT)
    # Mar 10 - Apr 1 of March (31 days): 22/31 x 30.00 -> 21.29, 22/31 x 10.00 -> 7.10
    assert [note.total for note in engine.credit_notes] == [2839]


def test_usage_recorded_at_the_cancel_instant_is_billed() -> None:
    engine = at(subscribed(METERED), FEB15)
    engine.record_usage(FEB15, "api_calls", Fraction(250), "evt-1")  # accepted: still active
    engine.cancel(FEB15, timing=Timing.IMMEDIATE)
    billed = [ln.quantity for i in engine.invoices for ln in lines_of(i, LineKind.USAGE)]
    assert billed == [250]

"""Proration inside an anchored first period (a stub), in every place the engine prorates.

A subscription started Apr 10 2024 with its anchor on May 1 bills the stub [Apr 10, May 1) as
21/30 of the period [Apr 1, May 1) it was prorated over. Everything later prorated inside the stub
(a cancellation's credit, a plan or quantity change, an add-on, a trial started on it, a change
to another interval) measures the unused share against that same 30-day period: 15/30 from
Apr 16, never 15/21, so a credit never exceeds what the stub charged.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.billing.model import Invoice, LineKind
from domain.catalog.model import Plan
from domain.shared.periods import IntervalUnit, Period, utc
from domain.subscriptions.engine import ProrationBehavior, Refund, SubscriptionEngine, Timing
from tests.unit.billing._builders import (
    amounts,
    flat,
    lines_of,
    make_engine,
    make_plan,
    make_settings,
    per_unit,
)

pytestmark = pytest.mark.unit

BASIC = make_plan("basic", charges=(flat(3000),))
PRO = make_plan("pro", charges=(flat(6000),))
SEATS = make_plan("seats", charges=(per_unit(1200),))
STORAGE = make_plan("storage", charges=(per_unit(500),))
YEARLY = make_plan("yearly", charges=(flat(30000),), interval=IntervalUnit.YEAR)

APR10, APR16, MAY1 = utc(2024, 4, 10), utc(2024, 4, 16), utc(2024, 5, 1)


def stub(plan: Plan = BASIC, *, quantity: int = 1, **settings: object) -> SubscriptionEngine:
    """Subscribed Apr 10 with the anchor May 1, the clock run to Apr 16."""
    engine = make_engine(
        BASIC,
        PRO,
        SEATS,
        STORAGE,
        YEARLY,
        plan,
        settings=make_settings(**settings),  # type: ignore[arg-type]
    )
    engine.subscribe(APR10, plan, quantity=quantity, anchor=MAY1)
    engine.advance_to(APR16)
    return engine


def only_invoice_after(engine: SubscriptionEngine, count: int) -> Invoice:
    assert len(engine.invoices) == count + 1
    return engine.invoices[-1]


def test_the_stub_is_its_share_of_the_period_ending_at_the_anchor() -> None:
    engine = stub()
    first = engine.invoices[0]
    assert [(ln.amount, ln.explanation) for ln in first.lines] == [(2100, "21/30 x 30.00")]
    assert engine.period == Period(APR10, MAY1)


def test_cancel_in_the_stub_credits_its_share_of_the_same_period() -> None:
    engine = stub()
    engine.cancel(APR16, timing=Timing.IMMEDIATE, refund=Refund.PRORATED_CREDIT)
    (note,) = engine.credit_notes
    assert [(ln.amount, ln.explanation) for ln in note.lines] == [(1500, "15/30 x 30.00")]
    assert note.total == 1500 <= engine.invoices[0].total
    assert engine.balance == -1500


def test_plan_change_in_the_stub_prorates_over_the_same_period() -> None:
    engine = stub()
    engine.change(APR16, plan=PRO, proration=ProrationBehavior.INVOICE_NOW)
    change = only_invoice_after(engine, 1)
    assert [(ln.amount, ln.explanation) for ln in change.lines] == [
        (-1500, "15/30 x 30.00"),
        (3000, "15/30 x 60.00"),
    ]
    assert all(ln.period == Period(APR16, MAY1) for ln in change.lines)
    assert change.total == 1500
    engine.advance_to(MAY1)
    assert engine.invoices[-1].total == 6000


def test_quantity_change_in_the_stub_prorates_over_the_same_period() -> None:
    engine = stub(SEATS, quantity=2)
    assert amounts(engine.invoices[0].lines) == [1680]  # 21/30 x 2 x 12.00
    engine.change(APR16, quantity=5, proration=ProrationBehavior.INVOICE_NOW)
    change = only_invoice_after(engine, 1)
    assert [(ln.amount, ln.explanation) for ln in change.lines] == [
        (-1200, "15/30 x 2 x 12.00"),
        (3000, "15/30 x 5 x 12.00"),
    ]


def test_second_proration_in_the_stub_counts_the_seconds_of_the_same_period() -> None:
    engine = stub(proration="second")
    noon = APR16 + timedelta(hours=12)
    engine.advance_to(noon)
    engine.cancel(noon, timing=Timing.IMMEDIATE, refund=Refund.PRORATED_CREDIT)
    # 14.5 of the 30 days of [Apr 1, May 1): 1252800/2592000 x 30.00 = 14.50
    (note,) = engine.credit_notes
    assert [(ln.amount, ln.explanation) for ln in note.lines] == [(1450, "1252800/2592000 x 30.00")]


def test_an_add_on_changed_in_the_stub_prorates_over_the_same_period() -> None:
    engine = stub()
    engine.set_addon(APR16, STORAGE, 3, proration=ProrationBehavior.INVOICE_NOW)
    change = only_invoice_after(engine, 1)
    assert [(ln.amount, ln.explanation) for ln in change.lines] == [(750, "15/30 x 3 x 5.00")]


def test_starting_a_trial_in_the_stub_credits_its_share_of_the_same_period() -> None:
    engine = stub()
    engine.set_trial_end(APR16, utc(2024, 4, 20))
    engine.advance_to(utc(2024, 4, 20))
    credit = lines_of(engine.invoices[-1], LineKind.PRORATION)
    assert [(ln.amount, ln.explanation) for ln in credit] == [(-1500, "15/30 x 30.00")]


def test_an_interval_change_in_the_stub_credits_its_share_of_the_same_period() -> None:
    engine = stub()
    engine.change(APR16, plan=YEARLY, proration=ProrationBehavior.INVOICE_NOW)
    change = only_invoice_after(engine, 1)
    assert [(ln.amount, ln.explanation) for ln in change.lines] == [
        (-1500, "15/30 x 30.00"),
        (30000, "1 x 300.00"),
    ]


def test_a_stub_after_a_trial_prorates_over_the_period_ending_at_the_anchor() -> None:
    engine = make_engine(BASIC, PRO)
    engine.subscribe(utc(2024, 4, 3), BASIC, trial_days=7, anchor=MAY1)
    engine.advance_to(APR16)
    assert [ln.explanation for ln in engine.invoices[1].lines] == ["21/30 x 30.00"]
    engine.cancel(APR16, timing=Timing.IMMEDIATE, refund=Refund.PRORATED_CREDIT)
    assert [ln.amount for ln in engine.credit_notes[0].lines] == [1500]


def test_after_the_stub_full_periods_prorate_over_themselves() -> None:
    engine = stub()
    engine.advance_to(utc(2024, 5, 16))
    engine.cancel(utc(2024, 5, 16), timing=Timing.IMMEDIATE, refund=Refund.PRORATED_CREDIT)
    assert [ln.explanation for ln in engine.credit_notes[0].lines] == ["16/31 x 30.00"]

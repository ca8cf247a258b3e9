"""The portal's words for engine output: explained quote lines, annotated upcoming invoices,
and which plans may be paused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from types import SimpleNamespace

import pytest

from domain.billing.model import Invoice, InvoiceLine, InvoiceStatus, LineKind
from domain.shared.errors import ValidationFailed
from domain.shared.ids import SubscriptionId
from domain.shared.periods import Period
from domain.subscriptions.change_options import ExplainedLine, explain_line
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.pause import may_pause, resume_at_for
from domain.subscriptions.plan_facts import is_pausable, recurring_minor
from domain.subscriptions.subscription_views import (
    ScheduledChange,
    SubscriptionView,
    annotate_upcoming,
)
from tests.unit.billing._builders import make_plan

pytestmark = pytest.mark.unit

D = lambda m, d: datetime(2026, m, d, tzinfo=UTC)  # noqa: E731


def _line(
    kind: LineKind, description: str, amount: int, start: datetime, end: datetime
) -> InvoiceLine:
    return InvoiceLine(
        kind, description, Fraction(1), Fraction(amount), amount, Period(start, end), "x"
    )


def _invoice(*lines: InvoiceLine, discount: int = 0, credit: int = 0) -> Invoice:
    total = sum(line.amount for line in lines) - discount
    return Invoice(
        "D-1", lines[0].period.start, lines[0].period, "USD", lines, total + discount, discount, 0,
        total, credit, total - credit, InvoiceStatus.OPEN,
    )  # fmt: skip


def test_quote_lines_are_the_engines_words_with_the_arithmetic_in_days_under_them() -> None:
    credit = replace(
        _line(
            LineKind.PRORATION,
            "Unused time on 3 x Team seats after Nov 13, 2026",
            -1239,
            D(11, 13),
            D(12, 1),
        ),
        explanation="1555200/2592000 x 3 x 12.00",
        detail="18 of 30 days x 3 x 12.00",
    )
    assert explain_line(credit) == ExplainedLine(
        "Unused time on 3 x Team seats after Nov 13, 2026",
        "18 of 30 days x 3 x 12.00",
        -1239,
        credit.period,
    )
    # a line without a detail (a renewal, or a line stored before details) shows its explanation
    renewal = _line(LineKind.SUBSCRIPTION, "Scale (Dec 1 - Jan 1)", 9900, D(12, 1), D(12, 31))
    assert explain_line(renewal) == ExplainedLine(
        "Scale (Dec 1 - Jan 1)", "x", 9900, renewal.period
    )


def _view(**kw: object) -> SubscriptionView:
    base = SubscriptionView(
        id=SubscriptionId("s"), plan_code="team", plan_name="Team", interval="month",
        status=SubscriptionStatus.ACTIVE, quantity=1, seats=True, currency="USD",
        period_start=D(1, 1), period_end=D(2, 1), next_invoice=None, trial_end=None,
        scheduled=None, cancel_at_period_end=False, canceled_at=None, paused_at=None,
        resume_at=None, pausable=True, coupon_code=None, actions=(),
    )  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def test_upcoming_invoices_name_a_switch_a_trial_end_and_a_discount_ending() -> None:
    team = _invoice(
        _line(LineKind.SUBSCRIPTION, "Team (Feb 1 - Mar 1)", 1200, D(2, 1), D(3, 1)), discount=120
    )
    starter = _invoice(
        _line(LineKind.SUBSCRIPTION, "Starter (Mar 1 - Apr 1)", 1900, D(3, 1), D(4, 1))
    )
    notes = [
        u.notes
        for u in annotate_upcoming(_view(trial_end=D(2, 1), coupon_code="X"), [team, starter])
    ]
    assert notes == [("Trial ends",), ("Switches to Starter", "Discount ends")]


def test_plans_are_pausable_unless_the_catalog_says_no() -> None:
    plan = make_plan()
    assert is_pausable(plan)
    assert not is_pausable(replace(plan, metadata={"pausable": "false"}))
    assert recurring_minor(plan, 3, "USD") == 3000 + 3 * 1000
    assert recurring_minor(plan, 3, "EUR") is None


def test_the_pause_rule_offers_a_pause_only_on_a_live_plan_without_a_scheduled_change() -> None:
    assert may_pause(_view())
    assert may_pause(_view(status=SubscriptionStatus.TRIALING))
    assert not may_pause(_view(pausable=False))
    assert not may_pause(_view(status=SubscriptionStatus.PAST_DUE))
    assert not may_pause(_view(scheduled=ScheduledChange("Starter", 1, D(2, 1))))


def test_a_pause_lasts_whole_periods_or_until_a_date_within_a_year() -> None:
    plan = make_plan()
    sub = SimpleNamespace(period_end=D(2, 1))
    at = {"now": D(1, 15)}
    # the next N renewals are skipped: the pause ends at the renewal after them, which bills
    assert resume_at_for(sub, plan, periods=1, **at) == D(3, 1)  # type: ignore[arg-type]
    assert resume_at_for(sub, plan, periods=3, **at) == D(5, 1)  # type: ignore[arg-type]
    assert resume_at_for(sub, plan, until=D(3, 10), **at) == D(3, 10)  # type: ignore[arg-type]
    refused = [
        {"periods": 0},
        {"periods": 4},
        {"periods": None},
        {"until": D(1, 15)},
        {"until": D(1, 15) + timedelta(days=367)},
    ]
    for asked in refused:
        with pytest.raises(ValidationFailed):
            resume_at_for(sub, plan, **asked, **at)  # type: ignore[arg-type]
    no_pause = replace(plan, metadata={"pausable": "false"})
    with pytest.raises(ValidationFailed, match="cannot be paused"):
        resume_at_for(sub, no_pause, periods=1, **at)  # type: ignore[arg-type]

"""Property tests of proration: what a period credits is measured against what it charged.

Histories start with or without an anchor (a stub first period), with or without a trial, then
change plans and quantities (every timing, always prorated) and may cancel (every refund). The
plans are those of ``test_engine_properties`` (flat + per seat + metered, monthly or yearly).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import event as label
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.billing.model import LineKind
from domain.shared.periods import Interval, IntervalUnit, Period, boundary
from domain.subscriptions.engine import (
    BillingSettings,
    ProrationBehavior,
    Refund,
    SubscriptionEngine,
    SubscriptionStatus,
)
from tests.unit.billing.test_engine_properties import (
    BILLING_SETTINGS,
    MONTHLY,
    PLANS,
    QUANTITIES,
    TIMINGS,
    subscribe_instants,
)

pytestmark = pytest.mark.unit

FEW = settings(max_examples=150, deadline=None, database=None)

PRORATING = st.sampled_from([ProrationBehavior.INVOICE_NOW, ProrationBehavior.NEXT_INVOICE])
EVENTS = st.one_of(
    st.tuples(st.just("change_quantity"), QUANTITIES, TIMINGS, PRORATING),
    st.tuples(
        st.just("change_plan"),
        st.sampled_from(sorted(PLANS)),
        st.one_of(st.none(), QUANTITIES),
        TIMINGS,
        PRORATING,
    ),
    st.tuples(st.just("cancel"), TIMINGS, st.sampled_from(list(Refund))),
)
GAPS = st.one_of(
    st.just(timedelta(0)),
    st.integers(1, 45).map(lambda d: timedelta(days=d)),
    st.integers(1, 20 * 86400).map(lambda s: timedelta(seconds=s)),
)


@dataclass
class History:
    settings: BillingSettings
    start: datetime
    plan: str
    quantity: int
    trial_days: int
    anchor: datetime | None
    events: list[tuple[datetime, tuple[Any, ...]]]


def _between(lower: datetime, upper: datetime, fraction: float) -> datetime:
    """An instant strictly after ``lower`` and before ``upper``, in whole seconds."""
    span = int((upper - lower).total_seconds())
    return lower + timedelta(seconds=min(span - 1, max(1, int(span * fraction))))


@st.composite
def histories(draw: st.DrawFn) -> History:
    billing = draw(BILLING_SETTINGS)
    start = draw(subscribe_instants())
    plan = draw(st.sampled_from(sorted(PLANS)))
    trial_days = draw(st.sampled_from([0, 0, 0, 7]))
    anchor = None
    if draw(st.integers(0, 3)):  # mostly anchored: the stub is what these tests are about
        tz = billing.tz
        first = (
            boundary(start, Interval(IntervalUnit.DAY, trial_days), 1, tz) if trial_days else start
        )
        limit = boundary(first, PLANS[plan].interval, 1, tz)
        anchor = _between(first, limit, draw(st.floats(0, 1)))
    instant = start
    events: list[tuple[datetime, tuple[Any, ...]]] = []
    for _ in range(draw(st.integers(1, 5))):
        instant += draw(GAPS)
        events.append((instant, draw(EVENTS)))
    return History(billing, start, plan, draw(QUANTITIES), trial_days, anchor, events)


def replay(history: History) -> tuple[SubscriptionEngine, dict[int, Period]]:
    """The engine after the history, and the period each credit note credited (by index)."""
    engine = SubscriptionEngine(settings=history.settings, plans=PLANS)
    engine.subscribe(
        history.start,
        PLANS[history.plan],
        quantity=history.quantity,
        trial_days=history.trial_days,
        anchor=history.anchor,
    )
    credited: dict[int, Period] = {}
    for at, event in history.events:
        engine.advance_to(at)
        if engine.status is SubscriptionStatus.CANCELED:
            break
        match event:
            case ("change_quantity", quantity, timing, how):
                engine.change(at, quantity=quantity, timing=timing, proration=how)
            case ("change_plan", code, quantity, timing, how):
                engine.change(at, plan=PLANS[code], quantity=quantity, timing=timing, proration=how)
            case ("cancel", timing, refund):
                period, notes = engine.period, len(engine.credit_notes)
                engine.cancel(at, timing=timing, refund=refund)
                if len(engine.credit_notes) > notes:
                    assert period is not None
                    credited[notes] = period
    last = history.events[-1][0]
    engine.advance_to(last + timedelta(days=40))
    return engine, credited


_VERB = re.compile(r"^(?:Unused time on |Remaining time on )")
_TAIL = re.compile(r" (?:after .*|\(.*\))$")


def charge_of(description: str) -> str:
    """The charge a line bills or credits, from its description ("Unused time on 5 x Monthly
    units after Apr 16, 2024" -> "Monthly units")."""
    text = _TAIL.sub("", _VERB.sub("", description))
    return re.sub(r"^\d+ x ", "", text)


@FEW
@given(histories())
def test_a_period_never_credits_more_than_it_charged_for_a_charge(history: History) -> None:
    engine, credited = replay(history)
    charged: dict[tuple[str, datetime], int] = defaultdict(int)
    credits: dict[tuple[str, datetime], int] = defaultdict(int)
    for invoice in engine.invoices:
        for line in invoice.lines:
            if line.kind not in (LineKind.SUBSCRIPTION, LineKind.PRORATION):
                continue
            key = (charge_of(line.description), line.period.end)
            if line.amount >= 0:
                charged[key] += line.amount
            else:
                credits[key] -= line.amount
    for index, note in enumerate(engine.credit_notes):
        for line in note.lines:
            credits[charge_of(line.description), credited[index].end] += line.amount
    for key, amount in credits.items():
        assert amount <= charged[key], (key, amount, charged[key])
    label("anchored" if history.anchor else "not anchored")
    if engine.credit_notes:
        label("a credit note")
    if credits:
        label("credits")


@FEW
@given(
    start=subscribe_instants(),
    stub_fraction=st.floats(0, 1),
    change_fraction=st.floats(0, 1),
    q1=QUANTITIES,
    q2=QUANTITIES,
    other_plan=st.sampled_from(["monthly", "monthly_pro"]),
    change_plan=st.booleans(),
    billing=BILLING_SETTINGS,
)
def test_a_change_and_its_reverse_inside_a_stub_net_to_zero(
    start: datetime,
    stub_fraction: float,
    change_fraction: float,
    q1: int,
    q2: int,
    other_plan: str,
    change_plan: bool,
    billing: BillingSettings,
) -> None:
    anchor = _between(start, boundary(start, MONTHLY.interval, 1, billing.tz), stub_fraction)
    engine = SubscriptionEngine(settings=billing, plans=PLANS)
    engine.subscribe(start, MONTHLY, quantity=q1, anchor=anchor)
    at = start + (anchor - start) * change_fraction
    at = min(at.replace(microsecond=0), anchor - timedelta(seconds=1))
    engine.advance_to(at)
    there = {"plan": PLANS[other_plan]} if change_plan else {}
    back = {"plan": MONTHLY} if change_plan else {}
    engine.change(at, quantity=q2, proration=ProrationBehavior.NEXT_INVOICE, **there)  # type: ignore[arg-type]
    engine.change(at, quantity=q1, proration=ProrationBehavior.NEXT_INVOICE, **back)  # type: ignore[arg-type]
    engine.advance_to(anchor)
    renewal = engine.invoices[-1]
    assert renewal.issued_at == anchor
    prorations = [ln for ln in renewal.lines if ln.kind is LineKind.PRORATION]
    assert sum(ln.amount for ln in prorations) == 0
    # each credit is matched by a charge of the same size: the same share of the same period
    assert sorted(-ln.amount for ln in prorations if ln.amount < 0) == sorted(
        ln.amount for ln in prorations if ln.amount > 0
    )
    # ... and never more than the stub charged for that charge in the state it credits
    stub = {charge_of(ln.description): ln.amount for ln in engine.invoices[0].lines}
    # (by wording, not sign: a credit that rounds to zero is still issued, as a zero line)
    unused = [ln for ln in prorations if ln.description.startswith("Unused time on")]
    first_credits = unused[: len(stub)]
    for credit in first_credits:
        assert -credit.amount <= stub[charge_of(credit.description)], (credit, stub)
    advance = [ln.amount for ln in renewal.lines if ln.kind is LineKind.SUBSCRIPTION]
    assert advance == [3000, 1000 * q1]

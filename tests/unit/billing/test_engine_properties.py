"""Property tests of the billing engine: random histories must keep every invoice reconciled.

A history is a subscription to a monthly or a yearly plan (flat + per seat + metered API calls)
at a random instant of 2023-2025 (month ends and Feb 29 favoured), followed by up to six events
at non-decreasing instants (quantity and plan changes with every timing and proration behaviour,
usage, coupons, cancellations), each preceded by ``advance_to`` as the simulator does, and a final
``advance_to(until)``. Settings (proration unit, rounding, tax, time zone) are random too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event as label
from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.billing.model import Invoice, LineKind
from domain.pricing.coupons import Coupon, CouponDuration
from domain.pricing.proration import ProrationUnit
from domain.pricing.totals import TaxRate, TaxRounding
from domain.shared.errors import InvalidTransition
from domain.shared.money import Rounding
from domain.shared.periods import IntervalUnit, Period
from domain.subscriptions.engine import (
    BillingSettings,
    ProrationBehavior,
    Refund,
    SubscriptionEngine,
    SubscriptionStatus,
    Timing,
)
from tests.unit.billing._builders import USD, api_calls, flat, make_plan, per_unit

pytestmark = pytest.mark.unit

MONTHLY = make_plan("monthly", charges=(flat(3000), per_unit(1000), api_calls()))
MONTHLY_PRO = make_plan("monthly_pro", charges=(flat(4999), per_unit(1500), api_calls()))
YEARLY = make_plan(
    "yearly", charges=(flat(30000), per_unit(10000), api_calls()), interval=IntervalUnit.YEAR
)
PLANS = {p.code: p for p in (MONTHLY, MONTHLY_PRO, YEARLY)}

PROPERTY_SETTINGS = settings(max_examples=1000, deadline=None, database=None)


# -- strategies ---------------------------------------------------------------------------------
SPECIAL_DAYS = [
    datetime(2023, 1, 31, tzinfo=UTC),
    datetime(2023, 12, 31, tzinfo=UTC),
    datetime(2024, 1, 31, tzinfo=UTC),
    datetime(2024, 2, 29, tzinfo=UTC),
    datetime(2024, 3, 31, tzinfo=UTC),
    datetime(2024, 8, 31, tzinfo=UTC),
    datetime(2025, 1, 31, tzinfo=UTC),
    datetime(2025, 10, 31, tzinfo=UTC),
]


@st.composite
def subscribe_instants(draw: st.DrawFn) -> datetime:
    special = st.sampled_from(SPECIAL_DAYS).flatmap(
        lambda day: st.sampled_from([0, 1, 12 * 3600, 23 * 3600 + 30 * 60, 86399]).map(
            lambda s: day + timedelta(seconds=s)
        )
    )
    anywhere = st.datetimes(
        min_value=datetime(2023, 1, 1),
        max_value=datetime(2025, 12, 31, 23, 59, 59),
        timezones=st.just(UTC),
    ).map(lambda d: d.replace(microsecond=0))
    return draw(st.one_of(special, anywhere))


GAPS = st.one_of(
    st.just(timedelta(0)),  # the same instant as the previous event
    st.integers(1, 120).map(lambda d: timedelta(days=d)),  # whole days: lands on renewals
    st.integers(1, 40 * 86400).map(lambda s: timedelta(seconds=s)),
)
TIMINGS = st.sampled_from(list(Timing))
BEHAVIOURS = st.sampled_from(list(ProrationBehavior))
QUANTITIES = st.integers(1, 20)

COUPONS = st.one_of(
    st.builds(
        lambda pct, d, n: Coupon(
            "P", d, percent_off=Decimal(pct), duration_in_months=n if d == "repeating" else None
        ),
        st.sampled_from(["10", "20", "33.33", "100"]),
        st.sampled_from(list(CouponDuration)),
        st.integers(1, 6),
    ),
    st.builds(
        lambda amt, d, n: Coupon(
            "F", d, amount_off_minor=amt, duration_in_months=n if d == "repeating" else None
        ),
        st.integers(1, 50000),
        st.sampled_from(list(CouponDuration)),
        st.integers(1, 6),
    ),
)

EVENTS = st.one_of(
    st.tuples(st.just("change_quantity"), QUANTITIES, TIMINGS, BEHAVIOURS),
    st.tuples(
        st.just("change_plan"),
        st.sampled_from(sorted(PLANS)),
        st.one_of(st.none(), QUANTITIES),
        TIMINGS,
        BEHAVIOURS,
    ),
    st.tuples(
        st.just("usage"),
        st.builds(Fraction, st.integers(0, 400), st.sampled_from([1, 2, 10])),
    ),
    st.tuples(st.just("apply_coupon"), COUPONS),
    st.tuples(st.just("cancel"), TIMINGS, st.sampled_from(list(Refund))),
)

TAX_RATES = st.sampled_from(
    [
        None,
        TaxRate("VAT20", Decimal(20), inclusive=False),
        TaxRate("GST7.5", Decimal("7.5"), inclusive=False),
        TaxRate("VAT19", Decimal(19), inclusive=True),
        TaxRate("VAT20I", Decimal(20), inclusive=True),
    ]
)

BILLING_SETTINGS = st.builds(
    BillingSettings,
    currency=st.just(USD),
    tz=st.sampled_from([ZoneInfo("UTC"), ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")]),
    proration=st.sampled_from([ProrationUnit.DAY, ProrationUnit.SECOND]),
    rounding=st.sampled_from(list(Rounding)),
    tax_rounding=st.sampled_from(list(TaxRounding)),
    tax_rate=TAX_RATES,
)


@dataclass
class History:
    settings: BillingSettings
    start: datetime
    plan: str
    quantity: int
    coupon: Coupon | None
    trial_days: int
    events: list[tuple[datetime, tuple[Any, ...]]]
    until: datetime


@st.composite
def histories(draw: st.DrawFn) -> History:
    start = draw(subscribe_instants())
    instant = start
    events: list[tuple[datetime, tuple[Any, ...]]] = []
    for _ in range(draw(st.integers(0, 6))):
        instant += draw(GAPS)
        events.append((instant, draw(EVENTS)))
    until = instant + timedelta(days=draw(st.sampled_from([0, 1, 31, 92, 200, 400])))
    return History(
        settings=draw(BILLING_SETTINGS),
        start=start,
        plan=draw(st.sampled_from(sorted(PLANS))),
        quantity=draw(QUANTITIES),
        coupon=draw(st.one_of(st.none(), COUPONS)),
        trial_days=draw(st.sampled_from([0, 0, 0, 7, 30])),
        events=events,
        until=until,
    )


# -- replaying ----------------------------------------------------------------------------------
@dataclass
class Replay:
    engine: SubscriptionEngine
    # (instant, period it interrupted) of each immediate change to another interval, which
    # begins a new period -> whether the change prorated (proration behaviour not "none")
    restarts: dict[tuple[datetime, Period], bool]
    usage: list[tuple[datetime, Fraction]]  # usage recorded while the subscription was active
    canceled_at: datetime | None  # the instant of an immediate cancellation


def replay(history: History) -> Replay:
    engine = SubscriptionEngine(settings=history.settings, plans=PLANS)
    engine.subscribe(
        history.start,
        PLANS[history.plan],
        quantity=history.quantity,
        coupon=history.coupon,
        trial_days=history.trial_days,
    )
    restarts: dict[tuple[datetime, Period], bool] = {}
    usage: list[tuple[datetime, Fraction]] = []
    canceled_at = None
    for at, event in history.events:
        engine.advance_to(at)
        if engine.status is SubscriptionStatus.CANCELED:
            # every command on a canceled subscription is refused, and nothing changes
            before = (len(engine.invoices), len(engine.credit_notes), engine.balance)
            with pytest.raises(InvalidTransition):
                apply(engine, at, event)
            assert (len(engine.invoices), len(engine.credit_notes), engine.balance) == before
            continue
        if (
            event[0] == "change_plan"
            and event[3] is Timing.IMMEDIATE
            and engine.status is SubscriptionStatus.ACTIVE
            and PLANS[str(event[1])].interval != engine.plan.interval  # type: ignore[union-attr]
        ):
            assert engine.period is not None
            restarts[at, engine.period] = event[4] is not ProrationBehavior.NONE
        if event[0] == "usage" and engine.status is SubscriptionStatus.ACTIVE:
            usage.append((at, event[1]))
        if event[0] == "cancel" and event[1] is Timing.IMMEDIATE:
            canceled_at = at
        apply(engine, at, event)
        engine.advance_to(at)
        assert_invariants(engine)
    engine.advance_to(history.until)
    return Replay(engine, restarts, usage, canceled_at)


def apply(engine: SubscriptionEngine, at: datetime, event: tuple[Any, ...]) -> None:
    match event:
        case ("change_quantity", int(quantity), Timing() as timing, ProrationBehavior() as how):
            engine.change(at, quantity=quantity, timing=timing, proration=how)
        case (
            "change_plan",
            str(code),
            int() | None as quantity,
            Timing() as timing,
            ProrationBehavior() as how,
        ):
            engine.change(
                at,
                plan=PLANS[code],
                quantity=quantity,
                timing=timing,
                proration=how,
            )
        case ("usage", Fraction() as value):
            engine.record_usage(at, "api_calls", value, None)
        case ("apply_coupon", Coupon() as coupon):
            engine.apply_coupon(at, coupon)
        case ("cancel", Timing() as timing, Refund() as refund):
            engine.cancel(at, timing=timing, refund=refund)
        case _:  # pragma: no cover
            raise AssertionError(event)


# -- invariants ---------------------------------------------------------------------------------
def assert_invoice_reconciles(invoice: Invoice, rate: TaxRate | None) -> None:
    where = f"{invoice.number} at {invoice.issued_at}"
    assert sum(line.amount for line in invoice.lines) == invoice.subtotal, where
    assert 0 <= invoice.discount <= max(invoice.subtotal, 0), where
    if rate is None:
        assert invoice.tax == 0, where
        assert invoice.total == invoice.subtotal - invoice.discount, where
    elif rate.inclusive:
        assert invoice.total == invoice.subtotal - invoice.discount, where
    else:
        assert invoice.total == invoice.subtotal - invoice.discount + invoice.tax, where
    assert invoice.credit_applied >= 0, where
    assert invoice.credit_applied <= max(invoice.total, 0), where
    assert invoice.amount_due == max(0, invoice.total - invoice.credit_applied), where
    assert invoice.amount_due >= 0, where
    for line in invoice.lines:
        assert line.period.start < line.period.end, where
        if line.kind is LineKind.USAGE:
            assert line.period.end <= invoice.issued_at, f"{where}: usage billed in arrears"
        if line.kind is LineKind.SUBSCRIPTION:
            # in-advance lines bill the invoice's own (new) period
            assert line.period == invoice.period, where
            assert line.period.start == invoice.issued_at, where


def assert_invariants(engine: SubscriptionEngine) -> None:
    rate = engine.settings.tax_rate
    for invoice in engine.invoices:
        assert_invoice_reconciles(invoice, rate)
    for note in engine.credit_notes:
        assert sum(line.amount for line in note.lines) == note.subtotal
        assert 0 <= note.discount <= note.subtotal
        taxed = 0 if rate is None or rate.inclusive else note.tax
        assert note.total == note.subtotal - note.discount + taxed
        assert note.total > 0
        assert note.refunded + note.credited == note.total
        # a refund never returns more than the credited invoice collected; the rest is credit
        credited_invoice = next(i for i in engine.invoices if i.number == note.invoice)
        assert 0 <= note.refunded <= max(credited_invoice.amount_due, 0)
    # negative balance = owed to the customer; it never turns into a debt
    assert engine.balance <= 0
    # the balance is exactly the ledger of credits given and taken
    ledger = (
        sum(min(i.total, 0) for i in engine.invoices)
        + sum(i.credit_applied for i in engine.invoices)
        - sum(n.credited for n in engine.credit_notes)
    )
    assert engine.balance == ledger
    numbers = [i.number for i in engine.invoices]
    assert numbers == [f"INV-{n:06d}" for n in range(1, len(numbers) + 1)]
    issued = [i.issued_at for i in engine.invoices]
    assert issued == sorted(issued)


def advance_periods(engine: SubscriptionEngine) -> list[Period]:
    """The periods of the in-advance ``subscription`` lines in the order billed (one per invoice:
    every such line of an invoice bills the invoice's period)."""
    seen: list[Period] = []
    for invoice in engine.invoices:
        for line in invoice.lines:
            if line.kind is LineKind.SUBSCRIPTION and (not seen or seen[-1] != line.period):
                seen.append(line.period)
    return seen


BACK_AND_FORTH = History(
    # two interval changes at one instant, the first unprorated: the month billed again later
    settings=BillingSettings(currency=USD, tz=ZoneInfo("UTC")),
    start=datetime(2023, 1, 31, tzinfo=UTC),
    plan="monthly",
    quantity=1,
    coupon=None,
    trial_days=0,
    events=[
        (
            datetime(2023, 1, 31, tzinfo=UTC),
            ("change_plan", "yearly", None, Timing.IMMEDIATE, ProrationBehavior.NONE),
        ),
        (
            datetime(2023, 1, 31, tzinfo=UTC),
            ("change_plan", "monthly", None, Timing.IMMEDIATE, ProrationBehavior.INVOICE_NOW),
        ),
    ],
    until=datetime(2023, 4, 1, tzinfo=UTC),
)


@PROPERTY_SETTINGS
@given(histories())
@example(BACK_AND_FORTH)
def test_random_histories_keep_every_invoice_reconciled(history: History) -> None:
    result = replay(history)
    engine = result.engine
    assert_invariants(engine)
    periods = advance_periods(engine)
    credits = {
        ln.period
        for i in engine.invoices
        for ln in i.lines
        if ln.kind is LineKind.PRORATION and ln.amount <= 0
    }
    for earlier, later in pairwise(periods):
        if later.start == earlier.end:
            continue  # consecutive periods: no gap, no overlap
        # the only overlap allowed: an immediate change to a plan with another interval starts
        # a new period at the change instant, inside the one already billed in advance ...
        assert (later.start, earlier) in result.restarts, (earlier, later)
        assert earlier.start <= later.start < earlier.end, (earlier, later)
        if result.restarts[later.start, earlier]:
            # ... whose unused part, exactly the overlap, the change credits
            assert Period(later.start, earlier.end) in credits, (earlier, later)
    label(f"invoices: {min(len(engine.invoices), 20) // 5 * 5}+")
    label(f"status: {engine.status}")
    if result.restarts:
        label("an immediate interval change")
    if history.trial_days:
        label("a trial")
    if engine.credit_notes:
        label("a credit note")
    if any(i.total < 0 for i in engine.invoices):
        label("a negative invoice")
    if any(i.credit_applied for i in engine.invoices):
        label("balance credit applied")


def test_restart_overlap_is_credited_by_the_change_invoice() -> None:
    """The overlap the property above allows is exactly the credited unused part."""
    history = History(
        settings=BillingSettings(currency=USD, tz=ZoneInfo("UTC")),
        start=datetime(2024, 1, 31, tzinfo=UTC),
        plan="monthly",
        quantity=2,
        coupon=None,
        trial_days=0,
        events=[
            (
                datetime(2024, 2, 15, tzinfo=UTC),
                ("change_plan", "yearly", None, Timing.IMMEDIATE, ProrationBehavior.NEXT_INVOICE),
            )
        ],
        until=datetime(2024, 3, 1, tzinfo=UTC),
    )
    engine = replay(history).engine
    old, new = advance_periods(engine)
    change = engine.invoices[1]
    credits = [ln for ln in change.lines if ln.kind is LineKind.PRORATION]
    assert {ln.period for ln in credits} == {Period(new.start, old.end)}
    assert all(ln.amount < 0 for ln in credits)


@PROPERTY_SETTINGS
@given(histories())
def test_usage_recorded_while_active_is_billed_exactly_once(history: History) -> None:
    result = replay(history)
    engine = result.engine
    billed = sum(
        (ln.quantity for i in engine.invoices for ln in i.lines if ln.kind is LineKind.USAGE),
        Fraction(0),
    )
    # canceled: everything recorded must have been billed; else the open period bills later
    canceled = engine.status is SubscriptionStatus.CANCELED
    cutoff = None if canceled else engine.period.start  # type: ignore[union-attr]
    due = sum(
        (
            value
            for at, value in result.usage
            # usage at the instant of an immediate cancel is billed with it, except when that
            # instant is also the start of the period (a zero-length period bills nothing)
            if (cutoff is None or at < cutoff)
            and not (at == result.canceled_at and at == engine.period.start)  # type: ignore[union-attr]
        ),
        Fraction(0),
    )
    assert billed == due


# -- a change and its reverse -------------------------------------------------------------------
@PROPERTY_SETTINGS
@given(
    start=subscribe_instants(),
    offset=st.integers(0, 27 * 86400),
    q1=QUANTITIES,
    q2=QUANTITIES,
    other_plan=st.sampled_from(["monthly", "monthly_pro"]),
    change_plan=st.booleans(),
    billing=BILLING_SETTINGS,
)
def test_a_change_and_its_reverse_at_the_same_instant_net_to_zero(
    start: datetime,
    offset: int,
    q1: int,
    q2: int,
    other_plan: str,
    change_plan: bool,
    billing: BillingSettings,
) -> None:
    engine = SubscriptionEngine(settings=billing, plans=PLANS)
    engine.subscribe(start, MONTHLY, quantity=q1)
    at = start + timedelta(seconds=offset)  # always inside the first month
    engine.advance_to(at)
    there = {"plan": PLANS[other_plan]} if change_plan else {}
    back = {"plan": MONTHLY} if change_plan else {}
    engine.change(at, quantity=q2, proration=ProrationBehavior.NEXT_INVOICE, **there)  # type: ignore[arg-type]
    engine.change(at, quantity=q1, proration=ProrationBehavior.NEXT_INVOICE, **back)  # type: ignore[arg-type]
    assert engine.plan is MONTHLY and engine.quantity == q1
    engine.advance_to(engine.period.end)  # type: ignore[union-attr]
    renewal = engine.invoices[-1]
    prorations = [ln for ln in renewal.lines if ln.kind is LineKind.PRORATION]
    assert len(prorations) == 8  # two changes x (credit + charge) x two licensed charges
    assert sum(ln.amount for ln in prorations) == 0
    # the renewal bills exactly what a history without the two changes would
    advance = [ln.amount for ln in renewal.lines if ln.kind is LineKind.SUBSCRIPTION]
    assert advance == [3000, 1000 * q1]


# -- the customer balance -----------------------------------------------------------------------
@PROPERTY_SETTINGS
@given(histories())
def test_customer_balance_is_never_a_debt(history: History) -> None:
    """Sign convention: a negative balance is credit owed to the customer. With every invoice
    paid at issue nothing can make it positive, and after every step it equals the ledger."""
    engine = SubscriptionEngine(settings=history.settings, plans=PLANS)
    engine.subscribe(
        history.start,
        PLANS[history.plan],
        quantity=history.quantity,
        coupon=history.coupon,
        trial_days=history.trial_days,
    )
    assert engine.balance == 0
    for at, event in history.events:
        engine.advance_to(at)
        if engine.status is SubscriptionStatus.CANCELED:
            break
        apply(engine, at, event)
        assert engine.balance <= 0
    engine.advance_to(history.until)
    assert engine.balance <= 0
    taken = sum(i.credit_applied for i in engine.invoices)
    given_ = -sum(min(i.total, 0) for i in engine.invoices) + sum(
        n.credited for n in engine.credit_notes
    )
    assert taken <= given_
    assert engine.balance == taken - given_

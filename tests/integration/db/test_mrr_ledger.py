"""The MRR ledger on the real database: written by the live use cases in their transactions,
equal to the one the stored history rebuilds, and true at every date (Hypothesis: random
histories; the sum of the movements up to any instant equals the MRR computed directly from the
subscriptions as they stood then)."""

from __future__ import annotations

import contextlib
import itertools
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.analytics.ledger import LedgerMovement, same_rows
from domain.analytics.movements import MovementKind as K
from domain.analytics.mrr import mrr
from domain.billing.config import BillingConfig
from domain.catalog.model import Plan
from domain.customers.service import create_customer
from domain.pricing.coupons import CouponDuration
from domain.shared.clock import FrozenClock
from domain.shared.errors import DomainError
from domain.shared.ids import CustomerId, PlanId, SubscriptionId
from domain.shared.money import Currency
from domain.shared.periods import IntervalUnit, utc
from domain.subscriptions.engine import BillingSettings, ProrationBehavior, Refund, Timing
from domain.subscriptions.history import SubscriptionVersion
from domain.subscriptions.lifecycle import (
    apply_coupon,
    cancel_subscription,
    pause_subscription,
    resume_subscription,
    uncancel_subscription,
)
from domain.subscriptions.mrr_ledger import rebuild_mrr_ledger
from domain.subscriptions.plan_changes import change_subscription
from domain.subscriptions.renewals import renew_due
from domain.subscriptions.state import engine_from
from domain.subscriptions.subscribing import subscribe
from tests.support.database import TestDatabase
from tests.support.promotions import add_promotion
from tests.unit.billing._builders import flat, make_plan, per_unit
from web.jobs import build_registry

pytestmark = pytest.mark.integration

TEAM = make_plan("team")  # 30.00 + 10.00 per seat, monthly
SOLO = make_plan("solo", charges=(flat(1500),))
ANNUAL = make_plan("annual", charges=(flat(120_000), per_unit(6000)), interval=IntervalUnit.YEAR)
PLANS = (TEAM, SOLO, ANNUAL)
CONFIG = BillingConfig(seller_country="US")
START = utc(2026, 1, 31, 9)


def _uow(db: TestDatabase, clock: FrozenClock) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=build_registry())


async def _business(db: TestDatabase, clock: FrozenClock, customers: int) -> list[CustomerId]:
    uow = _uow(db, clock)
    async with uow:
        for plan in PLANS:
            await uow.plans.add(plan)
        await add_promotion(
            uow, "TWOMONTHS", CouponDuration.REPEATING, percent_off=Decimal(20),
            duration_in_months=2,
        )  # fmt: skip
        await add_promotion(uow, "FIVEOFF", CouponDuration.FOREVER, amounts_off={"USD": 500})
        await uow.commit()
    return [
        (
            await create_customer(
                email=f"c{n}@example.test", name=f"Customer {n}", currency="USD", country="US",
                region="NY", address_lines=("1 Main St",), uow=_uow(db, clock), clock=clock,
            )
        ).id
        for n in range(customers)
    ]  # fmt: skip


async def _ledger(db: TestDatabase, clock: FrozenClock) -> list[LedgerMovement]:
    async with _uow(db, clock) as uow:
        return await uow.mrr_ledger.all()


async def _history(db: TestDatabase, clock: FrozenClock) -> list[SubscriptionVersion]:
    async with _uow(db, clock) as uow:
        ids = await uow.subscription_history.customers(after=None, limit=1000)
        return await uow.subscription_history.for_customers(ids)


def _kw(db: TestDatabase, clock: FrozenClock) -> dict[str, object]:
    return {"uow": _uow(db, clock), "clock": clock, "config": CONFIG}


async def test_the_live_use_cases_write_the_movements_and_the_rebuild_gives_the_same_rows(
    db: TestDatabase,
) -> None:
    clock = FrozenClock(START)
    ada, bob = await _business(db, clock, 2)
    kw = lambda: _kw(db, clock)  # noqa: E731
    team = (await subscribe(ada, "team", quantity=2, **kw())).subscription.id  # 50.00
    await apply_coupon(team, "TWOMONTHS", **kw())  # 40.00 while it lasts (2 months)
    clock.set(utc(2026, 2, 10))
    await change_subscription(team, quantity=4, proration=ProrationBehavior.NONE, **kw())  # 56.00
    annual = (await subscribe(ada, "annual", **kw())).subscription.id  # 1,260.00 / 12 = 105.00
    solo = (await subscribe(bob, "solo", trial_days=14, **kw())).subscription.id  # trial: 0
    clock.set(utc(2026, 4, 5))  # team renews 2-28 and 3-31 (coupon over at 3-31); solo converts
    assert (await renew_due(uow=lambda: _uow(db, clock), clock=clock, config=CONFIG)).failed == ()
    await cancel_subscription(team, timing=Timing.IMMEDIATE, refund=Refund.NONE, **kw())
    await pause_subscription(solo, **kw())
    clock.set(utc(2026, 4, 20))
    await resume_subscription(solo, **kw())

    rows = await _ledger(db, clock)
    got = [(r.subscription_id, r.at, r.kind, r.customer_kind, r.amount_minor, r.mrr_minor)
           for r in rows]  # fmt: skip
    assert got == [
        (team, START, K.NEW, K.NEW, 5000, 5000),
        # the coupon's own transaction at the same instant: a row of its own (one per change)
        (team, START, K.CONTRACTION, K.CONTRACTION, -1000, 4000),
        (team, utc(2026, 2, 10), K.EXPANSION, K.EXPANSION, 1600, 5600),
        (annual, utc(2026, 2, 10), K.NEW, K.EXPANSION, 10500, 10500),
        (solo, utc(2026, 2, 24), K.NEW, K.NEW, 1500, 1500),
        (team, utc(2026, 3, 31, 9), K.EXPANSION, K.EXPANSION, 1400, 7000),
        (team, utc(2026, 4, 5), K.CHURN, K.CONTRACTION, -7000, 0),
        (solo, utc(2026, 4, 5), K.CHURN, K.CHURN, -1500, 0),
        (solo, utc(2026, 4, 20), K.REACTIVATION, K.REACTIVATION, 1500, 1500),
    ]
    assert {r.country for r in rows} == {"US"} and {r.currency for r in rows} == {"USD"}
    assert [r.plan_code for r in rows if r.subscription_id == annual] == ["annual"]

    report = await rebuild_mrr_ledger(uow=lambda: _uow(db, clock), config=CONFIG, check=True)
    assert report.differing_customers == () and report.movements == len(rows)
    await rebuild_mrr_ledger(uow=lambda: _uow(db, clock), config=CONFIG)
    assert same_rows(await _ledger(db, clock), rows)


async def test_the_check_finds_a_ledger_that_was_tampered_with(db: TestDatabase) -> None:
    clock = FrozenClock(START)
    (ada,) = await _business(db, clock, 1)
    await subscribe(ada, "team", **_kw(db, clock))
    async with _uow(db, clock) as uow:
        (row,) = await uow.mrr_ledger.all()
        await uow.mrr_ledger.clear()
        await uow.mrr_ledger.append([replace(row, amount_minor=row.amount_minor + 1)])
        await uow.commit()
    report = await rebuild_mrr_ledger(uow=lambda: _uow(db, clock), config=CONFIG, check=True)
    assert report.differing_customers == (ada,)
    await rebuild_mrr_ledger(uow=lambda: _uow(db, clock), config=CONFIG)
    assert (await rebuild_mrr_ledger(uow=lambda: _uow(db, clock), config=CONFIG, check=True)
            ).differing_customers == ()  # fmt: skip


# -- the property ---------------------------------------------------------------------------------

Action = tuple[str, int, int, int]  # (kind, customer or subscription index, a, b)

ACTIONS = st.tuples(
    st.sampled_from(
        ["subscribe", "change", "cancel", "uncancel", "pause", "resume", "coupon", "wait"]
    ),
    st.integers(0, 5),
    st.integers(0, 2),
    st.integers(1, 40),
)


def _direct_mrr(versions: list[SubscriptionVersion], at: datetime) -> int:
    """The MRR of every subscription at ``at`` from its latest version then, advanced to ``at``."""
    plans: dict[PlanId, Plan] = {p.id: p for p in PLANS}
    latest: dict[str, SubscriptionVersion] = {}
    for version in versions:
        if version.at <= at:
            latest[version.subscription.id] = version
    total = 0
    for version in latest.values():
        sub = version.subscription
        engine = engine_from(
            sub,
            settings=BillingSettings(
                currency=Currency.of(sub.currency), tz=ZoneInfo(sub.timezone),
                proration=sub.proration, rounding=CONFIG.rounding,
                tax_rounding=CONFIG.tax_rounding, tax_rate=version.tax_rate,
            ),
            plans=plans, usage=[], period_invoice=None, balance_minor=0,
        )  # fmt: skip
        engine.advance_to(at)
        total += mrr(engine).minor
    return total


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=st.lists(ACTIONS, min_size=3, max_size=14))
async def test_at_every_date_the_movements_sum_to_the_mrr_of_the_subscriptions_then(
    database: TestDatabase, actions: list[Action]
) -> None:
    await database.truncate()
    db = database
    clock = FrozenClock(START)
    customers = await _business(db, clock, 2)
    subs: list[SubscriptionId] = []
    instants = [START]
    for kind, who, a, b in actions:
        # refused (a pause of a canceled subscription, say): nothing was written
        with contextlib.suppress(DomainError):
            await _act(db, clock, customers, subs, kind, who, a, b)
        instants.append(clock.now())
    report = await renew_due(uow=lambda: _uow(db, clock), clock=clock, config=CONFIG)
    assert report.failed == ()

    rows, versions = await _ledger(db, clock), await _history(db, clock)
    by_sub: dict[str, list[LedgerMovement]] = defaultdict(list)
    for row in rows:
        by_sub[row.subscription_id].append(row)
    checkpoints = sorted(
        {*instants, *(r.at for r in rows), *(r.at - timedelta(seconds=1) for r in rows)}
    )
    for at in checkpoints:
        assert sum(r.amount_minor for r in rows if r.at <= at) == _direct_mrr(versions, at), at
    for sub_rows in by_sub.values():  # each subscription's rows are in time order and chain
        assert [r.at for r in sub_rows] == sorted(r.at for r in sub_rows)
        assert all(b.mrr_minor - a.mrr_minor == b.amount_minor
                   for a, b in itertools.pairwise(sub_rows))  # fmt: skip
    report = await rebuild_mrr_ledger(uow=lambda: _uow(db, clock), config=CONFIG, check=True)
    assert report.differing_customers == ()


async def _act(
    db: TestDatabase,
    clock: FrozenClock,
    customers: list[CustomerId],
    subs: list[SubscriptionId],
    kind: str,
    who: int,
    a: int,
    b: int,
) -> None:
    kw = _kw(db, clock)
    if kind == "wait":
        clock.set(clock.now() + timedelta(days=b))
        assert (
            await renew_due(uow=lambda: _uow(db, clock), clock=clock, config=CONFIG)
        ).failed == ()
        return
    if kind == "subscribe" or not subs:
        plan = PLANS[a].code
        outcome = await subscribe(
            customers[who % len(customers)], plan, quantity=1 + b % 3,
            trial_days=7 if b % 4 == 0 else None, **kw,  # type: ignore[arg-type]
        )  # fmt: skip
        subs.append(outcome.subscription.id)
        return
    sub = subs[who % len(subs)]
    match kind:
        case "change":
            await change_subscription(
                sub, plan_code=PLANS[a].code, quantity=1 + b % 4,
                timing=Timing.PERIOD_END if b % 3 == 0 else Timing.IMMEDIATE,
                proration=ProrationBehavior.NONE, **kw,  # type: ignore[arg-type]
            )  # fmt: skip
        case "cancel":
            timing = Timing.IMMEDIATE if a == 0 else Timing.PERIOD_END
            await cancel_subscription(sub, timing=timing, refund=Refund.NONE, **kw)  # type: ignore[arg-type]
        case "uncancel":
            await uncancel_subscription(sub, **kw)  # type: ignore[arg-type]
        case "pause":
            resume_at = clock.now() + timedelta(days=b) if a else None
            await pause_subscription(sub, resume_at=resume_at, **kw)  # type: ignore[arg-type]
        case "resume":
            await resume_subscription(sub, **kw)  # type: ignore[arg-type]
        case "coupon":
            await apply_coupon(sub, "TWOMONTHS" if a else "FIVEOFF", **kw)  # type: ignore[arg-type]

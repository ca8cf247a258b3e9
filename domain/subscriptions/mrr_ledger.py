"""The MRR ledger written live, and rebuilt from the stored history.

**Live** (``store_outcome``): every saved change of a subscription appends its state to the
subscription's history (``SubscriptionVersion``) and the MRR movements it made to the ledger, in
the change's own transaction. The MRR is read, as the simulator reads it, after each renewal,
trial end or pause end the engine stepped over on its way to the change's instant
(``MrrTrail.advance`` in place of ``engine.advance_to``) and after the change itself; the
readings at one instant net into one movement.

**Rebuild** (``rebuild_mrr_ledger``, ``python -m web.cli analytics rebuild``): the same readings
from the history alone. For each stored version, in the order the versions were written, the
engine is rebuilt from the subscription's previous version with this version's tax rate,
stepped to this version's instant (reading MRR at each step) and then read at this version's
state: exactly what the live change read, so the rebuilt ledger equals the live one.

Subscriptions on a test clock are sandbox rehearsals: their history is kept, their MRR never
enters the ledger (as Stripe keeps test clocks out of its revenue reports).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.analytics.ledger import CustomerLedger, LedgerMovement, Reading, same_rows
from domain.analytics.mrr import MrrMemo, mrr
from domain.analytics.refresh import REFRESH_JOB
from domain.billing.config import BillingConfig
from domain.catalog.model import Plan
from domain.customers.model import Customer
from domain.shared.ids import PlanId
from domain.shared.money import Currency
from domain.subscriptions.engine import BillingSettings, SubscriptionEngine
from domain.subscriptions.history import SubscriptionVersion
from domain.subscriptions.model import Subscription
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.state import engine_from, plan_ids_of


def reading(engine: SubscriptionEngine, at: datetime, memo: MrrMemo | None = None) -> Reading:
    assert engine.plan is not None
    return Reading(at, (memo or mrr)(engine).minor, engine.plan.code)


@dataclass
class MrrTrail:
    """The MRR readings of one change's transaction before the change itself: one after each
    instant the engine stepped over."""

    readings: list[Reading] = field(default_factory=list)

    def advance(
        self, engine: SubscriptionEngine, until: datetime, memo: MrrMemo | None = None
    ) -> None:
        """``engine.advance_to(until)``, reading MRR after each due instant on the way."""
        if engine.plan is None:
            engine.advance_to(until)
            return
        for at in engine.advance_by_step(until):
            self.readings.append(reading(engine, at, memo))


async def record_change(
    uow: SubscriptionsUnit,
    saved: Subscription,
    engine: SubscriptionEngine,
    customer: Customer,
    now: datetime,
    trail: MrrTrail | None,
) -> list[LedgerMovement]:
    """Append ``saved`` (the state after a change at ``now``) to the history, and the change's
    MRR movements to the ledger."""
    await uow.subscription_history.add(
        SubscriptionVersion(saved, now, engine.settings.tax_rate, customer.country)
    )
    if saved.test_clock_id is not None:
        return []
    readings = [*(trail.readings if trail else ()), reading(engine, now)]
    state = CustomerLedger.of(await uow.mrr_ledger.for_customer(customer.id))
    rows = state.record(
        readings,
        subscription_id=saved.id,
        customer_id=customer.id,
        currency=saved.currency,
        country=customer.country,
        version=saved.version,
    )
    if rows:
        await uow.mrr_ledger.append(rows)
    return rows


@dataclass(frozen=True, slots=True)
class RebuildReport:
    customers: int
    versions: int
    movements: int
    differing_customers: tuple[str, ...] = ()  # whose stored rows differed (check mode)


async def rebuild_mrr_ledger(
    *,
    uow: Callable[[], SubscriptionsUnit],
    config: BillingConfig,
    batch: int = 500,
    check: bool = False,
) -> RebuildReport:
    """Replace the ledger with the one the stored history gives, in one transaction (the old
    ledger stays until the new one is complete). With ``check`` nothing is written: the rows the
    history gives are compared with the stored ones, customer by customer."""
    customers = versions = movements = 0
    differing: list[str] = []
    memo = MrrMemo()  # one catalog for the whole rebuild: readings of a state seen before are free
    async with uow() as writer:
        if not check:
            await writer.mrr_ledger.clear()
        plans: dict[PlanId, Plan] = {}
        after: str | None = None
        while True:
            ids = await writer.subscription_history.customers(after=after, limit=batch)
            if not ids:
                break
            after = ids[-1]
            history = await writer.subscription_history.for_customers(ids)
            await _load_plans(writer, history, plans)
            rows: list[LedgerMovement] = []
            stored = _by_customer(await writer.mrr_ledger.for_customers(ids) if check else [])
            mine = _versions_by_customer(history)
            for customer_id in ids:
                replayed = replay(mine.get(customer_id, []), plans, config, memo)
                if check and not same_rows(replayed, stored.get(customer_id, [])):
                    differing.append(customer_id)
                rows += replayed
            versions += len(history)
            if rows and not check:
                await writer.mrr_ledger.append(rows)
            customers += len(ids)
            movements += len(rows)
        if not check:
            # the read model follows the new ledger (domain/analytics/refresh.py)
            writer.jobs.enqueue(REFRESH_JOB)
            await writer.commit()
    return RebuildReport(customers, versions, movements, tuple(differing))


def _versions_by_customer(
    history: list[SubscriptionVersion],
) -> dict[str, list[SubscriptionVersion]]:
    """The batch's versions per customer, each customer's in the order they were written."""
    grouped: dict[str, list[SubscriptionVersion]] = {}
    for version in history:
        grouped.setdefault(version.subscription.customer_id, []).append(version)
    return grouped


def _by_customer(rows: list[LedgerMovement]) -> dict[str, list[LedgerMovement]]:
    grouped: dict[str, list[LedgerMovement]] = {}
    for row in rows:
        grouped.setdefault(row.customer_id, []).append(row)
    return grouped


def replay(
    versions: list[SubscriptionVersion],
    plans: dict[PlanId, Plan],
    config: BillingConfig,
    memo: MrrMemo | None = None,
) -> list[LedgerMovement]:
    """One customer's ledger from its subscriptions' versions (in the order they were written).

    The engine a version is read at is the one the next version of the subscription starts
    from (rebuilt from this version's state with the next one's tax rate), so it is kept and
    stepped on when the tax rate is the same (reading MRR does not change an engine); ``memo``
    remembers the MRR of states read before (pass one to share it between customers)."""
    memo = memo or MrrMemo()
    state = CustomerLedger()
    last: dict[str, tuple[SubscriptionVersion, SubscriptionEngine | None]] = {}
    rows: list[LedgerMovement] = []
    for version in versions:
        sub = version.subscription
        before = last.get(sub.id)
        if sub.test_clock_id is not None:
            last[sub.id] = (version, None)
            continue
        readings: list[Reading] = []
        if before is not None:
            previous, engine = before
            if engine is None or previous.tax_rate != version.tax_rate:
                engine = _engine(previous.subscription, version, plans, config)
            MrrTrail(readings).advance(engine, version.at, memo)
        engine = _engine(sub, version, plans, config)
        readings.append(reading(engine, version.at, memo))
        last[sub.id] = (version, engine)
        rows += state.record(
            readings,
            subscription_id=sub.id,
            customer_id=sub.customer_id,
            currency=sub.currency,
            country=version.country,
            version=sub.version,
        )
    return rows


def _engine(
    sub: Subscription,
    version: SubscriptionVersion,
    plans: dict[PlanId, Plan],
    config: BillingConfig,
) -> SubscriptionEngine:
    settings = BillingSettings(
        currency=Currency.of(sub.currency),
        tz=ZoneInfo(sub.timezone),
        proration=sub.proration,
        rounding=config.rounding,
        tax_rounding=config.tax_rounding,
        tax_rate=version.tax_rate,
    )
    return engine_from(
        sub, settings=settings, plans=plans, usage=[], period_invoice=None, balance_minor=0
    )


async def _load_plans(
    uow: SubscriptionsUnit, history: list[SubscriptionVersion], plans: dict[PlanId, Plan]
) -> None:
    for version in history:
        for plan_id in plan_ids_of(version.subscription) - plans.keys():
            plan = await uow.plans.get(plan_id)
            if plan is None:  # plan versions are never deleted
                raise LookupError(f"plan version {plan_id} of the history is gone")
            plans[plan_id] = plan

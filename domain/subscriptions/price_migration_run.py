"""The price migrations' run: for every scheduled migration, send each subscription its notice
when it falls due and schedule its move for the announced renewal (the same period-end change
a downgrade uses: the renewal then bills the new version for a whole period), count the moves,
and close a migration once nothing is left to move. The job runner runs it on real time
(``subscriptions.run_price_migrations``), a test clock's advance on the clock's time for its
customers, before their renewals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.catalog.model import Plan
from domain.notifications.later import notify_later
from domain.notifications.model import EmailKind, dedupe_key
from domain.pricing.tax_policy import TaxDecision, TaxTreatment
from domain.shared.clock import Clock
from domain.shared.errors import DomainError
from domain.shared.ids import SubscriptionId
from domain.subscriptions._engine_store import load_customer, tax_decision
from domain.subscriptions.engine import SubscriptionEngine, Timing
from domain.subscriptions.lifecycle import run_in
from domain.subscriptions.model import Subscription
from domain.subscriptions.plan_facts import has_seats, recurring_minor
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.price_migrations import (
    MigrationNotice,
    MigrationStatus,
    PriceMigration,
    Renewing,
    is_movable,
    move_due,
    planned_move,
)

RUN_JOB = "subscriptions.run_price_migrations"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MigrationRunReport:
    notified: int
    moved: int
    closed: int


async def run_price_migrations(
    *,
    uow: Callable[[], SubscriptionsUnit],
    clock: Clock,
    config: BillingConfig,
    test_clock_id: str | None = None,
) -> MigrationRunReport:
    """Everything due as of now for the subscriptions on real time (or, ``test_clock_id``, on
    that test clock). Each notice is its own transaction under the subscription's row lock;
    running again at the same instant does nothing (one notice row per migration and
    subscription, and the e-mail's dedupe key)."""
    now = clock.now()
    notified = moved = closed = 0
    async with uow() as reader:
        migrations = await reader.price_migrations.scheduled()
    for migration in migrations:
        async with uow() as reader:
            source = await reader.plans.get(migration.from_plan_id)
            target = await reader.plans.get(migration.to_plan_id)
            subs = await reader.subscriptions.on_plans(
                [migration.from_plan_id, migration.to_plan_id]
            )
            notices = {
                n.subscription_id: n for n in await reader.price_migrations.notices(migration.id)
            }
        if source is None or target is None:
            continue
        for sub in subs:
            if sub.test_clock_id != test_clock_id:
                continue
            notice = notices.get(sub.id)
            if notice is None and sub.plan_id == source.id and _due(sub, source, migration, now):
                try:
                    if await _announce(migration, sub.id, source, target, uow(), now, config):
                        notified += 1
                except (DomainError, LookupError, ValueError):
                    # the next run tries again (a renewal racing on the row, say); the others go on
                    log.exception("price migration notice failed", extra={"subscription": sub.id})
            elif notice is not None and notice.moved_at is None and sub.plan_id == target.id:
                async with uow() as writer:
                    await writer.price_migrations.mark_moved(migration.id, sub.id, notice.move_at)
                    await writer.commit()
                moved += 1
        if await _close_when_finished(migration, uow, now, test_clock_id):
            closed += 1
    return MigrationRunReport(notified, moved, closed)


async def next_notice_at(
    *, uow: Callable[[], SubscriptionsUnit], test_clock_id: str | None = None
) -> datetime | None:
    """The earliest instant a notice of a scheduled migration falls due for a subscription on
    real time (or on the test clock ``test_clock_id``): a test clock's advance, which steps over
    idle days, must stop on that day, or the notice would go out late and the move slip."""
    due: list[datetime] = []
    async with uow() as reader:
        for migration in await reader.price_migrations.scheduled():
            source = await reader.plans.get(migration.from_plan_id)
            if source is None:
                continue
            noticed = {
                n.subscription_id for n in await reader.price_migrations.notices(migration.id)
            }
            for sub in await reader.subscriptions.on_plans([migration.from_plan_id]):
                if sub.test_clock_id != test_clock_id or sub.id in noticed:
                    continue
                renewing = Renewing.of(sub)
                if not is_movable(renewing):
                    continue
                planned = planned_move(renewing, source.interval, migration.effective_at)
                due.append(planned - timedelta(days=migration.notice_days))
    return min(due) if due else None


def _due(sub: Subscription, source: Plan, migration: PriceMigration, now: datetime) -> bool:
    """Read-only first: only a subscription whose notice is due is locked and written."""
    renewing = Renewing.of(sub)
    return is_movable(renewing) and move_due(renewing, source.interval, migration, now) is not None


async def _announce(
    migration: PriceMigration,
    subscription_id: SubscriptionId,
    source: Plan,
    target: Plan,
    uow: SubscriptionsUnit,
    now: datetime,
    config: BillingConfig,
) -> bool:
    """Schedule the move and queue the notice, together or not at all."""
    decided: list[datetime] = []

    def schedule(engine: SubscriptionEngine, at: datetime, _: object) -> None:
        # the renewals due before now were billed just before (run_in), so the state is now's
        after = Renewing.of_engine(engine)
        if after is None or engine.plan is None or engine.plan.id != source.id:
            return
        if not is_movable(after):
            return
        move_at = move_due(after, source.interval, migration, at)
        if move_at is None or target.price_in(engine.currency) is None:
            return
        engine.change(at, plan=target, timing=Timing.PERIOD_END, effective_from=move_at)
        decided.append(move_at)

    async with uow:
        outcome = await run_in(
            uow, subscription_id, lambda e, at, plans: schedule(e, at, plans),
            reason=BillingReason.SUBSCRIPTION_UPDATE, now=now, config=config, as_customer=None,
        )  # fmt: skip
        if not decided:
            await uow.commit()  # the renewals it billed on the way, if any
            return False
        move_at = decided[0]
        added = await uow.price_migrations.add_notice(
            MigrationNotice(migration.id, subscription_id, now, move_at)
        )
        if not added:
            await uow.rollback()
            return False
        sub = outcome.subscription
        customer = await load_customer(uow, sub.customer_id)
        old = recurring_minor(source, sub.quantity, sub.currency) or 0
        new = recurring_minor(target, sub.quantity, sub.currency) or 0
        notify_later(
            uow,
            EmailKind.PRICE_CHANGE,
            customer_id=sub.customer_id,
            key=dedupe_key(EmailKind.PRICE_CHANGE, migration.id, sub.id),
            subscription_id=sub.id,
            plan_name=source.name,
            new_plan_name=target.name,
            old_price=[old, sub.currency],
            new_price=[new, sub.currency],
            interval=str(source.interval),
            quantity=sub.quantity if has_seats(source, sub.currency) else None,
            moves_at=move_at.isoformat(),
            tax_note=tax_wording(await tax_decision(uow, customer, config)),
        )
        await uow.commit()
    return True


def tax_wording(decision: TaxDecision) -> str:
    """How tax applies to the prices in the notice, in words."""
    if decision.treatment is TaxTreatment.REVERSE_CHARGE:
        return "VAT is reverse charged: you account for it yourself"
    if decision.treatment is TaxTreatment.EXEMPT or decision.rate is None:
        return "No tax is added (tax exempt)" if decision.treatment is TaxTreatment.EXEMPT else ""
    rate = decision.rate
    percent = f"{rate.percentage.normalize():f}%"
    if rate.inclusive:
        return f"Prices include tax at {percent}"
    return f"Tax at {percent} is added to these prices"


async def _close_when_finished(
    migration: PriceMigration,
    uow: Callable[[], SubscriptionsUnit],
    now: datetime,
    test_clock_id: str | None,
) -> bool:
    """Done once the date has passed and no live subscription on the old version still waits
    for its move: each was moved, left the version, or was told and no longer has the move
    scheduled (withdrawn by staff or replaced by a change of its own). A subscription of another clock (real time, or another test
    clock) that is still on the old version keeps it open."""
    if now < migration.effective_at:
        return False
    async with uow() as writer:
        current = await writer.price_migrations.get(migration.id, lock=True)
        if current is None or current.status is not MigrationStatus.SCHEDULED:
            return False
        notices = {
            n.subscription_id: n for n in await writer.price_migrations.notices(migration.id)
        }
        for sub in await writer.subscriptions.on_plans([migration.from_plan_id]):
            if sub.test_clock_id != test_clock_id:
                return False
            if sub.id not in notices or sub.scheduled_plan_id == migration.to_plan_id:
                return False  # not told yet, or its move is still ahead
        await writer.price_migrations.save(
            replace(current, status=MigrationStatus.DONE, closed_at=now)
        )
        await writer.commit()
    return True

"""Renewals: advancing one subscription to now, the renewal run over every subscription due, and
the scheduled run that enqueues one advance job per subscription due."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.shared.clock import Clock
from domain.shared.errors import DomainError
from domain.shared.ids import SubscriptionId
from domain.subscriptions.lifecycle import run
from domain.subscriptions.model import Due
from domain.subscriptions.outcome import Outcome
from domain.subscriptions.ports import SubscriptionsUnit


async def advance_subscription(
    subscription_id: SubscriptionId, *, uow: SubscriptionsUnit, clock: Clock, config: BillingConfig
) -> Outcome:
    """Bill everything due up to now (renewals, trial ends, scheduled changes, pause ends,
    cancellations at period end, expiry of an unpaid incomplete subscription)."""
    return await run(
        subscription_id,
        None,
        reason=BillingReason.SUBSCRIPTION_CYCLE,
        uow=uow,
        clock=clock,
        config=config,
        as_customer=None,
    )


@dataclass(frozen=True, slots=True)
class RenewalReport:
    advanced: int
    failed: tuple[tuple[str, str], ...]  # (subscription id, error)


async def renew_due(
    *,
    uow: Callable[[], SubscriptionsUnit],
    clock: Clock,
    config: BillingConfig,
    limit: int = 500,
    test_clock_id: str | None = None,
) -> RenewalReport:
    """The renewal run: advance every subscription due as of now, one transaction each, so a
    failure stops only that subscription and a crash resumes where it stopped (what was
    committed moved on; the rest is still due). Runs batches of ``limit`` until nothing is due;
    running it again at the same instant does nothing."""
    now = clock.now()
    advanced = 0
    failed: dict[str, str] = {}
    while True:
        async with uow() as reader:
            due = await reader.subscriptions.due(
                now, limit=limit + len(failed), test_clock_id=test_clock_id
            )
        batch = [d.id for d in due if d.id not in failed][:limit]
        if not batch:
            return RenewalReport(advanced, tuple(failed.items()))
        for subscription_id in batch:
            try:
                await advance_subscription(subscription_id, uow=uow(), clock=clock, config=config)
                advanced += 1
            except (DomainError, LookupError, ValueError) as exc:
                failed[subscription_id] = f"{type(exc).__name__}: {exc}"


ADVANCE_JOB = "subscriptions.advance"


async def enqueue_due_renewals(
    *, uow: Callable[[], SubscriptionsUnit], clock: Clock, batch: int = 1_000
) -> int:
    """The scheduled renewal run: one ``subscriptions.advance`` job per subscription due as of
    now, so every runner process shares the work. The job's unique key names the subscription
    and the instant it fell due, so a repeated tick enqueues nothing new, and a subscription
    whose advance keeps failing shows up as a dead job instead of blocking the others."""
    now = clock.now()
    enqueued = 0
    cursor: Due | None = None
    while True:
        async with uow() as writer:
            due = await writer.subscriptions.due(now, limit=batch, after=cursor)
            for d in due:
                writer.jobs.enqueue(
                    ADVANCE_JOB,
                    unique_key=f"advance:{d.id}:{d.at.isoformat()}",
                    subscription_id=d.id,
                )
            await writer.commit()
        enqueued += len(due)
        if len(due) < batch:
            return enqueued
        cursor = due[-1]

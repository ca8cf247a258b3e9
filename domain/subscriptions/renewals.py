"""Renewals: advancing one subscription to now, the renewal run over every subscription due, and
the scheduled run that enqueues one batch job per ``BATCH_SIZE`` subscriptions due (the batch
job is ``renewal_batches.renew_batch``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason
from domain.jobs.model import JsonValue
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
RENEW_BATCH_JOB = "subscriptions.renew_batch"
BATCH_SIZE = 200  # due subscriptions per renew_batch job


def advance_key(subscription_id: str, due_at: datetime) -> str:
    """The unique key of the one-subscription advance job: the subscription and the instant it
    fell due, so it is enqueued once per due instant however often it is asked for."""
    return f"advance:{subscription_id}:{due_at.isoformat()}"


async def enqueue_due_renewals(
    *,
    uow: Callable[[], SubscriptionsUnit],
    clock: Clock,
    batch: int = 1_000,
    per_job: int = BATCH_SIZE,
) -> int:
    """The scheduled renewal run: one ``subscriptions.renew_batch`` job per ``per_job``
    subscriptions due as of now (read ``batch`` at a time, in (due instant, id) order), so every
    runner process shares the work, a batch at a time. A batch job's unique key names the
    instant of this run and its first subscription, so the same run repeated enqueues nothing
    new; a later run that finds a subscription still due (its batch not run yet) enqueues it
    again, and whichever batch comes second finds it renewed and skips it. Returns how many
    subscriptions were enqueued."""
    now = clock.now()
    enqueued = 0
    cursor: Due | None = None
    while True:
        async with uow() as writer:
            due = await writer.subscriptions.due(now, limit=batch, after=cursor)
            for first in range(0, len(due), per_job):
                ids = [d.id for d in due[first : first + per_job]]
                writer.jobs.enqueue(
                    RENEW_BATCH_JOB,
                    unique_key=f"renew:{now.isoformat()}:{ids[0]}:{len(ids)}",
                    subscription_ids=list[JsonValue](ids),
                )
            await writer.commit()
        enqueued += len(due)
        if len(due) < batch:
            return enqueued
        cursor = due[-1]

"""The subscriptions' jobs: the renewal run, every five minutes (it fans out to batch jobs, and a
subscription whose batch could not renew it gets its own advance job), and the price
migrations' run, every fifteen (see domain/jobs/schedule.py)."""

from __future__ import annotations

import logging

from domain.billing.config import BillingConfig
from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry
from domain.shared.ids import SubscriptionId
from domain.subscriptions.ports import SubscriptionsUnit
from domain.subscriptions.price_migration_run import RUN_JOB, run_price_migrations
from domain.subscriptions.renewal_batches import renew_batch
from domain.subscriptions.renewals import (
    ADVANCE_JOB,
    RENEW_BATCH_JOB,
    advance_subscription,
    enqueue_due_renewals,
)

log = logging.getLogger(__name__)


def build_jobs(config: BillingConfig) -> JobRegistry:
    registry = JobRegistry()

    @registry.job("subscriptions.renew_due", max_attempts=5, timeout_s=600)
    async def renew_due_job(ctx: JobContext[SubscriptionsUnit]) -> None:
        """The renewal run: one ``subscriptions.renew_batch`` job per batch of subscriptions due
        now."""
        enqueued = await enqueue_due_renewals(uow=ctx.uow, clock=ctx.clock)
        log.info("renewal run", extra={"enqueued": enqueued})

    @registry.job(ADVANCE_JOB, max_attempts=5, timeout_s=120)
    async def advance_job(ctx: JobContext[SubscriptionsUnit], *, subscription_id: str) -> None:
        """Bill everything due for one subscription (renewal, trial end, scheduled change...);
        idempotent: a retry after a crash finds the period already moved on."""
        await advance_subscription(
            SubscriptionId(subscription_id), uow=ctx.uow(), clock=ctx.clock, config=config
        )

    @registry.job(RENEW_BATCH_JOB, max_attempts=5, timeout_s=600)
    async def renew_batch_job(
        ctx: JobContext[SubscriptionsUnit], *, subscription_ids: list[str]
    ) -> None:
        """Renew a batch of due subscriptions in one transaction; one that fails is handed to
        its own ``subscriptions.advance`` job. Idempotent: a rerun skips what was renewed."""
        report = await renew_batch(
            [SubscriptionId(i) for i in subscription_ids],
            uow=ctx.uow(),
            clock=ctx.clock,
            config=config,
        )
        log.info(
            "renewal batch",
            extra={
                "advanced": report.advanced,
                "skipped": report.skipped,
                "handed_over": len(report.handed_over),
            },
        )

    @registry.job(RUN_JOB, max_attempts=5, timeout_s=600)
    async def run_price_migrations_job(ctx: JobContext[SubscriptionsUnit]) -> None:
        """Price migrations: the notices due now and the moves they schedule (real time)."""
        report = await run_price_migrations(uow=ctx.uow, clock=ctx.clock, config=config)
        log.info("price migrations", extra={"notified": report.notified, "moved": report.moved})

    return registry

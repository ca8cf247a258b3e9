"""The subscriptions' jobs: the renewal run, every five minutes (see domain/jobs/schedule.py)."""

from __future__ import annotations

import logging

from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry
from domain.subscriptions.config import BillingConfig
from domain.subscriptions.service import renew_due

log = logging.getLogger(__name__)


def build_jobs(config: BillingConfig) -> JobRegistry:
    registry = JobRegistry()

    @registry.job("subscriptions.renew_due", max_attempts=5, timeout_s=900)
    async def renew_due_job(ctx: JobContext) -> None:
        """Bill everything due as of the clock. Each subscription is its own transaction; the
        run is idempotent, so a retry (or the next tick) picks up what a failure left."""
        report = await renew_due(uow=ctx.uow, clock=ctx.clock, config=config)
        log.info("renewal run", extra={"advanced": report.advanced, "failed": len(report.failed)})
        if report.failed:
            raise RuntimeError(
                f"{len(report.failed)} subscriptions could not be advanced: "
                + "; ".join(f"{sid}: {err}" for sid, err in report.failed[:10])
            )

    return registry

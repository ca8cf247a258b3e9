"""``drain_jobs``: run every job due under the test clock until the queue is empty."""

from __future__ import annotations

from litestar import Litestar

from domain.billing.config import BillingConfig
from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry
from domain.jobs.runner import JobRunner
from domain.payments.ports import PaymentGateway


async def drain_jobs(target: Litestar | JobRunner, *, include_schedule: bool = True) -> int:
    runner = target if isinstance(target, JobRunner) else target.state.runtime.runner
    return await runner.drain(include_schedule=include_schedule)


def billing_registry(gateway: PaymentGateway, config: BillingConfig | None = None) -> JobRegistry:
    """Renewals and charges for real, with the notice jobs the billing path also enqueues
    registered as no-ops: for tests about renewals and charges at scale (the e-mail tests cover
    those jobs), and the app's other scheduled jobs as no-ops too. No PDF job is registered: the
    billing path queues none (PDFs render on first download), and one queued would go dead."""
    from domain.jobs import housekeeping
    from domain.payments import jobs as payment_jobs
    from domain.subscriptions import jobs as subscription_jobs

    config = config or BillingConfig()
    registry = JobRegistry()
    registry.merge(housekeeping.registry)
    registry.merge(subscription_jobs.build_jobs(config))
    registry.merge(payment_jobs.build_jobs(config, gateway))
    skipped = JobRegistry()

    @skipped.job("notifications.notify")
    async def no_notice(ctx: JobContext, **kwargs: object) -> None:
        return None

    @skipped.job("notifications.notify_many")
    async def no_notices(ctx: JobContext, **kwargs: object) -> None:
        return None

    @skipped.job("notifications.scan_notices")
    async def no_scan(ctx: JobContext) -> None:
        return None

    registry.merge(skipped)
    # the rest of the app's schedule (analytics refreshes, key purges, ...) as no-ops, so a
    # runner given the app's SCHEDULE can enqueue every tick of it
    from domain.jobs.schedule import SCHEDULE

    rest = JobRegistry()
    for entry in SCHEDULE:
        if entry.job not in registry and entry.job not in rest:
            rest.job(entry.job)(_no_op)
    registry.merge(rest)
    return registry


async def _no_op(ctx: JobContext, **kwargs: object) -> None:
    return None

"""The analytics reports' jobs (domain/jobs/schedule.py): ``analytics.send_monthly_summary``
(daily at 07:00 UTC; it sends only on the first days of a month, once per member and month:
summary_mail.py) and ``analytics.refresh_subscribers`` (hourly: the subscriber metrics' read
model, subscriber_refresh.py)."""

from __future__ import annotations

import logging

from domain.analytics_reports.ports import AnalyticsReportsUnit, SummaryUnit
from domain.analytics_reports.subscriber_refresh import (
    REFRESH_SUBSCRIBERS_JOB,
    refresh_subscriber_metrics,
)
from domain.analytics_reports.summary_mail import SUMMARY_JOB, send_monthly_summaries
from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry
from domain.notifications.ports import EmailRenderer
from domain.shared.money import Currency, Rounding

log = logging.getLogger(__name__)


def build_jobs(
    *, renderer: EmailRenderer, reporting_currency: str, rounding: Rounding, public_url: str
) -> JobRegistry:
    registry = JobRegistry()

    @registry.job(SUMMARY_JOB, max_attempts=5, timeout_s=600)
    async def send_monthly_summary_job(ctx: JobContext[SummaryUnit]) -> None:
        """Queue last month's summary for each opted-in member (none outside the first days)."""
        run = await send_monthly_summaries(
            new_uow=ctx.uow, clock=ctx.clock, reporting=Currency.of(reporting_currency),
            rounding=rounding, renderer=renderer, public_url=public_url,
        )  # fmt: skip
        log.info("analytics summary", extra={"month": str(run.month), "queued": run.queued})

    @registry.job(REFRESH_SUBSCRIBERS_JOB, max_attempts=3, timeout_s=1800)
    async def refresh_subscribers_job(ctx: JobContext[AnalyticsReportsUnit]) -> None:
        """Recompute the subscriber metrics' rows from their sources (replaced whole)."""
        done = await refresh_subscriber_metrics(
            new_uow=ctx.uow, clock=ctx.clock, reporting=Currency.of(reporting_currency),
            rounding=rounding,
        )  # fmt: skip
        log.info("subscriber metrics refreshed", extra={"at": done.refreshed_at.isoformat()})

    return registry

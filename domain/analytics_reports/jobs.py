"""The analytics reports' job: ``analytics.send_monthly_summary`` (daily at 07:00 UTC,
domain/jobs/schedule.py; it sends only on the first days of a month, once per member and month:
summary_mail.py)."""

from __future__ import annotations

import logging

from domain.analytics_reports.ports import SummaryUnit
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

    return registry

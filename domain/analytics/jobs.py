"""The analytics jobs: ``analytics.refresh_cohorts`` (hourly, domain/jobs/schedule.py) folds the
MRR ledger into the cohort cells the cohort page reads."""

from __future__ import annotations

import logging

from domain.analytics.cohort_report import refresh_cohorts
from domain.analytics.ports import CohortsUnit
from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry
from domain.shared.money import Currency, Rounding

log = logging.getLogger(__name__)

REFRESH_COHORTS_JOB = "analytics.refresh_cohorts"


def build_jobs(*, reporting_currency: str, rounding: Rounding) -> JobRegistry:
    registry = JobRegistry()

    @registry.job(REFRESH_COHORTS_JOB, max_attempts=3, timeout_s=1800)
    async def refresh_cohorts_job(ctx: JobContext[CohortsUnit]) -> None:
        """Recompute the cohort cells from the ledger as of now (replaced whole)."""
        done = await refresh_cohorts(
            new_uow=ctx.uow, clock=ctx.clock, reporting=Currency.of(reporting_currency),
            rounding=rounding,
        )  # fmt: skip
        log.info("cohorts refreshed", extra={"customers": done.customers,
                                             "missing_rates": done.missing_rates})  # fmt: skip

    return registry

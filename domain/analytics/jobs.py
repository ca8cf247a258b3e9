"""The analytics jobs (``domain/jobs/schedule.py``): ``analytics.refresh`` (every ten minutes,
and after a ledger rebuild) rebuilds the read model and fills the ledger's reporting amounts;
``analytics.refresh_cohorts`` (hourly) folds the MRR ledger into the cohort cells the cohort page
reads."""

from __future__ import annotations

import logging

from domain.analytics.cohort_report import refresh_cohorts
from domain.analytics.ports import AnalyticsUnit, CohortsUnit
from domain.analytics.refresh import REFRESH_JOB, refresh_analytics
from domain.billing.config import BillingConfig
from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry
from domain.shared.money import Currency

log = logging.getLogger(__name__)

REFRESH_COHORTS_JOB = "analytics.refresh_cohorts"


def build_jobs(config: BillingConfig, reporting_currency: str) -> JobRegistry:
    registry = JobRegistry()
    reporting = Currency.of(reporting_currency)

    @registry.job(REFRESH_JOB, max_attempts=3, timeout_s=1800)
    async def refresh_job(ctx: JobContext[AnalyticsUnit]) -> None:
        """Fold the whole ledger into the daily aggregates (replaced in one transaction)."""
        state = await refresh_analytics(uow=ctx.uow, clock=ctx.clock, reporting=reporting,
                                        rounding=config.rounding)  # fmt: skip
        log.info(
            "analytics refreshed",
            extra={"movements": state.movements, "missing": [m.currency for m in state.missing]},
        )

    @registry.job(REFRESH_COHORTS_JOB, max_attempts=3, timeout_s=1800)
    async def refresh_cohorts_job(ctx: JobContext[CohortsUnit]) -> None:
        """Recompute the cohort cells from the ledger as of now (replaced whole)."""
        done = await refresh_cohorts(
            new_uow=ctx.uow, clock=ctx.clock, reporting=reporting, rounding=config.rounding,
        )  # fmt: skip
        log.info("cohorts refreshed", extra={"customers": done.customers,
                                             "missing_rates": done.missing_rates})  # fmt: skip

    return registry

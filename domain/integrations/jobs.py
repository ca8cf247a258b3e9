"""The integrations' job: a CRM import run (``imports.run_import``). It runs once per start;
a retry continues after the last committed batch, and the last attempt's failure marks the
import failed (staff start it again from its page)."""

from __future__ import annotations

import logging

from domain.billing.config import BillingConfig
from domain.integrations.imports import RUN_IMPORT_JOB, mark_failed, run_import
from domain.integrations.ports import IntegrationsUnit
from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def build_jobs(config: BillingConfig) -> JobRegistry:
    registry = JobRegistry()

    @registry.job(RUN_IMPORT_JOB, max_attempts=MAX_ATTEMPTS, timeout_s=3600)
    async def run_import_job(ctx: JobContext[IntegrationsUnit], *, import_id: str) -> None:
        try:
            rec = await run_import(import_id, new_uow=ctx.uow, clock=ctx.clock, config=config)
        except Exception:
            if ctx.attempt >= MAX_ATTEMPTS:
                await mark_failed(import_id, new_uow=ctx.uow)
            raise
        log.info("crm import", extra={"import_id": import_id, "created": rec.created,
                                      "updated": rec.updated, "errors": rec.error_count})  # fmt: skip

    return registry

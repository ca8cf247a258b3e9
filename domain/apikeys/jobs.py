"""``apikeys.purge_idempotency``: delete idempotency records past their 24 hours (hourly)."""

from __future__ import annotations

from domain.apikeys.idempotency import purge_expired
from domain.apikeys.ports import ApiKeysUnit
from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry

PURGE_JOB = "apikeys.purge_idempotency"

registry = JobRegistry()


@registry.job(PURGE_JOB, max_attempts=3, timeout_s=300)
async def purge_idempotency(ctx: JobContext[ApiKeysUnit]) -> None:
    """Delete the idempotency records that expired."""
    await purge_expired(uow=ctx.uow(), clock=ctx.clock)

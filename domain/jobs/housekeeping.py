"""Jobs that keep the job queue itself tidy."""

from __future__ import annotations

from datetime import timedelta

from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry
from domain.shared.transaction import Transaction

KEEP_FINISHED = timedelta(days=14)

registry = JobRegistry()


@registry.job("jobs.purge_finished", max_attempts=3, timeout_s=300)
async def purge_finished(ctx: JobContext[Transaction]) -> None:
    """Delete succeeded jobs finished more than 14 days ago; dead jobs stay until staff act."""
    await ctx.store.purge_finished(before=ctx.clock.now() - KEEP_FINISHED)

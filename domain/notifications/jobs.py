"""The notifications' jobs: ``notifications.send_email``, enqueued by ``queue_email``."""

from __future__ import annotations

from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry
from domain.notifications.ports import AttachmentResolver, EmailRenderer, Mailer
from domain.notifications.service import SEND_JOB, send_email

# 8 attempts with the runner's back-off (15 s doubling, half of it random) span 16 to 32 minutes
# of mail-server trouble before an e-mail is marked failed and its job dead (staff may retry it).
SEND_MAX_ATTEMPTS = 8


def build_jobs(
    mailer: Mailer,
    *,
    renderer: EmailRenderer | None = None,
    resolver: AttachmentResolver | None = None,
) -> JobRegistry:
    """The jobs, closed over the app's adapters. ``renderer`` is for jobs that queue notices
    themselves (the trial-ending, renewal and card-expiry scans); delivery never re-renders."""
    registry = JobRegistry()

    @registry.job(SEND_JOB, max_attempts=SEND_MAX_ATTEMPTS, timeout_s=120)
    async def send_email_job(ctx: JobContext, *, email_id: str) -> None:
        await send_email(
            email_id,
            uow=ctx.uow,
            mailer=mailer,
            clock=ctx.clock,
            resolver=resolver,
            final_attempt=ctx.attempt >= SEND_MAX_ATTEMPTS,
        )

    return registry

"""The notifications' jobs: ``notifications.send_email``, enqueued by ``queue_email``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry
from domain.notifications.ports import AttachmentResolver, Mailer, NotificationsUnit
from domain.notifications.service import SEND_JOB, send_email

# 8 attempts with the runner's back-off (15 s doubling, half of it random) span 16 to 32 minutes
# of mail-server trouble before an e-mail is marked failed and its job dead (staff may retry it).
SEND_MAX_ATTEMPTS = 8


def build_jobs(
    mailer: Mailer,
    *,
    resolver: AttachmentResolver | None = None,
    resolver_factory: Callable[[JobContext[Any]], AttachmentResolver] | None = None,
) -> JobRegistry:
    """The delivery job, closed over the mailer and the attachment resolver; delivery never
    re-renders (the notices' own jobs are in ``domain.notices.jobs``)."""
    registry = JobRegistry()

    @registry.job(SEND_JOB, max_attempts=SEND_MAX_ATTEMPTS, timeout_s=120)
    async def send_email_job(ctx: JobContext[NotificationsUnit], *, email_id: str) -> None:
        await send_email(
            email_id,
            uow=ctx.uow,
            mailer=mailer,
            clock=ctx.clock,
            resolver=resolver_factory(ctx) if resolver_factory is not None else resolver,
            final_attempt=ctx.attempt >= SEND_MAX_ATTEMPTS,
        )

    return registry

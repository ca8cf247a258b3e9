"""The notifications' jobs: ``notifications.send_email``, enqueued by ``queue_email``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.documents.invoice_document import DEMO_SELLER, Seller
from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry
from domain.notifications.later import NOTIFY_JOB
from domain.notifications.model import EmailKind
from domain.notifications.notices import notify, scan_notices
from domain.notifications.ports import AttachmentResolver, EmailRenderer, Mailer
from domain.notifications.service import SEND_JOB, send_email
from domain.subscriptions.config import BillingConfig

# 8 attempts with the runner's back-off (15 s doubling, half of it random) span 16 to 32 minutes
# of mail-server trouble before an e-mail is marked failed and its job dead (staff may retry it).
SEND_MAX_ATTEMPTS = 8


def build_jobs(
    mailer: Mailer,
    *,
    renderer: EmailRenderer | None = None,
    resolver: AttachmentResolver | None = None,
    resolver_factory: Callable[[JobContext], AttachmentResolver] | None = None,
    config: BillingConfig | None = None,
    public_url: str = "http://127.0.0.1:8000",
    seller: Seller = DEMO_SELLER,
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
            resolver=resolver_factory(ctx) if resolver_factory is not None else resolver,
            final_attempt=ctx.attempt >= SEND_MAX_ATTEMPTS,
        )

    def _renderer() -> EmailRenderer:
        if renderer is None:
            raise RuntimeError("no e-mail renderer is configured")
        return renderer

    @registry.job(NOTIFY_JOB, max_attempts=5, timeout_s=60)
    async def notify_job(
        ctx: JobContext,
        *,
        kind: str,
        customer_id: str,
        key: str,
        invoice_id: str | None = None,
        subscription_id: str | None = None,
        credit_note_id: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Build a notice from what it is about and queue it in the outbox (once per key)."""
        await notify(
            EmailKind(kind),
            customer_id=customer_id,
            key=key,
            invoice_id=invoice_id,
            subscription_id=subscription_id,
            credit_note_id=credit_note_id,
            extra=extra or {},
            uow=ctx.uow(),
            clock=ctx.clock,
            renderer=_renderer(),
            public_url=public_url.rstrip("/"),
            config=config or BillingConfig(),
            seller=seller,
        )

    @registry.job("notifications.scan_notices", max_attempts=3, timeout_s=600)
    async def scan_notices_job(ctx: JobContext) -> None:
        """Trial ending, upcoming annual renewal and card expiring notices due today."""
        await scan_notices(uow=ctx.uow, clock=ctx.clock)

    return registry

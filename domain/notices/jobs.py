"""The notices' jobs: ``notifications.notify`` (compose one notice and queue it in the outbox),
``notifications.notify_many`` (a batch's receipts in one job, ``batch.py``) and the daily
``notifications.scan_notices``. The job names keep their stored prefix."""

from __future__ import annotations

from typing import Any

from domain.billing.config import BillingConfig
from domain.documents.invoice_document import DEMO_SELLER, Seller
from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry
from domain.notices.batch import InvoiceNotice, notify_many
from domain.notices.compose import notify, scan_notices
from domain.notices.ports import NoticesUnit
from domain.notifications.later import NOTIFY_JOB, NOTIFY_MANY_JOB
from domain.notifications.model import EmailKind
from domain.notifications.ports import EmailRenderer


def build_jobs(
    *,
    renderer: EmailRenderer | None = None,
    config: BillingConfig | None = None,
    public_url: str = "http://127.0.0.1:8000",
    seller: Seller = DEMO_SELLER,
) -> JobRegistry:
    """The jobs, closed over the e-mail renderer (notices are rendered when queued), the
    billing settings and the seller on attached documents."""
    registry = JobRegistry()

    def _renderer() -> EmailRenderer:
        if renderer is None:
            raise RuntimeError("no e-mail renderer is configured")
        return renderer

    @registry.job(NOTIFY_JOB, max_attempts=5, timeout_s=60)
    async def notify_job(
        ctx: JobContext[NoticesUnit],
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

    # a batch of up to a few hundred receipts: composed and rendered in one transaction
    @registry.job(NOTIFY_MANY_JOB, max_attempts=5, timeout_s=300)
    async def notify_many_job(
        ctx: JobContext[NoticesUnit], *, kind: str, items: list[dict[str, Any]]
    ) -> None:
        """Build the notices of a list (each about an invoice) and queue them in the outbox,
        each once per its own key."""
        await notify_many(
            EmailKind(kind),
            [InvoiceNotice.of(item) for item in items],
            uow=ctx.uow(),
            clock=ctx.clock,
            renderer=_renderer(),
            public_url=public_url.rstrip("/"),
            seller=seller,
        )

    @registry.job("notifications.scan_notices", max_attempts=3, timeout_s=600)
    async def scan_notices_job(ctx: JobContext[NoticesUnit]) -> None:
        """Trial ending, upcoming annual renewal and card expiring notices due today."""
        await scan_notices(uow=ctx.uow, clock=ctx.clock)

    return registry

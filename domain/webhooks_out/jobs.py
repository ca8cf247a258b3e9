"""webhooks.dispatch (fan an event out: enqueued by the unit of work when a transaction that
emitted events an enabled endpoint wants commits), webhooks.deliver (one attempt; the retries
are new jobs at their due instant, so the runner's own retries only cover a crash) and
webhooks.prune (daily: events and their logs past the retention window, expired secrets)."""

from __future__ import annotations

import logging
from dataclasses import asdict

from domain.jobs.context import JobContext
from domain.jobs.registry import JobRegistry
from domain.webhooks_out.delivery import DELIVER_JOB, DISPATCH_JOB, Mailing, deliver, dispatch
from domain.webhooks_out.ports import WebhookSender, WebhooksUnit
from domain.webhooks_out.retention import PRUNE_JOB, prune

log = logging.getLogger(__name__)


def build_jobs(sender: WebhookSender, mailing: Mailing) -> JobRegistry:
    registry = JobRegistry()

    @registry.job(DISPATCH_JOB)
    async def dispatch_events(
        ctx: JobContext[WebhooksUnit], *, event_ids: list[str] | None = None
    ) -> None:
        await dispatch(uow=ctx.uow, clock=ctx.clock, event_ids=event_ids)

    @registry.job(DELIVER_JOB, max_attempts=3, timeout_s=30)
    async def deliver_event(
        ctx: JobContext[WebhooksUnit], *, delivery_id: str, replay: bool = False
    ) -> None:
        await deliver(delivery_id, uow=ctx.uow, clock=ctx.clock, sender=sender, mailing=mailing,
                      replay=replay)  # fmt: skip

    @registry.job(PRUNE_JOB, timeout_s=600)
    async def prune_webhooks(ctx: JobContext[WebhooksUnit]) -> None:
        pruned = await prune(uow=ctx.uow, clock=ctx.clock)
        log.info("webhooks pruned", extra=asdict(pruned))

    return registry

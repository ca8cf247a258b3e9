"""How long outbound events and their delivery logs are kept: ``RETENTION`` (30 days, as
Stripe keeps events). The ``webhooks.prune`` job (daily) deletes, in batches of one transaction
each, the events older than that whose fan-out is done and none of whose deliveries is still
pending (every delivery succeeded or failed for good), with their deliveries and attempts; an
event still being retried is kept whatever its age. It also forgets an endpoint's previous
secret once the rotation's overlap is over (it no longer signs; it should not stay stored)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from domain.shared.clock import Clock
from domain.webhooks_out.ports import WebhooksUnit

PRUNE_JOB = "webhooks.prune"
RETENTION = timedelta(days=30)
BATCH = 500


@dataclass(frozen=True, slots=True)
class Pruned:
    events: int
    deliveries: int
    attempts: int
    secrets_forgotten: int


async def prune(
    *, uow: Callable[[], WebhooksUnit], clock: Clock, retention: timedelta = RETENTION,
    batch: int = BATCH,
) -> Pruned:  # fmt: skip
    """Delete what is past ``retention`` a batch at a time (each batch its own short
    transaction, so renewals and deliveries are never held behind a long delete)."""
    now = clock.now()
    cutoff = now - retention
    events = deliveries = attempts = 0
    while True:
        async with uow() as unit:
            ids = await unit.outbound_events.finished_before(cutoff, limit=batch)
            if not ids:
                break
            attempts += await unit.webhook_attempts.delete_for_events(ids)
            deliveries += await unit.webhook_deliveries.delete_for_events(ids)
            events += await unit.outbound_events.delete(ids)
            await unit.commit()
        if len(ids) < batch:
            break
    forgotten = 0
    async with uow() as unit:
        for endpoint in await unit.webhook_endpoints.all():
            if endpoint.previous_secret is None:
                continue
            current = await unit.webhook_endpoints.get(endpoint.id, lock=True)
            if current is None:
                continue
            cleared = current.without_expired_secret(now)
            if cleared is not current:
                await unit.webhook_endpoints.save(cleared)
                forgotten += 1
        await unit.commit()
    return Pruned(events, deliveries, attempts, forgotten)

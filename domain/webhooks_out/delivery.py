"""Fan-out and delivery. ``dispatch`` turns each new outbound event into one delivery per
enabled endpoint that wants its type, each with its first ``webhooks.deliver`` job; ``deliver``
makes one signed attempt (no transaction is held during the request), logs it, and schedules
the next by ``RETRY_SCHEDULE`` or finishes the delivery. An endpoint whose attempts have all
failed for ``DISABLE_AFTER`` is disabled and its owners are e-mailed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.notifications.model import EmailKind
from domain.notifications.ports import EmailRenderer
from domain.notifications.service import queue_email_in
from domain.shared.clock import Clock
from domain.shared.ids import new_id
from domain.staff.model import Role
from domain.webhooks_out.model import (
    DISABLE_AFTER,
    MAX_ATTEMPTS,
    RETRY_SCHEDULE,
    TIMEOUT_S,
    Attempt,
    Delivery,
    DeliveryStatus,
    Endpoint,
    SendResult,
    delivery_id,
    excerpt,
)
from domain.webhooks_out.ports import WebhookSender, WebhooksUnit
from domain.webhooks_out.signing import headers

DISPATCH_JOB = "webhooks.dispatch"
DELIVER_JOB = "webhooks.deliver"
SYSTEM = Actor(None, "system")


@dataclass(frozen=True, slots=True)
class Mailing:
    """How the owners' notice is rendered and where its link points."""

    renderer: EmailRenderer
    public_url: str


def deliver_job_key(delivery: str, number: int, *, replay: int | None = None) -> str:
    if replay is not None:
        return f"webhook:{delivery}:replay:{replay}"
    return f"webhook:{delivery}:{number}"


async def dispatch(
    *, uow: Callable[[], WebhooksUnit], clock: Clock, event_ids: list[str] | None = None,
    limit: int = 500,
) -> int:  # fmt: skip
    """Fan out the events not dispatched yet (``event_ids``: only these); returns how many
    deliveries were created."""
    now = clock.now()
    created = 0
    async with uow() as unit:
        events = await unit.outbound_events.undispatched(event_ids, limit=limit)
        if not events:
            return 0
        endpoints = [e for e in await unit.webhook_endpoints.all() if e.enabled]
        for event in events:
            for endpoint in endpoints:
                if not endpoint.wants(event.type):
                    continue
                delivery = Delivery(
                    id=delivery_id(event.id, endpoint.id), event_id=event.id,
                    endpoint_id=endpoint.id, event_type=event.type.value,
                    status=DeliveryStatus.PENDING, attempts=0, created_at=now,
                    next_attempt_at=now,
                )  # fmt: skip
                if await unit.webhook_deliveries.add(delivery):
                    unit.jobs.enqueue(
                        DELIVER_JOB, unique_key=deliver_job_key(delivery.id, 1),
                        delivery_id=delivery.id,
                    )  # fmt: skip
                    created += 1
        await unit.outbound_events.mark_dispatched([e.id for e in events])
        await unit.commit()
    return created


async def deliver(
    delivery_id: str,
    *,
    uow: Callable[[], WebhooksUnit],
    clock: Clock,
    sender: WebhookSender,
    mailing: Mailing,
    replay: bool = False,
) -> Attempt | None:
    """One attempt of a pending delivery (None: nothing to do, it was finished meanwhile)."""
    async with uow() as reader:
        delivery = await reader.webhook_deliveries.get(delivery_id)
        if delivery is None or delivery.status is not DeliveryStatus.PENDING:
            return None
        endpoint = await reader.webhook_endpoints.get(delivery.endpoint_id)
        event = await reader.outbound_events.get(delivery.event_id)
    if endpoint is None or event is None or not endpoint.enabled:
        async with uow() as unit:
            current = await unit.webhook_deliveries.get(delivery_id, lock=True)
            if current is not None and current.status is DeliveryStatus.PENDING:
                await unit.webhook_deliveries.save(replace(
                    current, status=DeliveryStatus.FAILED, next_attempt_at=None,
                    last_error="The endpoint is disabled or gone.", finished_at=clock.now(),
                ))  # fmt: skip
                await unit.commit()
        return None
    started = clock.now()
    body = event.body()
    sent_headers = headers(endpoint.signing_secrets(started), event.id, int(started.timestamp()),
                           body)  # fmt: skip
    result = await sender.post(
        endpoint.url, body=body.encode(), headers=sent_headers, timeout_s=TIMEOUT_S
    )
    return await _record(delivery_id, result, uow=uow, clock=clock, mailing=mailing,
                         replay=replay, started=started)  # fmt: skip


async def _record(
    delivery_id: str, result: SendResult, *, uow: Callable[[], WebhooksUnit], clock: Clock,
    mailing: Mailing, replay: bool, started: datetime,
) -> Attempt | None:  # fmt: skip
    now = clock.now()
    async with uow() as unit:
        delivery = await unit.webhook_deliveries.get(delivery_id, lock=True)
        if delivery is None or delivery.status is not DeliveryStatus.PENDING:
            return None  # another run recorded this attempt
        endpoint = await unit.webhook_endpoints.get(delivery.endpoint_id, lock=True)
        assert endpoint is not None
        number = delivery.attempts + 1
        attempt = Attempt(
            id=new_id(), delivery_id=delivery.id, endpoint_id=delivery.endpoint_id,
            event_id=delivery.event_id, number=number, at=started,
            status_code=result.status_code, latency_ms=result.latency_ms,
            response_excerpt=excerpt(result.body_excerpt),
            error=(result.error or _status_error(result))[:500] or None,
            succeeded=result.ok, replay=replay,
        )  # fmt: skip
        await unit.webhook_attempts.add(attempt)
        moved = replace(delivery, attempts=number, last_status_code=result.status_code,
                        last_error=attempt.error)  # fmt: skip
        if result.ok:
            moved = replace(moved, status=DeliveryStatus.SUCCEEDED, next_attempt_at=None,
                            finished_at=now)  # fmt: skip
            if endpoint.failing_since is not None:
                await unit.webhook_endpoints.save(replace(endpoint, failing_since=None))
        else:
            if not replay and number < MAX_ATTEMPTS:
                due = now + RETRY_SCHEDULE[number - 1]
                moved = replace(moved, next_attempt_at=due)
                unit.jobs.enqueue(
                    DELIVER_JOB, unique_key=deliver_job_key(delivery.id, number + 1),
                    run_at=due, delivery_id=delivery.id,
                )  # fmt: skip
            else:
                moved = replace(moved, status=DeliveryStatus.FAILED, next_attempt_at=None,
                                finished_at=now)  # fmt: skip
            await _failing(unit, endpoint, now, clock=clock, mailing=mailing)
        await unit.webhook_deliveries.save(moved)
        await unit.commit()
    return attempt


def _status_error(result: SendResult) -> str:
    if result.status_code is None or result.ok:
        return ""
    return f"HTTP {result.status_code}"


async def _failing(
    unit: WebhooksUnit, endpoint: Endpoint, now: datetime, *, clock: Clock, mailing: Mailing
) -> None:
    """Note a failed attempt on the endpoint; disable it when every attempt has failed for
    ``DISABLE_AFTER`` (a delivery's last attempt comes later than that, so an endpoint that
    never recovered is disabled by then at the latest)."""
    since = endpoint.failing_since or now
    if not endpoint.enabled:
        return
    if now - since < DISABLE_AFTER:
        if endpoint.failing_since is None:
            await unit.webhook_endpoints.save(replace(endpoint, failing_since=since))
        return
    reason = f"Every delivery failed since {since.isoformat()}; disabled automatically."
    disabled = replace(endpoint, enabled=False, disabled_reason=reason, failing_since=since,
                       updated_at=now)  # fmt: skip
    await unit.webhook_endpoints.save(disabled)
    await record(unit, new_entry(
        at=now, actor=SYSTEM, action="webhook_endpoint.auto_disabled",
        object_type="webhook_endpoint", object_id=endpoint.id, reason=reason,
        before={"enabled": True}, after={"enabled": False, "url": endpoint.url},
    ))  # fmt: skip
    owners = [m for m in await unit.staff.all() if m.role is Role.OWNER and m.disabled_at is None]
    for owner in owners:
        await queue_email_in(
            unit, EmailKind.WEBHOOK_ENDPOINT_DISABLED, to=owner.email,
            context={
                "endpoint_url": endpoint.url, "failing_since": since, "disabled_at": now,
                "endpoint_admin_url": f"{mailing.public_url}/admin/webhook-endpoints/{endpoint.id}",
                "display_preferences": owner.display,  # the owner's language, else the site's
            },
            dedupe_key=f"webhook_disabled:{endpoint.id}:{now.isoformat()}:{owner.id}",
            clock=clock, renderer=mailing.renderer,
        )  # fmt: skip

"""The admin's outbound webhook endpoints (/admin/webhook-endpoints): every role with
``operations.read`` reads them (the secret is shown only to ``webhooks.manage``: billing and
owners); ``webhooks.manage`` adds and changes endpoints, rotates secrets, enables, disables and
replays deliveries. Every change is audited in its own transaction; secrets never enter the
audit log."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.outbound.events import EventType, OutboundEvent
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, NotFound, ValidationFailed
from domain.shared.ids import new_id
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can, require
from domain.webhooks_out.delivery import DELIVER_JOB, deliver_job_key
from domain.webhooks_out.model import Attempt, Delivery, DeliveryStatus, Endpoint
from domain.webhooks_out.ports import WebhooksUnit
from domain.webhooks_out.signing import new_secret
from domain.webhooks_out.urls import check_url

MAX_DESCRIPTION = 200
BAD_ENDPOINT = "webhooks.bad_endpoint"
NOT_FOUND = "webhooks.not_found"
REPLAY_REFUSED = "webhooks.replay_refused"


@dataclass(frozen=True, slots=True)
class EndpointInput:
    """An endpoint as typed in the form: the URL, a description, the event types ticked (none
    ticked, or ``all_events``: every type)."""

    url: str
    description: str
    event_types: tuple[str, ...]
    all_events: bool


@dataclass(frozen=True, slots=True)
class EndpointRow:
    endpoint: Endpoint
    counts: dict[str, int]  # deliveries per status


@dataclass(frozen=True, slots=True)
class EndpointsView:
    rows: list[EndpointRow]
    event_types: list[EventType]


@dataclass(frozen=True, slots=True)
class EndpointView:
    endpoint: Endpoint
    show_secret: bool
    deliveries: list[Delivery]
    attempts: list[Attempt]  # the latest attempts, newest first
    event_types: list[EventType]
    previous_signs_until: datetime | None = None  # after a rotation: the old secret signs too


@dataclass(frozen=True, slots=True)
class DeliveryView:
    delivery: Delivery
    endpoint: Endpoint
    event: OutboundEvent | None
    attempts: list[Attempt]
    others: list[Delivery]  # the same event's deliveries to other endpoints

    @property
    def can_replay(self) -> bool:
        return self.endpoint.enabled and self.delivery.status is not DeliveryStatus.PENDING


def _actor(staff: SignedInStaff) -> Actor:
    return Actor(staff.staff_id, staff.email)


def check_endpoint(typed: EndpointInput, *, allow_local: bool) -> tuple[str, str, tuple[str, ...]]:
    """The checked URL, description and event types, or every problem at once."""
    errors: dict[str, str] = {}
    url, problem = check_url(typed.url, allow_local=allow_local)
    if problem:
        errors["url"] = problem
    description = typed.description.strip()
    if len(description) > MAX_DESCRIPTION or any(ord(c) < 32 for c in description):
        errors["description"] = f"Use at most {MAX_DESCRIPTION} characters on one line."
    known = {t.value for t in EventType}
    types = tuple(sorted(set(typed.event_types)))
    if any(t not in known for t in types):
        errors["event_types"] = "Choose event types from the list."
    if not typed.all_events and not types:
        errors["event_types"] = "Choose the events to send, or all events."
    if errors:
        raise ValidationFailed(errors, code=BAD_ENDPOINT)
    return url, description, () if typed.all_events else types


async def endpoints_page(actor: SignedInStaff, *, uow: WebhooksUnit) -> EndpointsView:
    require(actor, Permission.OPERATIONS_READ)
    async with uow:
        endpoints = await uow.webhook_endpoints.all()
        counts = await uow.webhook_deliveries.counts()
    rows = [EndpointRow(e, counts.get(e.id, {})) for e in endpoints]
    return EndpointsView(rows, list(EventType))


async def _endpoint(uow: WebhooksUnit, endpoint_id: str, *, lock: bool = False) -> Endpoint:
    endpoint = await uow.webhook_endpoints.get(endpoint_id, lock=lock)
    if endpoint is None:
        raise NotFound("No such webhook endpoint.", code=NOT_FOUND)
    return endpoint


async def endpoint_page(
    actor: SignedInStaff, endpoint_id: str, *, uow: WebhooksUnit, clock: Clock, limit: int = 50
) -> EndpointView:
    require(actor, Permission.OPERATIONS_READ)
    async with uow:
        endpoint = await _endpoint(uow, endpoint_id)
        deliveries = await uow.webhook_deliveries.for_endpoint(endpoint_id, limit=limit)
        attempts = await uow.webhook_attempts.for_endpoint(endpoint_id, limit=limit)
    overlap = (
        endpoint.previous_secret_expires_at if endpoint.previous_signs_at(clock.now()) else None
    )
    return EndpointView(endpoint, can(actor.role, Permission.WEBHOOKS_MANAGE), deliveries,
                        attempts, list(EventType), overlap)  # fmt: skip


async def delivery_page(
    actor: SignedInStaff, delivery_id: str, *, uow: WebhooksUnit
) -> DeliveryView:
    require(actor, Permission.OPERATIONS_READ)
    async with uow:
        delivery = await uow.webhook_deliveries.get(delivery_id)
        if delivery is None:
            raise NotFound("No such delivery.", code=NOT_FOUND)
        endpoint = await _endpoint(uow, delivery.endpoint_id)
        event = await uow.outbound_events.get(delivery.event_id)
        attempts = await uow.webhook_attempts.for_delivery(delivery_id)
        others = [d for d in await uow.webhook_deliveries.for_event(delivery.event_id)
                  if d.id != delivery.id]  # fmt: skip
    return DeliveryView(delivery, endpoint, event, attempts, others)


def _audited(endpoint: Endpoint) -> dict[str, object]:
    return {"url": endpoint.url, "description": endpoint.description,
            "event_types": list(endpoint.event_types) or "all", "enabled": endpoint.enabled}  # fmt: skip


async def create_endpoint(
    actor: SignedInStaff, typed: EndpointInput, *, uow: WebhooksUnit, clock: Clock,
    allow_local: bool,
) -> Endpoint:  # fmt: skip
    require(actor, Permission.WEBHOOKS_MANAGE)
    url, description, types = check_endpoint(typed, allow_local=allow_local)
    now = clock.now()
    endpoint = Endpoint(
        id="we_" + new_id().replace("-", ""), url=url, description=description,
        event_types=types, secret=new_secret(), enabled=True, created_at=now, updated_at=now,
    )  # fmt: skip
    async with uow:
        await uow.webhook_endpoints.add(endpoint)
        await record(uow, new_entry(
            at=now, actor=_actor(actor), action="webhook_endpoint.created",
            object_type="webhook_endpoint", object_id=endpoint.id, after=_audited(endpoint),
        ))  # fmt: skip
        await uow.commit()
    return endpoint


async def update_endpoint(
    actor: SignedInStaff, endpoint_id: str, typed: EndpointInput, *, uow: WebhooksUnit,
    clock: Clock, allow_local: bool,
) -> Endpoint:  # fmt: skip
    require(actor, Permission.WEBHOOKS_MANAGE)
    url, description, types = check_endpoint(typed, allow_local=allow_local)
    now = clock.now()
    async with uow:
        before = await _endpoint(uow, endpoint_id, lock=True)
        after = replace(before, url=url, description=description, event_types=types,
                        updated_at=now)  # fmt: skip
        await uow.webhook_endpoints.save(after)
        await record(uow, new_entry(
            at=now, actor=_actor(actor), action="webhook_endpoint.updated",
            object_type="webhook_endpoint", object_id=endpoint_id, before=_audited(before),
            after=_audited(after),
        ))  # fmt: skip
        await uow.commit()
    return after


async def set_enabled(
    actor: SignedInStaff, endpoint_id: str, enabled: bool, *, uow: WebhooksUnit, clock: Clock
) -> Endpoint:
    """Enable (its failure streak forgotten) or disable an endpoint; new events reach only
    enabled endpoints, and a disabled endpoint's pending deliveries stop."""
    require(actor, Permission.WEBHOOKS_MANAGE)
    now = clock.now()
    async with uow:
        before = await _endpoint(uow, endpoint_id, lock=True)
        after = replace(before, enabled=enabled, updated_at=now, failing_since=None,
                        disabled_reason=None if enabled else f"Disabled by {actor.email}.")  # fmt: skip
        await uow.webhook_endpoints.save(after)
        await record(uow, new_entry(
            at=now, actor=_actor(actor),
            action="webhook_endpoint.enabled" if enabled else "webhook_endpoint.disabled",
            object_type="webhook_endpoint", object_id=endpoint_id,
            before={"enabled": before.enabled}, after={"enabled": enabled},
        ))  # fmt: skip
        await uow.commit()
    return after


async def rotate_secret(
    actor: SignedInStaff, endpoint_id: str, *, uow: WebhooksUnit, clock: Clock
) -> Endpoint:
    """A new signing secret, used from the next attempt on; the old one signs every attempt
    too for ``ROTATION_OVERLAP`` (24 hours), so the receiver can switch to the new secret in
    that time without refusing a delivery. Audited with the overlap's end (never a secret)."""
    require(actor, Permission.WEBHOOKS_MANAGE)
    now = clock.now()
    async with uow:
        before = await _endpoint(uow, endpoint_id, lock=True)
        after = before.rotated(new_secret(), now)
        await uow.webhook_endpoints.save(after)
        expires = after.previous_secret_expires_at
        await record(uow, new_entry(
            at=now, actor=_actor(actor), action="webhook_endpoint.secret_rotated",
            object_type="webhook_endpoint", object_id=endpoint_id,
            before={"previous_secret_until": before.previous_secret_expires_at.isoformat()
                    if before.previous_signs_at(now) and before.previous_secret_expires_at
                    else None},
            after={"previous_secret_until": expires.isoformat() if expires else None},
        ))  # fmt: skip
        await uow.commit()
    return after


async def replay_delivery(
    actor: SignedInStaff, delivery_id: str, *, uow: WebhooksUnit, clock: Clock
) -> Delivery:
    """Send a finished delivery (succeeded or failed) once more, now, signed with the
    endpoint's current secret; the attempt is logged like the others, with no retries."""
    require(actor, Permission.WEBHOOKS_MANAGE)
    now = clock.now()
    async with uow:
        delivery = await uow.webhook_deliveries.get(delivery_id, lock=True)
        if delivery is None:
            raise NotFound("No such delivery.", code=NOT_FOUND)
        endpoint = await _endpoint(uow, delivery.endpoint_id)
        if not endpoint.enabled:
            raise Conflict("Enable the endpoint before replaying its deliveries.",
                           code=REPLAY_REFUSED)  # fmt: skip
        if delivery.status is DeliveryStatus.PENDING:
            raise Conflict("This delivery is still being attempted.", code=REPLAY_REFUSED)
        moved = replace(delivery, status=DeliveryStatus.PENDING, next_attempt_at=now,
                        finished_at=None)  # fmt: skip
        await uow.webhook_deliveries.save(moved)
        uow.jobs.enqueue(
            DELIVER_JOB, unique_key=deliver_job_key(delivery.id, 0, replay=delivery.attempts),
            delivery_id=delivery.id, replay=True,
        )  # fmt: skip
        await record(uow, new_entry(
            at=now, actor=_actor(actor), action="webhook_delivery.replayed",
            object_type="webhook_delivery", object_id=delivery.id,
            before={"status": delivery.status.value, "attempts": delivery.attempts},
            after={"event_id": delivery.event_id, "endpoint_id": delivery.endpoint_id},
        ))  # fmt: skip
        await uow.commit()
    return moved

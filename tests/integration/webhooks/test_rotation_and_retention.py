"""Secret rotation with overlap and the retention of events, on the real database (SQLite and
PostgreSQL) with a real receiver on 127.0.0.1: after a rotation every delivery carries two
signatures for 24 hours, and the ``standardwebhooks`` package verifies it with either secret;
then only the new one signs and the old secret is forgotten. ``webhooks.prune`` deletes events
past 30 days with their deliveries and attempts, in batches, and keeps an event still being
retried and everything younger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from domain.adapters.db.tables_staff import AuditEntryTable
from domain.adapters.db.tables_webhooks import (
    OutboundEventTable,
    WebhookAttemptTable,
    WebhookDeliveryTable,
    WebhookEndpointTable,
)
from domain.jobs.schedule import SCHEDULE
from domain.shared.clock import FrozenClock
from domain.webhooks_out.admin import endpoint_page, rotate_secret
from domain.webhooks_out.model import ROTATION_OVERLAP, DeliveryStatus
from domain.webhooks_out.retention import PRUNE_JOB, RETENTION, prune
from tests.integration.webhooks.test_delivery import BILLING, World, _signed_by
from tests.support.database import TestDatabase
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.integration


@pytest.fixture
def now_clock() -> FrozenClock:
    """Near real time: ``Webhook.verify`` refuses timestamps more than five minutes away."""
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    server = await WebhookReceiver().start()
    yield server
    await server.stop()


async def _secret(world: World, endpoint_id: str) -> str:
    async with world.uow() as uow:
        endpoint = await uow.webhook_endpoints.get(endpoint_id)
    assert endpoint is not None
    return endpoint.secret


def _signatures(request: object) -> list[str]:
    return request.headers["webhook-signature"].split(" ")  # type: ignore[attr-defined]


async def test_both_secrets_sign_for_24_hours_after_a_rotation_then_only_the_new(
    db: TestDatabase, now_clock: FrozenClock, receiver: WebhookReceiver
) -> None:
    world = World(db, now_clock)
    endpoint_id = await world.endpoint(receiver.url)
    old = await _secret(world, endpoint_id)
    await world.customer("a@example.com")
    await world.drain()
    assert len(_signatures(receiver.requests[0])) == 1  # no rotation yet: one signature
    rotated = await rotate_secret(BILLING, endpoint_id, uow=world.uow(), clock=now_clock)
    new = rotated.secret
    assert new != old and rotated.previous_secret_expires_at == now_clock.now() + ROTATION_OVERLAP
    view = await endpoint_page(BILLING, endpoint_id, uow=world.uow(), clock=now_clock)
    assert view.previous_signs_until == now_clock.now() + ROTATION_OVERLAP
    await world.customer("b@example.com")
    await world.drain()
    during = receiver.requests[1]
    assert len(_signatures(during)) == 2
    for secret in (new, old):  # a receiver with either secret verifies the delivery
        assert (
            Webhook(secret).verify(during.body, during.headers)["data"]["email"] == "b@example.com"
        )
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(during.body, during.headers)
    # just before the overlap ends both still sign; at its end only the new one
    now_clock.advance(seconds=int(ROTATION_OVERLAP.total_seconds()) - 1)
    await world.customer("c@example.com")
    await world.drain()
    assert _signed_by(old, receiver.requests[2]) and _signed_by(new, receiver.requests[2])
    now_clock.advance(seconds=1)
    assert (await endpoint_page(BILLING, endpoint_id, uow=world.uow(),
                                clock=now_clock)).previous_signs_until is None  # fmt: skip
    await world.customer("d@example.com")
    await world.drain()
    after = receiver.requests[3]
    assert len(_signatures(after)) == 1
    assert _signed_by(new, after) and not _signed_by(old, after)
    # the prune job forgets the expired secret; the audit has the overlap's end, no secret
    assert (await prune(uow=world.uow, clock=now_clock)).secrets_forgotten == 1
    row = await WebhookEndpointTable.select().where(WebhookEndpointTable.id == endpoint_id).first()
    assert row["previous_secret"] is None and row["previous_secret_expires_at"] is None
    audit = await AuditEntryTable.select().where(
        AuditEntryTable.action == "webhook_endpoint.secret_rotated")  # fmt: skip
    assert len(audit) == 1 and "whsec_" not in str(audit[0])


async def test_a_second_rotation_within_the_overlap_keeps_two_secrets_at_most(
    db: TestDatabase, now_clock: FrozenClock, receiver: WebhookReceiver
) -> None:
    world = World(db, now_clock)
    endpoint_id = await world.endpoint(receiver.url)
    first = await _secret(world, endpoint_id)
    second = (await rotate_secret(BILLING, endpoint_id, uow=world.uow(), clock=now_clock)).secret
    now_clock.advance(seconds=3600)
    third = (await rotate_secret(BILLING, endpoint_id, uow=world.uow(), clock=now_clock)).secret
    await world.customer()
    await world.drain()
    [request] = receiver.requests
    assert len(_signatures(request)) == 2
    assert _signed_by(third, request) and _signed_by(second, request)
    assert not _signed_by(first, request)


async def test_prune_deletes_finished_events_past_retention_in_batches(
    db: TestDatabase, now_clock: FrozenClock, receiver: WebhookReceiver
) -> None:
    assert any(entry.job == PRUNE_JOB for entry in SCHEDULE)
    world = World(db, now_clock)
    assert PRUNE_JOB in world.registry
    await world.endpoint(receiver.url)
    for n in range(5):
        await world.customer(f"old{n}@example.com")
    await world.drain()  # five events, five deliveries, five attempts: all succeeded
    receiver.status = 500
    await world.customer("retrying@example.com")
    await world.drain()  # its delivery failed once and waits for a retry: pending
    now_clock.advance(days=RETENTION.days, seconds=1)
    await world.customer("young@example.com")  # delivered later; younger than the window
    receiver.status = 200
    pending = await WebhookDeliveryTable.count().where(
        WebhookDeliveryTable.status == DeliveryStatus.PENDING.value)  # fmt: skip
    assert pending >= 1
    assert await OutboundEventTable.count() == 7
    pruned = await prune(uow=world.uow, clock=now_clock, batch=2)  # three batches of old events
    assert (pruned.events, pruned.deliveries, pruned.attempts) == (5, 5, 5)
    left = sorted(str(r["data"]) for r in await OutboundEventTable.select())
    assert len(left) == 2 and "retrying@" in left[0] + left[1] and "young@" in left[0] + left[1]
    assert await WebhookDeliveryTable.count() == 1  # the retrying one (young's is not made yet)
    assert await WebhookAttemptTable.count() == 1
    assert (await prune(uow=world.uow, clock=now_clock)).events == 0  # nothing more to do
    # once its delivery is finished (the retry succeeds) the old event goes too
    await world.drain()
    now_clock.advance(days=4)
    await world.drain()
    async with world.uow() as uow:  # this time through the scheduled job itself
        uow.jobs.enqueue(PRUNE_JOB)
        await uow.commit()
    assert await world.drain() == 1
    assert [("young@" in str(r["data"])) for r in await OutboundEventTable.select()] == [True]


def test_retention_is_thirty_days() -> None:
    assert timedelta(days=30) == RETENTION
    assert datetime(2026, 1, 31, tzinfo=UTC) - RETENTION == datetime(2026, 1, 1, tzinfo=UTC)

"""Outbound webhooks end to end on the real database (SQLite and PostgreSQL) and a real HTTP
receiver on 127.0.0.1: an event emitted by a use case reaches the endpoint once, signed so that
the ``standardwebhooks`` package verifies it; a 500 is retried on the schedule (a frozen clock
advancing), each attempt logged; staff replay a delivery; an endpoint failing for three days is
disabled and the owners are e-mailed; a rolled-back use case emits nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from domain.adapters.db.tables import JobTable
from domain.adapters.db.tables_webhooks import OutboundEventTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.webhooks_http import HttpxWebhookSender
from domain.customers.service import create_customer, create_customer_in
from domain.notifications.model import EmailKind
from domain.shared.clock import FrozenClock
from domain.shared.display import DisplayPreferences
from domain.staff.display_preferences import set_staff_display
from domain.staff.model import Role, SignedInStaff
from domain.webhooks_out.admin import (
    EndpointInput,
    create_endpoint,
    delivery_page,
    endpoint_page,
    replay_delivery,
    set_enabled,
)
from domain.webhooks_out.model import RETRY_SCHEDULE, DeliveryStatus
from tests.support.builders import make_runner
from tests.support.database import TestDatabase
from tests.support.staff import make_staff
from tests.support.webhook_receiver import WebhookReceiver
from web.jobs import build_registry

pytestmark = pytest.mark.integration

BILLING = SignedInStaff("staff-bill", "bill@example.com", "Bill Billing", Role.BILLING, "s")


@pytest.fixture
def now_clock() -> FrozenClock:
    """Near real time: ``Webhook.verify`` refuses timestamps more than five minutes away."""
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    server = await WebhookReceiver().start()
    yield server
    await server.stop()


class World:
    def __init__(self, db: TestDatabase, clock: FrozenClock) -> None:
        self.clock = clock
        self.registry = build_registry(webhook_sender=HttpxWebhookSender(allow_local=True))
        self.runner = make_runner(db.engine, self.registry, clock)
        self.engine = db.engine

    def uow(self) -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(self.engine, clock=self.clock, registry=self.registry)

    async def drain(self) -> int:
        return await self.runner.drain(include_schedule=False)

    async def endpoint(self, url: str, *types: str) -> str:
        made = await create_endpoint(BILLING, EndpointInput(url, "CRM", types, not types),
                                     uow=self.uow(), clock=self.clock, allow_local=True)  # fmt: skip
        return made.id

    async def customer(self, email: str = "ada@example.com") -> str:
        made = await create_customer(email=email, name="Ada", currency="EUR", country="DE",
                                     uow=self.uow(), clock=self.clock)  # fmt: skip
        return made.id


def _verified(secret: str, request: object) -> dict[str, object]:
    payload = Webhook(secret).verify(request.body, request.headers)  # type: ignore[attr-defined]
    assert isinstance(payload, dict)
    return payload


def _signed_by(secret: str, request: object) -> bool:
    """The signature as the package computes it (its verify also checks the timestamp is within
    five minutes of the real clock, which a test clock three days ahead is not)."""
    headers = request.headers  # type: ignore[attr-defined]
    at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
    expected = Webhook(secret).sign(headers["webhook-id"], at, request.body.decode())  # type: ignore[attr-defined]
    return expected in headers["webhook-signature"].split(" ")


async def test_an_event_reaches_the_endpoint_once_signed(
    db: TestDatabase, now_clock: FrozenClock, receiver: WebhookReceiver
) -> None:
    world = World(db, now_clock)
    endpoint_id = await world.endpoint(receiver.url)
    other = await world.endpoint(receiver.url, "invoice.paid")  # does not want customers
    customer_id = await world.customer()
    await world.drain()
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    async with world.uow() as uow:
        endpoint = await uow.webhook_endpoints.get(endpoint_id)
    assert endpoint is not None and endpoint.secret.startswith("whsec_")
    payload = _verified(endpoint.secret, request)
    assert payload["type"] == "customer.created"
    data = payload["data"]
    assert isinstance(data, dict)
    assert data["id"] == customer_id and data["email"] == "ada@example.com"
    assert data["balance"] == {"amount_minor": 0, "currency": "EUR"}
    assert request.headers["webhook-id"].startswith("evt_")
    assert request.method == "POST" and request.path == "/hooks/tessera"
    view = await endpoint_page(BILLING, endpoint_id, uow=world.uow(), clock=world.clock)
    [delivery] = view.deliveries
    assert delivery.status is DeliveryStatus.SUCCEEDED and delivery.attempts == 1
    [attempt] = view.attempts
    assert attempt.status_code == 200 and attempt.response_excerpt == '{"ok":true}'
    assert attempt.latency_ms >= 0 and attempt.succeeded
    assert (
        await endpoint_page(BILLING, other, uow=world.uow(), clock=world.clock)
    ).deliveries == []
    # running the jobs again sends nothing more
    assert await world.drain() == 0
    assert len(receiver.requests) == 1


async def test_a_500_is_retried_on_the_schedule_and_each_attempt_is_logged(
    db: TestDatabase, now_clock: FrozenClock, receiver: WebhookReceiver
) -> None:
    world = World(db, now_clock)
    endpoint_id = await world.endpoint(receiver.url)
    receiver.status, receiver.answer = 500, b"boom " * 400  # 2 KB: the log keeps 1 KB
    await world.customer()
    await world.drain()
    assert len(receiver.requests) == 1
    now_clock.advance(seconds=4)
    await world.drain()
    assert len(receiver.requests) == 1, "the retry waits its 5 s"
    now_clock.advance(seconds=1)
    await world.drain()
    assert len(receiver.requests) == 2
    now_clock.advance(seconds=RETRY_SCHEDULE[1].total_seconds())  # 5 minutes
    receiver.status, receiver.answer = 204, b""
    await world.drain()
    assert len(receiver.requests) == 3
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert len(ids) == 1, "every attempt of one event has the same webhook-id"
    async with world.uow() as uow:
        secret = (await uow.webhook_endpoints.get(endpoint_id)).secret  # type: ignore[union-attr]
    assert all(_signed_by(secret, r) for r in receiver.requests)
    view = await endpoint_page(BILLING, endpoint_id, uow=world.uow(), clock=world.clock)
    assert view.endpoint.failing_since is None, "a success ends the failure streak"
    [delivery] = view.deliveries
    assert delivery.status is DeliveryStatus.SUCCEEDED and delivery.attempts == 3
    page = await delivery_page(BILLING, delivery.id, uow=world.uow())
    assert [(a.number, a.status_code, a.succeeded) for a in page.attempts] == [
        (1, 500, False), (2, 500, False), (3, 204, True),
    ]  # fmt: skip
    assert len(page.attempts[0].response_excerpt.encode()) == 1024
    assert page.attempts[0].error == "HTTP 500"
    assert page.attempts[1].at - page.attempts[0].at == timedelta(seconds=5)


async def test_staff_replay_a_delivery_with_the_same_id(
    db: TestDatabase, now_clock: FrozenClock, receiver: WebhookReceiver
) -> None:
    world = World(db, now_clock)
    endpoint_id = await world.endpoint(receiver.url)
    await world.customer()
    await world.drain()
    [delivery] = (
        await endpoint_page(BILLING, endpoint_id, uow=world.uow(), clock=world.clock)
    ).deliveries
    await replay_delivery(BILLING, delivery.id, uow=world.uow(), clock=now_clock)
    await world.drain()
    assert len(receiver.requests) == 2
    first, again = receiver.requests
    assert first.headers["webhook-id"] == again.headers["webhook-id"]
    assert first.body == again.body
    page = await delivery_page(BILLING, delivery.id, uow=world.uow())
    assert [(a.number, a.replay) for a in page.attempts] == [(1, False), (2, True)]
    assert page.delivery.status is DeliveryStatus.SUCCEEDED


async def test_an_endpoint_failing_for_three_days_is_disabled_and_the_owners_e_mailed(
    db: TestDatabase, now_clock: FrozenClock, receiver: WebhookReceiver
) -> None:
    world = World(db, now_clock)
    owner = await make_staff(world.uow, now_clock, email="olive@example.com", role="owner")
    # a second owner reads Persian: her e-mail follows her own saved display
    parisa = await make_staff(world.uow, now_clock, email="parisa@example.com", role="owner")
    await set_staff_display(
        SignedInStaff(parisa.id, parisa.email, parisa.name, parisa.role, "s"),
        DisplayPreferences("fa"), uow=world.uow(), clock=now_clock,
    )  # fmt: skip
    endpoint_id = await world.endpoint(receiver.url)
    receiver.status = 500
    await world.customer()
    await world.drain()
    for wait in RETRY_SCHEDULE:
        now_clock.advance(seconds=wait.total_seconds())
        await world.drain()
        async with world.uow() as uow:
            endpoint = await uow.webhook_endpoints.get(endpoint_id)
        assert endpoint is not None
        if not endpoint.enabled:
            break
    assert not endpoint.enabled
    assert endpoint.failing_since is not None
    assert now_clock.now() - endpoint.failing_since >= timedelta(days=3)
    assert endpoint.disabled_reason and "disabled automatically" in endpoint.disabled_reason
    async with world.uow() as uow:
        emails = [
            e
            for e in [
                await uow.emails.get_by_dedupe_key(
                    f"webhook_disabled:{endpoint_id}:{now_clock.now().isoformat()}:{member.id}"
                )
                for member in (owner, parisa)
            ]
            if e
        ]
    assert [e.kind for e in emails] == [EmailKind.WEBHOOK_ENDPOINT_DISABLED] * 2
    assert [e.to for e in emails] == ["olive@example.com", "parisa@example.com"]
    assert emails[0].subject == "A webhook endpoint was disabled after failing for three days"
    assert emails[1].subject == "یک نقطهٔ پایانی وب‌هوک پس از سه روز خطا غیرفعال شد"
    assert 'dir="rtl"' in emails[1].html_body and 'dir="ltr"' in emails[0].html_body
    sent = len(receiver.requests)
    # a disabled endpoint gets no new events, and its delivery is finished as failed
    await world.customer("bob@example.com")
    now_clock.advance(days=1)
    await world.drain()
    assert len(receiver.requests) == sent
    view = await endpoint_page(BILLING, endpoint_id, uow=world.uow(), clock=world.clock)
    assert [d.status for d in view.deliveries] == [DeliveryStatus.FAILED]


async def test_a_rolled_back_use_case_emits_nothing(db: TestDatabase, clock: FrozenClock) -> None:
    world = World(db, clock)

    async def fails_after_emitting() -> None:
        uow = world.uow()
        async with uow:
            await create_customer_in(uow, email="ada@example.com", name="Ada", currency="EUR",
                                     country="DE", now=clock.now())  # fmt: skip
            raise RuntimeError("the use case fails after emitting")

    with pytest.raises(RuntimeError):
        await fails_after_emitting()
    assert await OutboundEventTable.count() == 0
    assert await JobTable.count().where(JobTable.name == "webhooks.dispatch") == 0
    await world.customer()
    rows = await OutboundEventTable.select()
    assert [r["type"] for r in rows] == ["customer.created"]
    assert json.loads(rows[0]["data"])["email"] == "ada@example.com"


async def _dispatch_jobs() -> int:
    return await JobTable.count().where(JobTable.name == "webhooks.dispatch")


async def test_an_event_no_enabled_endpoint_wants_queues_no_dispatch(
    db: TestDatabase, now_clock: FrozenClock, receiver: WebhookReceiver
) -> None:
    """The hot path (a renewal emitting events with no endpoint configured) costs no job: the
    event is stored, already dispatched; an endpoint that wants it makes the next one queue
    its fan-out and be delivered."""
    world = World(db, now_clock)
    await world.customer("a@example.com")  # no endpoint at all
    assert await _dispatch_jobs() == 0
    [row] = await OutboundEventTable.select()
    assert row["type"] == "customer.created" and row["dispatched"] is True
    await world.endpoint(receiver.url, "invoice.paid")  # wants other events
    everything = await world.endpoint(receiver.url)
    await set_enabled(BILLING, everything, False, uow=world.uow(), clock=now_clock)  # disabled
    await world.customer("b@example.com")
    assert await _dispatch_jobs() == 0
    assert await world.drain() == 0 and receiver.requests == []
    await set_enabled(BILLING, everything, True, uow=world.uow(), clock=now_clock)
    await world.customer("c@example.com")
    assert await _dispatch_jobs() == 1
    await world.drain()
    [request] = receiver.requests
    async with world.uow() as uow:
        endpoint = await uow.webhook_endpoints.get(everything)
    assert endpoint is not None
    payload = _verified(endpoint.secret, request)
    assert payload["data"]["email"] == "c@example.com"  # type: ignore[index]
    undispatched = await OutboundEventTable.count().where(OutboundEventTable.dispatched == False)  # noqa: E712
    assert undispatched == 0

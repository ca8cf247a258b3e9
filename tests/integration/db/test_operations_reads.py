"""The operations pages' queries against the real database (SQLite, and PostgreSQL in test-pg):
a job's failure history kept by the job store, the admin's retry and discard, the outbox,
webhook events resolved to their invoice, and cancellation feedback by month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.tables import (
    CancellationFeedbackTable,
    CustomerTable,
    InvoiceTable,
    JobTable,
    OutboxEmailTable,
    PaymentAttemptTable,
    PaymentWebhookEventTable,
    SubscriptionTable,
)
from domain.adapters.db.tables_operations import JobFailureTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.demo import demo_plans
from domain.jobs.context import JobContext
from domain.jobs.model import JobStatus
from domain.jobs.registry import JobRegistry
from domain.notifications.model import EmailKind, EmailStatus
from domain.operations.model import EmailFilter, JobFilter, WebhookFilter
from domain.payments.model import WebhookOutcome
from domain.shared.clock import FrozenClock
from domain.shared.errors import TransientError
from domain.shared.ids import new_id
from domain.subscriptions.model import CancellationReason
from tests.support.builders import make_runner
from tests.support.database import TestDatabase

pytestmark = pytest.mark.integration


def _uow(db: TestDatabase, clock: FrozenClock, registry: JobRegistry) -> PiccoloUnitOfWork:
    return PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)


async def _dead_job(db: TestDatabase, clock: FrozenClock) -> tuple[JobRegistry, str]:
    registry = JobRegistry()

    @registry.job("test.flaky", max_attempts=2)
    async def flaky(ctx: JobContext, **kwargs: object) -> None:
        raise TransientError(f"gateway timed out on attempt {ctx.attempt}")

    store = PiccoloJobStore(db.engine)
    await store.add([registry.get("test.flaky").new({"invoice_id": "inv-1"}, now=clock.now())])
    runner = make_runner(db.engine, registry, clock)
    await runner.drain()
    clock.advance(minutes=1)
    await runner.drain()
    [row] = await JobTable.select(JobTable.id, JobTable.status)
    assert row["status"] == JobStatus.DEAD
    return registry, row["id"]


async def test_each_failed_attempt_is_kept_and_a_dead_job_is_retried_or_discarded(
    db: TestDatabase, clock: FrozenClock
) -> None:
    registry, job_id = await _dead_job(db, clock)
    async with _uow(db, clock, registry) as uow:
        failures = await uow.job_admin.failures(job_id)
        assert [(f.attempt, "attempt 1" in f.error) for f in failures] == [(1, True), (2, False)]
        assert "attempt 2/2" in failures[1].error
        assert (await uow.job_admin.counts())[JobStatus.DEAD] == 1
        assert await uow.job_admin.kinds() == ["test.flaky"]
        assert await uow.job_admin.count(JobFilter(status=JobStatus.DEAD)) == 1
        assert await uow.job_admin.count(JobFilter(status=JobStatus.QUEUED)) == 0
        assert await uow.job_admin.count(JobFilter(retrying=True)) == 1  # failed before
        assert await uow.job_admin.count(JobFilter(retrying=False)) == 0
        assert await uow.job_admin.count(JobFilter(name="other.kind")) == 0
        [found] = await uow.job_admin.find(JobFilter(name="test.flaky"), limit=10, offset=0)
        assert found.id == job_id and found.attempts == 2
        stored = await uow.job_admin.get(job_id, lock=True)
        assert stored is not None and stored.kwargs == {"invoice_id": "inv-1"}

        assert await uow.job_admin.requeue(job_id, now=clock.now())
        assert not await uow.job_admin.requeue(job_id, now=clock.now()), "only a dead job"
        assert not await uow.job_admin.delete(job_id), "a queued job is not discarded"
        await uow.commit()
    row = await JobTable.select().where(JobTable.id == job_id).first()
    assert row is not None
    assert (row["status"], row["attempts"], row["run_at"]) == ("queued", 0, clock.now())
    assert row["finished_at"] is None

    await make_runner(db.engine, registry, clock).drain()  # it fails twice more and dies again
    clock.advance(minutes=1)
    await make_runner(db.engine, registry, clock).drain()
    async with _uow(db, clock, registry) as uow:
        assert len(await uow.job_admin.failures(job_id)) == 4
        assert await uow.job_admin.delete(job_id)
        await uow.commit()
    assert await JobTable.count() == 0
    assert await JobFailureTable.count() == 0


async def test_purging_finished_jobs_removes_their_failure_history(
    db: TestDatabase, clock: FrozenClock
) -> None:
    registry = JobRegistry()
    calls: list[int] = []

    @registry.job("test.once_flaky", max_attempts=3)
    async def once_flaky(ctx: JobContext) -> None:
        calls.append(ctx.attempt)
        if ctx.attempt == 1:
            raise TransientError("first try fails")

    store = PiccoloJobStore(db.engine)
    await store.add([registry.get("test.once_flaky").new({}, now=clock.now())])
    runner = make_runner(db.engine, registry, clock)
    await runner.drain()
    clock.advance(minutes=1)
    await runner.drain()
    assert calls == [1, 2]
    assert await JobFailureTable.count() == 1
    assert await store.purge_finished(before=clock.now() + timedelta(seconds=1)) == 1
    assert await JobFailureTable.count() == 0


async def _email(at: datetime, *, to: str, status: str, kind: str = "receipt") -> str:
    email_id = new_id()
    await OutboxEmailTable.insert(
        OutboxEmailTable(
            id=email_id, kind=kind, recipient=to, subject=f"{kind} for {to}", status=status,
            attempts=1, dedupe_key=f"{kind}:{email_id}", created_at=at,
        )
    )  # fmt: skip
    return email_id


async def test_the_outbox_filters_by_status_kind_and_part_of_the_address_newest_first(
    db: TestDatabase, clock: FrozenClock
) -> None:
    t0 = clock.now()
    old = await _email(t0, to="Ada@Example.com", status="sent")
    new = await _email(t0 + timedelta(minutes=1), to="ada@example.com", status="failed")
    await _email(t0 + timedelta(minutes=2), to="bob_x@example.org", status="sent", kind="welcome")
    async with _uow(db, clock, JobRegistry()) as uow:
        search = uow.outbox
        assert await search.count(EmailFilter()) == 3
        ada = await search.find(EmailFilter(recipient="ADA@"), limit=10, offset=0)
        assert [e.id for e in ada] == [new, old]
        assert await search.count(EmailFilter(recipient="%")) == 0, "wildcards are literal"
        assert await search.count(EmailFilter(recipient="bo_")) == 0
        assert await search.count(EmailFilter(recipient="bob_x")) == 1
        failed = await search.find(EmailFilter(status=EmailStatus.FAILED), limit=10, offset=0)
        assert [e.id for e in failed] == [new]
        assert await search.count(EmailFilter(kind=EmailKind.WELCOME)) == 1
        page_two = await search.find(EmailFilter(), limit=2, offset=2)
        assert [e.id for e in page_two] == [old]


async def _customer(email: str) -> str:
    customer_id = new_id()
    await CustomerTable.insert(
        CustomerTable(id=customer_id, email=email, name=email.split("@")[0].title(), currency="USD")
    )
    return customer_id


async def test_webhook_events_resolve_their_payment_ref_to_the_invoice_and_customer(
    db: TestDatabase, clock: FrozenClock
) -> None:
    customer_id = await _customer("cara@example.com")
    invoice_id = new_id()
    await InvoiceTable.insert(
        InvoiceTable(
            id=invoice_id,
            number="INV-0042",
            customer_id=customer_id,
            billing_reason="manual",
            status="paid",
            currency="USD",
        )
    )
    await PaymentAttemptTable.insert(
        PaymentAttemptTable(
            id=new_id(), invoice=invoice_id, customer_id=customer_id, number=1,
            idempotency_key=f"{invoice_id}:1", amount_minor=1000, currency="USD",
            status="succeeded", payment_ref="pi_known", created_at=clock.now(),
        )
    )  # fmt: skip
    for n, (ref, outcome, kind) in enumerate(
        [
            ("pi_known", "applied", "payment_intent.succeeded"),
            ("pi_unknown", "held", "payment_intent.succeeded"),
            (None, "ignored", "charge.refunded"),
        ]
    ):
        await PaymentWebhookEventTable.insert(
            PaymentWebhookEventTable(
                key=f"stripe:evt_{n}", gateway="stripe", event_id=f"evt_{n}", event_type=kind,
                payment_ref=ref, outcome=outcome, detail=f"detail {n}",
                received_at=clock.now() + timedelta(seconds=n),
            )
        )  # fmt: skip
    async with _uow(db, clock, JobRegistry()) as uow:
        log = uow.webhook_log
        counts = await log.counts()
        assert counts[WebhookOutcome.APPLIED] == counts[WebhookOutcome.HELD] == 1
        assert counts[WebhookOutcome.REPLAYED] == 0
        assert await log.event_types() == ["charge.refunded", "payment_intent.succeeded"]
        rows = await log.find(WebhookFilter(), limit=10, offset=0)
        assert [r.event_id for r in rows] == ["evt_2", "evt_1", "evt_0"]
        known = rows[2]
        assert (known.invoice_id, known.invoice_number, known.customer_id) == (
            invoice_id, "INV-0042", customer_id,
        )  # fmt: skip
        assert rows[1].invoice_id is None and rows[0].customer_id is None
        held = await log.find(WebhookFilter(outcome=WebhookOutcome.HELD), limit=10, offset=0)
        assert [r.event_id for r in held] == ["evt_1"]
        assert await log.count(WebhookFilter(event_type="charge.refunded")) == 1


async def test_cancellation_feedback_is_counted_per_month_and_comments_listed_newest_first(
    db: TestDatabase, clock: FrozenClock
) -> None:
    async with _uow(db, clock, JobRegistry()) as uow:
        plan = demo_plans()[0]
        await uow.plans.add(plan)
        await uow.commit()
    customer_id = await _customer("dee@example.com")
    subscription_id = new_id()
    await SubscriptionTable.insert(
        SubscriptionTable(
            id=subscription_id,
            customer=customer_id,
            currency="USD",
            timezone="UTC",
            proration="day",
            plan=plan.id,
            status="canceled",
        )
    )
    at = [datetime(2026, 3, 31, 23, 30, tzinfo=UTC), datetime(2026, 4, 1, 0, 30, tzinfo=UTC),
          datetime(2026, 4, 15, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)]  # fmt: skip
    reasons = ["too_expensive", "too_expensive", "not_using", "other"]
    comments = ["", "Too dear", "Never used it", "Out of range"]
    for when, reason, comment in zip(at, reasons, comments, strict=True):
        await CancellationFeedbackTable.insert(
            CancellationFeedbackTable(
                id=new_id(),
                subscription=subscription_id,
                customer=customer_id,
                reason=reason,
                comment=comment,
                timing="period_end",
                created_at=when,
            )
        )
    since, until = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)
    async with _uow(db, clock, JobRegistry()) as uow:
        log = uow.feedback_log
        counts = await log.reasons_by_month(since=since, until=until)
        assert [(c.month.isoformat(), c.reason, c.count) for c in counts] == [
            ("2026-03-01", CancellationReason.TOO_EXPENSIVE, 1),
            ("2026-04-01", CancellationReason.NOT_USING, 1),
            ("2026-04-01", CancellationReason.TOO_EXPENSIVE, 1),
        ]
        assert await log.count_comments(since=since, until=until) == 2
        listed = await log.comments(since=since, until=until, limit=10, offset=0)
        assert [c.comment for c in listed] == ["Never used it", "Too dear"]
        assert listed[0].customer_email == "dee@example.com"
        assert listed[0].customer_id == customer_id

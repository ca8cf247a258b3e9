"""The operations use cases with in-memory fakes: who may act, only a dead job is retried or
discarded (each with one audit entry), a resend queues a copy with its delivery job, and the
feedback report's bars."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.customers.model import Customer
from domain.jobs.model import JobRow, JobStatus
from domain.notifications.model import EmailKind, EmailStatus, OutboxEmail
from domain.notifications.service import SEND_JOB
from domain.operations.emails import email_page, resend_email
from domain.operations.feedback import feedback_range, feedback_report
from domain.operations.jobs import discard_job, job_queue_page, retry_job
from domain.operations.model import FeedbackRange, JobFilter
from domain.shared.clock import FrozenClock
from domain.shared.errors import InvalidTransition, PermissionDenied, ValidationFailed
from domain.shared.ids import CustomerId, SubscriptionId
from domain.staff.model import Role, SignedInStaff
from domain.subscriptions.model import CancellationFeedback, CancellationReason
from tests.fakes import InMemoryUnitOfWork

pytestmark = pytest.mark.service

NOW = datetime(2026, 5, 20, 9, 30, tzinfo=UTC)
BILLING = SignedInStaff("s-bill", "bo@example.com", "Bo Billing", Role.BILLING, "s")
SUPPORT = SignedInStaff("s-sup", "su@example.com", "Su Support", Role.SUPPORT, "s")


def _job(job_id: str, status: JobStatus, attempts: int = 3) -> JobRow:
    return JobRow(job_id, "documents.render_invoice_pdf", status, attempts, 3, NOW, None,
                  "boom", NOW - timedelta(hours=1), None)  # fmt: skip


def _email(status: EmailStatus, kind: EmailKind = EmailKind.RECEIPT) -> OutboxEmail:
    return OutboxEmail("e-1", kind, "ada@example.com", "Your receipt", "text", "<p>html</p>", (),
                       status, 1, None, "receipt:inv-1", NOW - timedelta(days=1), None)  # fmt: skip


async def test_retrying_needs_operations_act_a_reason_and_a_dead_job() -> None:
    uow, clock = InMemoryUnitOfWork(), FrozenClock(NOW)
    uow.job_admin.put(_job("j-dead", JobStatus.DEAD))
    uow.job_admin.put(_job("j-run", JobStatus.RUNNING, attempts=1))
    with pytest.raises(PermissionDenied):
        await retry_job(SUPPORT, "j-dead", reason="please", uow=uow, clock=clock)
    with pytest.raises(ValidationFailed):
        await retry_job(BILLING, "j-dead", reason="  ", uow=uow, clock=clock)
    with pytest.raises(InvalidTransition):
        await retry_job(BILLING, "j-run", reason="please", uow=uow, clock=clock)
    assert uow.audit.entries == []

    done = await retry_job(BILLING, "j-dead", reason="fixed the template", uow=uow, clock=clock)
    assert done.retried
    row = uow.job_admin.jobs["j-dead"].row
    assert (row.status, row.attempts, row.run_at) == (JobStatus.QUEUED, 0, NOW)
    [entry] = uow.audit.entries
    assert (entry.action, entry.object_id, entry.actor.staff_id) == (
        "job.retried",
        "j-dead",
        "s-bill",
    )
    assert entry.before["attempts"] == 3 and entry.after["attempts"] == 0
    view = await job_queue_page(BILLING, JobFilter(), page=1, uow=uow)
    assert view.counts[JobStatus.QUEUED] == 1 and view.retrying == 0


async def test_discarding_removes_only_a_dead_job() -> None:
    uow, clock = InMemoryUnitOfWork(), FrozenClock(NOW)
    uow.job_admin.put(_job("j-dead", JobStatus.DEAD))
    uow.job_admin.put(_job("j-queued", JobStatus.QUEUED, attempts=1))
    with pytest.raises(InvalidTransition):
        await discard_job(BILLING, "j-queued", reason="nope", uow=uow, clock=clock)
    await discard_job(BILLING, "j-dead", reason="invoice voided", uow=uow, clock=clock)
    assert set(uow.job_admin.jobs) == {"j-queued"}
    assert [e.action for e in uow.audit.entries] == ["job.discarded"]
    view = await job_queue_page(SUPPORT, JobFilter(status=JobStatus.QUEUED, retrying=True),
                                page=1, uow=uow)  # fmt: skip
    assert [r.id for r in view.rows] == ["j-queued"] and view.retrying == 1


async def test_a_resend_queues_a_copy_with_its_delivery_job() -> None:
    uow, clock = InMemoryUnitOfWork(), FrozenClock(NOW)
    await uow.emails.add(_email(EmailStatus.SENT))
    await uow.customers.add(Customer(CustomerId("cus-ada"), "ada@example.com", "Ada", "USD"))
    assert (await email_page(SUPPORT, "e-1", uow=uow)).customer_id == "cus-ada"
    with pytest.raises(PermissionDenied):
        await resend_email(SUPPORT, "e-1", reason="asked", uow=uow, clock=clock)
    done = await resend_email(BILLING, "e-1", reason="asked", uow=uow, clock=clock)
    copy = uow.emails.emails[done.copy_id]
    assert (copy.status, copy.attempts, copy.created_at, copy.subject) == (
        EmailStatus.QUEUED, 0, NOW, "Your receipt",
    )  # fmt: skip
    assert copy.dedupe_key.startswith("resend:e-1:")
    assert [j[0] for j in uow.jobs.committed] == [SEND_JOB]
    [entry] = uow.audit.entries
    assert (entry.action, entry.customer_id) == ("email.resent", "cus-ada")
    page = await email_page(BILLING, done.copy_id, uow=uow)
    assert page.resent_from == "e-1" and not page.can_resend  # queued: being delivered
    # a copy of the copy still names the original
    uow.emails.emails[done.copy_id] = copy.mark_sent(at=NOW)
    again = await resend_email(BILLING, done.copy_id, reason="again", uow=uow, clock=clock)
    assert uow.emails.emails[again.copy_id].dedupe_key.startswith("resend:e-1:")


async def test_queued_emails_and_sign_in_links_are_not_resent() -> None:
    uow, clock = InMemoryUnitOfWork(), FrozenClock(NOW)
    await uow.emails.add(_email(EmailStatus.QUEUED))
    with pytest.raises(InvalidTransition, match="still queued"):
        await resend_email(BILLING, "e-1", reason="asked", uow=uow, clock=clock)
    link = InMemoryUnitOfWork()
    await link.emails.add(_email(EmailStatus.SENT, EmailKind.MAGIC_LINK))
    with pytest.raises(InvalidTransition, match="single-use"):
        await resend_email(BILLING, "e-1", reason="asked", uow=link, clock=clock)
    assert (await email_page(BILLING, "e-1", uow=link)).resend_refusal


async def test_feedback_bars_scale_to_the_busiest_month() -> None:
    uow = InMemoryUnitOfWork()
    for n, (at, reason) in enumerate([
        (datetime(2026, 4, 2, tzinfo=UTC), CancellationReason.TOO_EXPENSIVE),
        (datetime(2026, 4, 3, tzinfo=UTC), CancellationReason.NOT_USING),
        (datetime(2026, 5, 1, tzinfo=UTC), CancellationReason.TOO_EXPENSIVE),
    ]):  # fmt: skip
        await uow.cancellation_feedback.add(
            CancellationFeedback(
                f"f-{n}", SubscriptionId("sub"), CustomerId("cus"), reason, "", "period_end", at
            )
        )
    view = await feedback_report(
        SUPPORT, FeedbackRange(date(2026, 3, 1), date(2026, 5, 1)), page=1, uow=uow
    )
    assert [(m.month.month, m.total) for m in view.months] == [(3, 0), (4, 2), (5, 1)]
    april = view.months[1].segments
    assert [(s.reason, s.x, s.width) for s in april] == [
        (CancellationReason.TOO_EXPENSIVE, 0.0, 50.0), (CancellationReason.NOT_USING, 50.0, 50.0),
    ]  # fmt: skip
    assert view.months[2].segments[0].width == 50.0
    assert view.totals[0] == (CancellationReason.TOO_EXPENSIVE, 2) and view.total == 3


def test_a_feedback_range_defaults_to_twelve_months_and_is_bounded() -> None:
    clock = FrozenClock(NOW)
    default = feedback_range(None, None, clock=clock)
    assert default.start == date(2025, 6, 1) and len(default.months) == 12
    with pytest.raises(ValidationFailed):
        feedback_range(date(2026, 5, 1), date(2026, 1, 1), clock=clock)
    with pytest.raises(ValidationFailed):
        feedback_range(date(2020, 1, 1), date(2026, 1, 1), clock=clock)

"""The outbox end to end on the real database: queue e-mails, drain the jobs through the SMTP
mailer into a real SMTP server (aiosmtpd), and what happens when that server is down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.tables import JobTable, OutboxEmailTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.adapters.mail_smtp import SmtpMailer
from domain.adapters.mail_templates import JinjaEmailRenderer
from domain.jobs.model import JobStatus
from domain.jobs.registry import JobRegistry
from domain.notifications.jobs import SEND_MAX_ATTEMPTS
from domain.notifications.model import (
    Attachment,
    EmailKind,
    EmailStatus,
    OutboxEmail,
    dedupe_key,
)
from domain.notifications.service import SEND_JOB, queue_email
from domain.shared.clock import FrozenClock
from tests.support.builders import make_runner
from tests.support.database import TestDatabase
from tests.support.emails import sample_context
from tests.support.jobs import drain_jobs
from tests.support.smtp import SmtpSink, free_port, smtp_server
from web.jobs import build_registry

pytestmark = pytest.mark.integration

RENDERER = JinjaEmailRenderer(brand_name="Tessera")
PDF = Attachment("INV-2024-000042.pdf", "application/pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 fake\n")
SENDER = "Tessera Billing <billing@tessera.example>"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with smtp_server() as sink:
        yield sink


def _registry(url: str) -> JobRegistry:
    return build_registry(mailer=SmtpMailer(url, mail_from=SENDER, timeout_s=5))


async def _queue(
    db: TestDatabase,
    registry: JobRegistry,
    clock: FrozenClock,
    kind: EmailKind,
    key: str,
    *,
    to: str = "ada@example.com",
    attachments: tuple[Attachment, ...] = (),
) -> OutboxEmail | None:
    return await queue_email(
        kind,
        to=to,
        context=sample_context(kind),
        dedupe_key=key,
        uow=PiccoloUnitOfWork(db.engine, clock=clock, registry=registry),
        clock=clock,
        renderer=RENDERER,
        attachments=attachments,
    )


async def _email(email_id: str) -> dict[str, object]:
    row = await OutboxEmailTable.select().where(OutboxEmailTable.id == email_id).first()
    assert row is not None
    return row


async def test_queued_emails_reach_the_smtp_server_with_both_parts_and_the_attachment(
    db: TestDatabase, clock: FrozenClock, smtp: SmtpSink
) -> None:
    registry = _registry(smtp.url)
    receipt = await _queue(
        db,
        registry,
        clock,
        EmailKind.RECEIPT,
        dedupe_key(EmailKind.RECEIPT, "inv-42"),
        attachments=(PDF,),
    )
    welcome = await _queue(
        db, registry, clock, EmailKind.WELCOME, "welcome:cus-1", to="grace@example.org"
    )
    assert receipt is not None and welcome is not None

    ran = await drain_jobs(make_runner(db.engine, registry, clock), include_schedule=False)
    assert ran == 2

    by_to = {r.rcpt_tos[0]: r for r in smtp.received}
    assert sorted(by_to) == ["ada@example.com", "grace@example.org"]
    got = by_to["ada@example.com"]
    assert got.mail_from == "billing@tessera.example"
    msg = got.message
    assert msg["Subject"] == "Your Tessera receipt for invoice INV-2024-000042"
    assert msg["To"] == "ada@example.com"
    assert msg["Message-ID"] == f"<{receipt.id}@tessera.example>"
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert "Amount paid:  $1,234.50" in plain.get_content()
    assert "View invoice" in html.get_content()
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == PDF.filename
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == PDF.content
    assert by_to["grace@example.org"].message["Subject"] == "Welcome to Tessera"
    assert list(by_to["grace@example.org"].message.iter_attachments()) == []

    for email in (receipt, welcome):
        row = await _email(email.id)
        assert (row["status"], row["attempts"], row["sent_at"]) == (
            EmailStatus.SENT.value,
            1,
            clock.now(),
        )
    counts = await PiccoloJobStore(db.engine).counts()
    assert counts[JobStatus.SUCCEEDED] == 2


async def test_the_dedupe_key_prevents_a_second_queueing(
    db: TestDatabase, clock: FrozenClock, smtp: SmtpSink
) -> None:
    registry = _registry(smtp.url)
    key = dedupe_key(EmailKind.RECEIPT, "inv-42")
    first = await _queue(db, registry, clock, EmailKind.RECEIPT, key, attachments=(PDF,))
    await drain_jobs(make_runner(db.engine, registry, clock), include_schedule=False)
    again = await _queue(db, registry, clock, EmailKind.RECEIPT, key)
    assert first is not None and again is None
    assert await OutboxEmailTable.count() == 1
    assert await JobTable.count().where(JobTable.name == SEND_JOB) == 1
    await drain_jobs(make_runner(db.engine, registry, clock), include_schedule=False)
    assert len(smtp.received) == 1, "sent once"


async def test_a_down_smtp_server_leaves_the_email_queued_and_the_job_retried(
    db: TestDatabase, clock: FrozenClock
) -> None:
    port = free_port()  # nothing listens here yet
    registry = _registry(f"smtp://127.0.0.1:{port}")
    email = await _queue(db, registry, clock, EmailKind.PAYMENT_FAILED, "payment_failed:inv-7:1")
    assert email is not None
    store = PiccoloJobStore(db.engine)

    await drain_jobs(make_runner(db.engine, registry, clock), include_schedule=False)
    row = await _email(email.id)
    assert (row["status"], row["attempts"], row["sent_at"]) == (EmailStatus.QUEUED.value, 1, None)
    assert "cannot deliver through smtp://127.0.0.1" in str(row["last_error"])
    [job] = await store.recent()
    assert (job.name, job.status, job.attempts) == (SEND_JOB, JobStatus.QUEUED, 1)
    assert job.run_at is not None and job.run_at > clock.now(), "retried later, with back-off"
    assert job.last_error is not None and "cannot deliver" in job.last_error

    with smtp_server(port) as sink:  # the server comes back; the retry delivers
        clock.advance(minutes=1)
        await drain_jobs(make_runner(db.engine, registry, clock), include_schedule=False)
    assert [r.message["Subject"] for r in sink.received] == [
        "We couldn't process your payment for invoice INV-2024-000042"
    ]
    row = await _email(email.id)
    assert (row["status"], row["attempts"]) == (EmailStatus.SENT.value, 2)
    [job] = await store.recent()
    assert job.status is JobStatus.SUCCEEDED


async def test_after_the_last_attempt_the_job_is_dead_and_the_email_failed(
    db: TestDatabase, clock: FrozenClock
) -> None:
    registry = _registry(f"smtp://127.0.0.1:{free_port()}")
    email = await _queue(db, registry, clock, EmailKind.MAGIC_LINK, "magic_link:tok-1")
    assert email is not None
    runner = make_runner(db.engine, registry, clock)
    for _ in range(SEND_MAX_ATTEMPTS):
        await drain_jobs(runner, include_schedule=False)
        clock.advance(hours=2)  # past any back-off (capped at 1 h)
    row = await _email(email.id)
    assert (row["status"], row["attempts"]) == (EmailStatus.FAILED.value, SEND_MAX_ATTEMPTS)
    assert "cannot deliver" in str(row["last_error"])
    [job] = await PiccoloJobStore(db.engine).recent()
    assert (job.status, job.attempts) == (JobStatus.DEAD, SEND_MAX_ATTEMPTS)

"""The outbox use cases on the in-memory unit of work: queue (render, store, enqueue, dedupe)
and send (deliver, mark sent, retry on failure, idempotent)."""

from __future__ import annotations

import pytest

from domain.notifications.errors import NotificationErrorCode
from domain.notifications.model import (
    Attachment,
    AttachmentRef,
    EmailKind,
    EmailStatus,
    OutboxEmail,
    dedupe_key,
)
from domain.notifications.service import SEND_JOB, queue_email, send_email
from domain.operations.emails import email_page, outbox_page
from domain.operations.model import EmailFilter
from domain.shared.clock import FrozenClock
from domain.shared.errors import DomainError, NotFound, TransientError, ValidationFailed
from domain.staff.model import Role, SignedInStaff
from tests.fakes import FakeEmailRenderer, FakeMailer, InMemoryUnitOfWork
from tests.support.emails import sample_context

pytestmark = pytest.mark.service

VIEWER = SignedInStaff("s-1", "vi@example.com", "Vi Viewer", Role.VIEWER, "s")
PDF = Attachment("INV-2024-000042.pdf", "application/pdf", b"%PDF-1.7 fake")


async def _queue_receipt(
    uow: InMemoryUnitOfWork,
    clock: FrozenClock,
    *,
    key: str = "receipt:inv-42",
    attachments: tuple[Attachment | AttachmentRef, ...] = (PDF,),
) -> OutboxEmail | None:
    return await queue_email(
        EmailKind.RECEIPT,
        to="ada@example.com",
        context=sample_context(EmailKind.RECEIPT),
        dedupe_key=key,
        uow=uow,
        clock=clock,
        renderer=FakeEmailRenderer(),
        attachments=attachments,
    )


async def test_queueing_renders_stores_and_enqueues_the_send_job_in_one_commit(
    clock: FrozenClock,
) -> None:
    uow = InMemoryUnitOfWork()
    email = await _queue_receipt(uow, clock)
    assert email is not None
    stored = uow.emails.emails[email.id]
    assert stored.status is EmailStatus.QUEUED
    assert (stored.to, stored.kind, stored.attempts) == ("ada@example.com", EmailKind.RECEIPT, 0)
    assert stored.subject == "receipt for Ada"
    assert "invoice_number=INV-2024-000042" in stored.text_body
    assert stored.html_body.startswith("<p>receipt:")
    assert stored.attachments == (PDF,)
    assert stored.created_at == clock.now()
    assert uow.commits == 1
    assert uow.jobs.committed == [(SEND_JOB, {"email_id": email.id}, email.id, None)]


async def test_the_same_dedupe_key_is_never_queued_twice(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    first = await _queue_receipt(uow, clock)
    second = await _queue_receipt(uow, clock)
    assert first is not None and second is None
    assert len(uow.emails.emails) == 1
    assert len(uow.jobs.committed) == 1
    assert uow.commits == 1, "a duplicate commits nothing"


async def test_a_context_missing_a_documented_key_is_refused(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    context = sample_context(EmailKind.TRIAL_ENDING)
    del context["amount"]
    with pytest.raises(ValidationFailed) as err:
        await queue_email(
            EmailKind.TRIAL_ENDING,
            to="ada@example.com",
            context=context,
            dedupe_key="trial_ending:sub-1:2024-02-03T10:00:00+00:00",
            uow=uow,
            clock=clock,
            renderer=FakeEmailRenderer(),
        )
    assert err.value.code == NotificationErrorCode.MISSING_CONTEXT
    assert "amount" in err.value.message
    assert uow.emails.emails == {}


@pytest.mark.parametrize(
    "to", ["", "ada", "ada@", "ada@example", "ada@example.com\r\nBcc: eve@example.com", "a b@x.io"]
)
async def test_a_bad_recipient_is_refused(clock: FrozenClock, to: str) -> None:
    uow = InMemoryUnitOfWork()
    with pytest.raises(ValidationFailed) as err:
        await queue_email(
            EmailKind.MAGIC_LINK,
            to=to,
            context=sample_context(EmailKind.MAGIC_LINK),
            dedupe_key="magic_link:tok-1",
            uow=uow,
            clock=clock,
            renderer=FakeEmailRenderer(),
        )
    assert err.value.code == NotificationErrorCode.BAD_RECIPIENT


async def test_an_attachment_name_with_a_line_break_is_refused(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    bad = Attachment("a\r\nb.pdf", "application/pdf", b"x")
    with pytest.raises(ValidationFailed) as err:
        await _queue_receipt(uow, clock, attachments=(bad,))
    assert err.value.code == NotificationErrorCode.BAD_ATTACHMENT


async def test_sending_delivers_both_parts_and_the_attachment_and_marks_it_sent(
    clock: FrozenClock,
) -> None:
    uow, mailer = InMemoryUnitOfWork(), FakeMailer()
    email = await _queue_receipt(uow, clock)
    assert email is not None
    clock.advance(seconds=5)
    sent = await send_email(email.id, uow=lambda: uow, mailer=mailer, clock=clock)
    assert sent.status is EmailStatus.SENT
    assert (sent.sent_at, sent.attempts) == (clock.now(), 1)
    [message] = mailer.sent
    assert (message.email_id, message.to, message.subject) == (
        email.id,
        "ada@example.com",
        email.subject,
    )
    assert (message.text, message.html) == (email.text_body, email.html_body)
    assert message.attachments == (PDF,)
    assert uow.emails.emails[email.id].status is EmailStatus.SENT


async def test_sending_an_already_sent_email_does_nothing(clock: FrozenClock) -> None:
    uow, mailer = InMemoryUnitOfWork(), FakeMailer()
    email = await _queue_receipt(uow, clock)
    assert email is not None
    await send_email(email.id, uow=lambda: uow, mailer=mailer, clock=clock)
    again = await send_email(email.id, uow=lambda: uow, mailer=mailer, clock=clock)
    assert len(mailer.sent) == 1
    assert again.attempts == 1


async def test_a_mailer_failure_is_recorded_and_raised_as_transient(clock: FrozenClock) -> None:
    uow, mailer = InMemoryUnitOfWork(), FakeMailer()
    email = await _queue_receipt(uow, clock)
    assert email is not None
    mailer.fail_with = TransientError("connection refused")
    with pytest.raises(TransientError):
        await send_email(email.id, uow=lambda: uow, mailer=mailer, clock=clock)
    stored = uow.emails.emails[email.id]
    assert (stored.status, stored.attempts) == (EmailStatus.QUEUED, 1)
    assert stored.last_error is not None and "connection refused" in stored.last_error

    mailer.fail_with = None  # the server is back: the retry sends it
    sent = await send_email(email.id, uow=lambda: uow, mailer=mailer, clock=clock)
    assert (sent.status, sent.attempts) == (EmailStatus.SENT, 2)


async def test_an_unexpected_mailer_error_is_retried_too(clock: FrozenClock) -> None:
    uow, mailer = InMemoryUnitOfWork(), FakeMailer()
    email = await _queue_receipt(uow, clock)
    assert email is not None
    mailer.fail_with = ConnectionResetError("peer hung up")
    with pytest.raises(TransientError) as err:
        await send_email(email.id, uow=lambda: uow, mailer=mailer, clock=clock)
    assert err.value.code == NotificationErrorCode.SEND_FAILED
    assert "ConnectionResetError" in (uow.emails.emails[email.id].last_error or "")


async def test_the_final_attempt_marks_the_email_failed(clock: FrozenClock) -> None:
    uow, mailer = InMemoryUnitOfWork(), FakeMailer()
    email = await _queue_receipt(uow, clock)
    assert email is not None
    mailer.fail_with = TransientError("421 try later")
    with pytest.raises(TransientError):
        await send_email(email.id, uow=lambda: uow, mailer=mailer, clock=clock, final_attempt=True)
    assert uow.emails.emails[email.id].status is EmailStatus.FAILED


async def test_a_permanent_refusal_marks_the_email_failed_at_once(clock: FrozenClock) -> None:
    uow, mailer = InMemoryUnitOfWork(), FakeMailer()
    email = await _queue_receipt(uow, clock)
    assert email is not None
    mailer.fail_with = DomainError("550 no such user", code=NotificationErrorCode.REJECTED)
    with pytest.raises(DomainError) as err:
        await send_email(email.id, uow=lambda: uow, mailer=mailer, clock=clock)
    assert not isinstance(err.value, TransientError), "the job goes dead, no retry"
    stored = uow.emails.emails[email.id]
    assert stored.status is EmailStatus.FAILED
    assert "550 no such user" in (stored.last_error or "")


class InvoicePdfs:
    def __init__(self) -> None:
        self.asked: list[str] = []

    async def resolve(self, ref: AttachmentRef) -> Attachment:
        self.asked.append(ref.ref)
        return Attachment(ref.filename, ref.content_type, f"%PDF {ref.ref}".encode())


async def test_an_attachment_reference_is_resolved_when_sending(clock: FrozenClock) -> None:
    uow, mailer, pdfs = InMemoryUnitOfWork(), FakeMailer(), InvoicePdfs()
    ref = AttachmentRef("invoice_pdf", "inv-42", "INV-2024-000042.pdf")
    email = await _queue_receipt(uow, clock, attachments=(ref,))
    assert email is not None
    assert uow.emails.emails[email.id].attachments == (ref,), "stored as a reference"
    await send_email(email.id, uow=lambda: uow, mailer=mailer, clock=clock, resolver=pdfs)
    assert pdfs.asked == ["inv-42"]
    assert mailer.sent[0].attachments == (
        Attachment("INV-2024-000042.pdf", "application/pdf", b"%PDF inv-42"),
    )


async def test_an_attachment_reference_without_a_resolver_fails_for_good(
    clock: FrozenClock,
) -> None:
    uow, mailer = InMemoryUnitOfWork(), FakeMailer()
    ref = AttachmentRef("invoice_pdf", "inv-42", "INV-2024-000042.pdf")
    email = await _queue_receipt(uow, clock, attachments=(ref,))
    assert email is not None
    with pytest.raises(DomainError) as err:
        await send_email(email.id, uow=lambda: uow, mailer=mailer, clock=clock)
    assert err.value.code == NotificationErrorCode.UNRESOLVED_ATTACHMENT
    assert mailer.sent == []
    assert uow.emails.emails[email.id].status is EmailStatus.FAILED


async def test_sending_an_unknown_email_is_not_found(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    with pytest.raises(NotFound):
        await send_email("nope", uow=lambda: uow, mailer=FakeMailer(), clock=clock)


async def test_the_outbox_lists_newest_first_and_shows_one(clock: FrozenClock) -> None:
    """(The outbox pages are the admin's: domain/operations/emails.py.)"""
    uow = InMemoryUnitOfWork()
    first = await _queue_receipt(uow, clock, key="receipt:inv-1")
    clock.advance(minutes=1)
    second = await _queue_receipt(uow, clock, key="receipt:inv-2", attachments=())
    assert first is not None and second is not None
    view = await outbox_page(VIEWER, EmailFilter(), page=1, uow=uow)
    assert [e.id for e in view.rows] == [second.id, first.id] and view.paging.total == 2
    detail = (await email_page(VIEWER, first.id, uow=uow)).email
    assert detail.dedupe_key == "receipt:inv-1"
    assert [(a.filename, a.size) for a in detail.attachments] == [(PDF.filename, len(PDF.content))]
    with pytest.raises(NotFound):
        await email_page(VIEWER, "nope", uow=uow)


def test_dedupe_keys_name_the_notice_and_what_it_is_about() -> None:
    from datetime import UTC, date, datetime, timedelta, timezone

    trial_end = datetime(2024, 2, 3, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    assert dedupe_key(EmailKind.RECEIPT, "inv-42") == "receipt:inv-42"
    assert (
        dedupe_key(EmailKind.TRIAL_ENDING, "sub-1", trial_end)
        == "trial_ending:sub-1:2024-02-03T10:00:00+00:00"
    )
    assert dedupe_key(EmailKind.CARD_EXPIRING, "pm-1", date(2024, 3, 1)) == (
        "card_expiring:pm-1:2024-03-01"
    )
    assert datetime(2024, 2, 3, 10, tzinfo=UTC).isoformat() in dedupe_key(
        EmailKind.TRIAL_ENDING, "s", trial_end
    )

"""Use cases of the e-mail outbox: queue a notice (rendered, stored and its delivery job enqueued
in the caller's transaction), send one (the job), and queue a copy of one again (staff resend).

Delivery is at-least-once: if the mail server accepted a message but recording it failed, the
retry sends it again with the same Message-ID (receiving systems treat it as a duplicate).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC
from typing import Any

from domain.notifications.errors import NotificationErrorCode
from domain.notifications.model import (
    CONTEXT_KEYS,
    Attachment,
    AttachmentRef,
    EmailDraft,
    EmailKind,
    EmailStatus,
    OutboxEmail,
    OutgoingMessage,
)
from domain.notifications.ports import AttachmentResolver, EmailRenderer, Mailer, NotificationsUnit
from domain.shared.clock import Clock
from domain.shared.errors import (
    DomainError,
    InvalidTransition,
    NotFound,
    TransientError,
    ValidationFailed,
)
from domain.shared.ids import new_id

SEND_JOB = "notifications.send_email"

_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")
_CONTENT_TYPE = re.compile(r"[a-z0-9.+-]+/[a-z0-9.+-]+")


def _check_recipient(to: str) -> str:
    address = to.strip()
    if not _ADDRESS.fullmatch(address) or len(address) > 254:
        raise ValidationFailed(
            {"to": f"not an e-mail address: {to!r}"}, code=NotificationErrorCode.BAD_RECIPIENT
        )
    return address


def _check_attachments(
    attachments: Iterable[Attachment | AttachmentRef],
) -> tuple[Attachment | AttachmentRef, ...]:
    checked = tuple(attachments)
    for a in checked:
        name_ok = a.filename.strip() and not any(c in a.filename for c in "\r\n/\\\0")
        if not name_ok or not _CONTENT_TYPE.fullmatch(a.content_type):
            raise ValidationFailed(
                {"attachments": f"bad attachment {a.filename!r} ({a.content_type})"},
                code=NotificationErrorCode.BAD_ATTACHMENT,
            )
    return checked


async def queue_email(
    kind: EmailKind,
    *,
    to: str,
    context: Mapping[str, Any],
    dedupe_key: str,
    uow: NotificationsUnit,
    clock: Clock,
    renderer: EmailRenderer,
    attachments: Iterable[Attachment | AttachmentRef] = (),
) -> OutboxEmail | None:
    """Render a notice and put it in the outbox with its delivery job, in one transaction (the
    caller's, when called from inside another use case).

    The same ``dedupe_key`` is never queued twice: a second call returns ``None`` and changes
    nothing, also when two transactions race (the key is unique in storage). The context must
    hold every key the kind's templates read (``CONTEXT_KEYS``); the e-mail is rendered now, so
    the outbox keeps what the customer receives even if templates change later.
    """
    async with uow:
        email = await queue_email_in(
            uow,
            kind,
            to=to,
            context=context,
            dedupe_key=dedupe_key,
            clock=clock,
            renderer=renderer,
            attachments=attachments,
        )
        if email is not None:
            await uow.commit()
    return email


async def queue_email_in(
    uow: NotificationsUnit,
    kind: EmailKind,
    *,
    to: str,
    context: Mapping[str, Any],
    dedupe_key: str,
    clock: Clock,
    renderer: EmailRenderer,
    attachments: Iterable[Attachment | AttachmentRef] = (),
) -> OutboxEmail | None:
    """``queue_email`` inside a transaction the caller holds (and commits)."""
    draft = EmailDraft(kind, to, context, dedupe_key, tuple(attachments))
    address, files = check_draft(draft)
    if await uow.emails.get_by_dedupe_key(dedupe_key) is not None:
        return None
    email = _rendered(draft, address, files, renderer=renderer, clock=clock)
    if not await uow.emails.add(email):
        return None  # queued by a concurrent transaction since we looked
    uow.jobs.enqueue(SEND_JOB, unique_key=email.id, email_id=email.id)
    return email


def check_draft(draft: EmailDraft) -> tuple[str, tuple[Attachment | AttachmentRef, ...]]:
    """The recipient's address and the attachments of a notice about to be queued;
    ``ValidationFailed`` for a bad address or attachment, or a context missing a key its kind's
    templates read (``CONTEXT_KEYS``)."""
    address = _check_recipient(draft.to)
    missing = CONTEXT_KEYS[draft.kind] - draft.context.keys()
    if missing:
        raise ValidationFailed(
            {"context": f"{draft.kind.value} needs {', '.join(sorted(missing))}"},
            code=NotificationErrorCode.MISSING_CONTEXT,
        )
    return address, _check_attachments(draft.attachments)


def _rendered(
    draft: EmailDraft,
    address: str,
    files: tuple[Attachment | AttachmentRef, ...],
    *,
    renderer: EmailRenderer,
    clock: Clock,
) -> OutboxEmail:
    rendered = renderer.render(draft.kind, draft.context)
    return OutboxEmail(
        id=new_id(),
        kind=draft.kind,
        to=address,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        attachments=files,
        status=EmailStatus.QUEUED,
        attempts=0,
        last_error=None,
        dedupe_key=draft.dedupe_key,
        created_at=clock.now(),
    )


async def queue_emails_in(
    uow: NotificationsUnit,
    drafts: Sequence[EmailDraft],
    *,
    clock: Clock,
    renderer: EmailRenderer,
) -> list[OutboxEmail]:
    """``queue_email_in`` for many notices at once, in the caller's transaction: one read of
    the dedupe keys already in the outbox, one multi-row insert, and each stored e-mail's
    delivery job joining the unit's job insert at commit. A notice whose key is in the outbox
    already (queued by any path), or stored by a concurrent transaction since the read, or
    given twice, is skipped: the same key is never queued twice. Returns the e-mails stored.
    Every draft is checked first (``check_draft``): one that fails raises, nothing stored."""
    checked = [(d, *check_draft(d)) for d in drafts]
    seen = await uow.emails.existing_dedupe_keys([d.dedupe_key for d in drafts])
    emails: list[OutboxEmail] = []
    for draft, address, files in checked:
        if draft.dedupe_key in seen:
            continue
        seen.add(draft.dedupe_key)
        emails.append(_rendered(draft, address, files, renderer=renderer, clock=clock))
    added = await uow.emails.add_many(emails)
    stored = [e for e in emails if e.id in added]
    for email in stored:
        uow.jobs.enqueue(SEND_JOB, unique_key=email.id, email_id=email.id)
    return stored


# Notices whose links are single-use secrets with a short life: a copy would carry a link that
# is used or expired by now, so the customer asks for a new one instead.
SINGLE_USE_LINKS = frozenset(
    {EmailKind.MAGIC_LINK, EmailKind.PASSWORD_RESET, EmailKind.EMAIL_CHANGE}
)
RESENT_PREFIX = "resend:"


def resend_refusal(email: OutboxEmail) -> str:
    """Why ``email`` cannot be sent again, or "" when it can: one still in the queue is being
    delivered; a sign-in, password-reset or address-confirmation link is single-use."""
    if email.status is EmailStatus.QUEUED:
        return "It is still queued: delivery is under way."
    if email.kind in SINGLE_USE_LINKS:
        return (
            "Its link is single-use and short-lived; the customer asks for a new one from the "
            "sign-in page."
        )
    return ""


def resent_from(email: OutboxEmail) -> str | None:
    """The id of the e-mail this one is a copy of (``resend_email_in``), if it is one."""
    if not email.dedupe_key.startswith(RESENT_PREFIX):
        return None
    return email.dedupe_key[len(RESENT_PREFIX) :].split(":", 1)[0] or None


async def resend_email_in(uow: NotificationsUnit, email_id: str, *, clock: Clock) -> OutboxEmail:
    """Queue a copy of a sent or failed e-mail to the same recipient, with its delivery job, in
    the caller's transaction. The copy is what the customer received (subject, text, HTML,
    attachments; a referenced PDF is read again when it is sent); the original stays as it
    was. Each resend is its own e-mail (``resend:<original id>:<instant>``), so the outbox shows
    every delivery. Refused as ``resend_refusal`` says."""
    original = await uow.emails.get(email_id)
    if original is None:
        raise NotFound(f"no e-mail {email_id}", code=NotificationErrorCode.UNKNOWN_EMAIL)
    refusal = resend_refusal(original)
    if refusal:
        raise InvalidTransition(refusal, code=NotificationErrorCode.NOT_RESENDABLE)
    source = resent_from(original) or original.id
    now = clock.now()
    copy = replace(
        original,
        id=new_id(),
        status=EmailStatus.QUEUED,
        attempts=0,
        last_error=None,
        dedupe_key=f"{RESENT_PREFIX}{source}:{now.astimezone(UTC).isoformat()}:{new_id()[:8]}",
        created_at=now,
        sent_at=None,
    )
    if not await uow.emails.add(copy):
        raise InvalidTransition(
            "That e-mail was resent a moment ago.", code=NotificationErrorCode.NOT_RESENDABLE
        )
    uow.jobs.enqueue(SEND_JOB, unique_key=copy.id, email_id=copy.id)
    return copy


async def _resolve(
    email: OutboxEmail, resolver: AttachmentResolver | None
) -> tuple[Attachment, ...]:
    files: list[Attachment] = []
    for a in email.attachments:
        if isinstance(a, Attachment):
            files.append(a)
        elif resolver is None:
            raise DomainError(
                f"no resolver for the attachment {a.kind}:{a.ref}",
                code=NotificationErrorCode.UNRESOLVED_ATTACHMENT,
            )
        else:
            files.append(await resolver.resolve(a))
    return tuple(files)


async def send_email(
    email_id: str,
    *,
    uow: Callable[[], NotificationsUnit],
    mailer: Mailer,
    clock: Clock,
    resolver: AttachmentResolver | None = None,
    final_attempt: bool = False,
) -> OutboxEmail:
    """Deliver a queued e-mail and mark it sent; an e-mail already sent is left alone (the job
    may run twice).

    ``uow`` is a factory: the e-mail is read in one transaction and the outcome recorded in
    another, so no database transaction stays open while the mail server talks. A failure is
    recorded on the e-mail (attempts, last error) and raised as ``TransientError`` so the job
    retries; on the ``final_attempt``, or when the server refuses the message for good (a
    non-transient ``DomainError``), the e-mail is marked failed. A failed e-mail whose job staff
    retry is sent again.
    """
    async with uow() as reader:
        email = await reader.emails.get(email_id)
    if email is None:
        raise NotFound(f"no e-mail {email_id}", code=NotificationErrorCode.UNKNOWN_EMAIL)
    if email.is_sent:
        return email
    try:
        message = OutgoingMessage(
            email_id=email.id,
            to=email.to,
            subject=email.subject,
            text=email.text_body,
            html=email.html_body,
            attachments=await _resolve(email, resolver),
        )
        await mailer.send(message)
    except TransientError as exc:
        await _record(email_id, uow, f"{exc.code}: {exc.message}", final=final_attempt)
        raise
    except DomainError as exc:
        await _record(email_id, uow, f"{exc.code}: {exc.message}", final=True)
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        await _record(email_id, uow, error, final=final_attempt)
        raise TransientError(error, code=NotificationErrorCode.SEND_FAILED) from exc
    async with uow() as tx:
        current = await tx.emails.get(email_id)
        if current is None or current.is_sent:
            return current or email
        sent = current.mark_sent(at=clock.now())
        await tx.emails.save(sent)
        await tx.commit()
    return sent


async def _record(
    email_id: str, uow: Callable[[], NotificationsUnit], error: str, *, final: bool
) -> None:
    async with uow() as tx:
        current = await tx.emails.get(email_id)
        if current is None or current.is_sent:
            return
        await tx.emails.save(current.record_failure(error, final=final))
        await tx.commit()

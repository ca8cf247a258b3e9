"""The e-mail outbox as staff see it (filtered, paged; one e-mail with its text, HTML and
attachments' names) and resending one.

Reading needs ``Permission.OPERATIONS_READ``; every role holds it, so links that would sign the
reader in as the customer are hidden (``redaction.py``). Resending needs ``OPERATIONS_ACT`` and
a reason: a copy is queued with its delivery job (``notifications.service.resend_email_in``)
and ``email.resent`` audited (on the customer with the recipient's address, when there is one,
so it shows on their record), in one transaction.
"""

from __future__ import annotations

from dataclasses import replace

from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.notifications.errors import NotificationErrorCode
from domain.notifications.model import EmailDetail, OutboxEmail
from domain.notifications.service import resend_email_in, resend_refusal, resent_from
from domain.operations.jobs import check_reason
from domain.operations.model import EmailFilter, EmailResent, EmailView, OutboxView, page_number
from domain.operations.ports import OperationsUnit
from domain.operations.redaction import redact_text
from domain.shared.clock import Clock
from domain.shared.errors import NotFound
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can, require

NO_SUCH_EMAIL = "There is no such e-mail."


async def outbox_page(
    actor: SignedInStaff, where: EmailFilter, *, page: int, uow: OperationsUnit
) -> OutboxView:
    """One page of the outbox matching ``where``, newest first."""
    require(actor, Permission.OPERATIONS_READ)
    async with uow:
        paging = page_number(page, await uow.outbox.count(where))
        rows = await uow.outbox.find(where, limit=paging.per_page, offset=paging.offset)
    return OutboxView(where=where, rows=rows, paging=paging)


async def _get(uow: OperationsUnit, email_id: str) -> OutboxEmail:
    email = await uow.emails.get(email_id)
    if email is None:
        raise NotFound(NO_SUCH_EMAIL, code=NotificationErrorCode.UNKNOWN_EMAIL)
    return email


def _redacted(email: OutboxEmail) -> EmailDetail:
    detail = EmailDetail.of(email)
    return replace(
        detail,
        text_body=redact_text(detail.text_body),
        html_body=redact_text(detail.html_body),
        dedupe_key=redact_text(detail.dedupe_key),
    )


async def email_page(actor: SignedInStaff, email_id: str, *, uow: OperationsUnit) -> EmailView:
    """One e-mail as it was sent, sign-in links hidden; whether this viewer may resend it."""
    require(actor, Permission.OPERATIONS_READ)
    async with uow:
        email = await _get(uow, email_id)
        customer = await uow.customers.get_by_email(email.to)
    refusal = resend_refusal(email)
    return EmailView(
        email=_redacted(email),
        can_resend=not refusal and can(actor.role, Permission.OPERATIONS_ACT),
        resend_refusal=refusal,
        resent_from=resent_from(email),
        customer_id=customer.id if customer else None,
    )


async def resend_email(
    actor: SignedInStaff, email_id: str, *, reason: str, uow: OperationsUnit, clock: Clock
) -> EmailResent:
    """Send an e-mail again to its recipient (a new outbox e-mail; the original is kept), and
    audit ``email.resent``."""
    require(actor, Permission.OPERATIONS_ACT)
    why = check_reason(reason)
    async with uow:
        original = await _get(uow, email_id)
        customer = await uow.customers.get_by_email(original.to)
        copy = await resend_email_in(uow, email_id, clock=clock)
        await record(
            uow,
            new_entry(
                at=copy.created_at, actor=Actor(actor.staff_id, actor.email),
                action="email.resent", object_type="email", object_id=email_id,
                customer_id=customer.id if customer else None, reason=why,
                before={"status": original.status.value, "kind": original.kind.value,
                        "to": original.to},
                after={"copy": copy.id, "status": copy.status.value},
            ),
        )  # fmt: skip
        await uow.commit()
    return EmailResent(original_id=email_id, copy_id=copy.id, to=copy.to, subject=copy.subject)

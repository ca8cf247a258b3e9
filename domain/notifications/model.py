"""The e-mail outbox as data: the notices the product sends, what each one's template needs,
an e-mail at rest (``OutboxEmail``) and the message a ``Mailer`` delivers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any


class EmailKind(StrEnum):
    """Every notice the product sends; each has ``templates/emails/<kind>.subject.txt|.txt|.html``."""

    WELCOME = "welcome"
    RECEIPT = "receipt"
    PAYMENT_FAILED = "payment_failed"
    PAYMENT_ACTION_REQUIRED = "payment_action_required"
    LAST_CHANCE = "last_chance"  # dunning's final notice before the subscription ends
    TRIAL_ENDING = "trial_ending"  # 3 days before the trial ends
    UPCOMING_RENEWAL = "upcoming_renewal"  # 7 days before an annual renewal
    CARD_EXPIRING = "card_expiring"  # 30 days before the card expires
    SUBSCRIPTION_CANCELED = "subscription_canceled"  # ended now
    SUBSCRIPTION_CANCEL_SCHEDULED = "subscription_cancel_scheduled"  # ends at the period end
    SUBSCRIPTION_CANCEL_UNDONE = "subscription_cancel_undone"  # a scheduled end was undone
    SUBSCRIPTION_PAUSED = "subscription_paused"
    SUBSCRIPTION_RESUMED = "subscription_resumed"
    PLAN_CHANGED = "plan_changed"
    PRICE_CHANGE = "price_change"  # a price migration's notice, notice_days before the move
    PASSWORD_RESET = "password_reset"  # noqa: S105  (a notice name, not a secret)
    MAGIC_LINK = "magic_link"
    EMAIL_CHANGE = "email_change"  # the confirmation link (new address) or notice (old one)
    CREDIT_NOTE = "credit_note"  # a refund or account credit was issued (its PDF attached)
    INVOICE = "invoice"  # an open invoice to pay (one-off, net terms; resent by staff), its PDF
    ANALYTICS_SUMMARY = "analytics_summary"  # to staff who opted in: last month's headlines
    # to the owners (staff): an outbound webhook endpoint failed for days and was disabled
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled"


# What each kind's templates read (besides the globals every e-mail has: brand_name and the
# default locale and time zone; ``locale`` and ``timezone`` may be given to override them).
# Amounts are ``Money``, instants aware ``datetime``s, URLs absolute. ``queue_email`` refuses a
# context that lacks one of these keys; the top of each template documents them too.
CONTEXT_KEYS: dict[EmailKind, frozenset[str]] = {
    EmailKind.WEBHOOK_ENDPOINT_DISABLED: frozenset(
        {"endpoint_url", "failing_since", "disabled_at", "endpoint_admin_url"}
    ),
    EmailKind.WELCOME: frozenset({"customer_name", "plan_name", "account_url"}),
    EmailKind.RECEIPT: frozenset(
        {"customer_name", "invoice_number", "amount_paid", "paid_at", "invoice_url", "document"}
    ),
    EmailKind.INVOICE: frozenset(
        {"customer_name", "invoice_number", "amount_due", "due_at", "invoice_url", "document"}
    ),
    EmailKind.PAYMENT_FAILED: frozenset(
        {"customer_name", "invoice_number", "amount_due", "next_retry_at", "update_card_url"}
    ),
    EmailKind.PAYMENT_ACTION_REQUIRED: frozenset(
        {"customer_name", "invoice_number", "amount_due", "action_url"}
    ),
    EmailKind.LAST_CHANCE: frozenset(
        {"customer_name", "invoice_number", "amount_due", "ends_at", "update_card_url"}
    ),
    EmailKind.TRIAL_ENDING: frozenset(
        {"customer_name", "plan_name", "trial_ends_at", "amount", "manage_url"}
    ),
    EmailKind.UPCOMING_RENEWAL: frozenset(
        {"customer_name", "plan_name", "renews_at", "amount", "manage_url"}
    ),
    EmailKind.CARD_EXPIRING: frozenset(
        {"customer_name", "card_brand", "card_last4", "expires_on", "update_card_url"}
    ),
    EmailKind.SUBSCRIPTION_CANCELED: frozenset(
        {"customer_name", "plan_name", "ends_at", "resubscribe_url"}
    ),
    EmailKind.SUBSCRIPTION_CANCEL_SCHEDULED: frozenset(
        {"customer_name", "plan_name", "ends_at", "undo_url"}
    ),
    EmailKind.SUBSCRIPTION_CANCEL_UNDONE: frozenset(
        {"customer_name", "plan_name", "next_billing_at", "manage_url"}
    ),
    EmailKind.SUBSCRIPTION_PAUSED: frozenset(
        {"customer_name", "plan_name", "resumes_at", "manage_url"}
    ),
    EmailKind.SUBSCRIPTION_RESUMED: frozenset(
        {"customer_name", "plan_name", "next_billing_at", "manage_url"}
    ),
    EmailKind.PLAN_CHANGED: frozenset(
        {"customer_name", "old_plan_name", "new_plan_name", "effective_at", "manage_url"}
    ),
    # old_price/new_price: Money per period before tax and discounts; quantity None unless seats
    EmailKind.PRICE_CHANGE: frozenset(
        {
            "customer_name",
            "plan_name",
            "new_plan_name",
            "old_price",
            "new_price",
            "interval",
            "quantity",
            "moves_at",
            "tax_note",
            "manage_url",
        }
    ),
    EmailKind.PASSWORD_RESET: frozenset({"customer_name", "reset_url", "expires_in_minutes"}),
    EmailKind.MAGIC_LINK: frozenset({"sign_in_url", "expires_in_minutes"}),
    # confirm_url "" for the notice sent to the old address
    EmailKind.EMAIL_CHANGE: frozenset(
        {"customer_name", "new_email", "confirm_url", "expires_in_minutes"}
    ),
    # document: the CreditNoteDocument (lines, totals, refunded and credited parts)
    EmailKind.CREDIT_NOTE: frozenset(
        {"customer_name", "credit_note_number", "invoice_number", "document", "credit_note_url"}
    ),
    # to a staff member: mrr/net_new_mrr Money or None (a rate missing), logo_churn "4.2%" or "—"
    EmailKind.ANALYTICS_SUMMARY: frozenset(
        {
            "staff_name",
            "month",
            "mrr",
            "net_new_mrr",
            "new_customers",
            "churned_customers",
            "logo_churn",
            "missing_rates",
            "dashboard_url",
        }
    ),
}


def dedupe_key(kind: EmailKind, *parts: str | datetime | date) -> str:
    """``<kind>:<part>:<part>``: the identity of "the same notice about the same thing"
    (``receipt:<invoice id>``, ``trial_ending:<subscription id>:<trial end>``). Instants are
    written in UTC ISO form so the key does not depend on the caller's time zone."""
    rendered = [
        p.astimezone(UTC).isoformat()
        if isinstance(p, datetime)
        else p.isoformat()
        if isinstance(p, date)
        else p
        for p in parts
    ]
    return ":".join([kind.value, *rendered])


class EmailStatus(StrEnum):
    QUEUED = "queued"  # waiting for (another) delivery attempt
    SENT = "sent"  # the mail server accepted it
    FAILED = "failed"  # out of attempts, or refused for good; last_error says why


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file carried in the outbox row itself."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """A file resolved when the e-mail is sent (``kind="invoice_pdf"``, ``ref=<invoice id>``), so
    the outbox does not copy large or not-yet-rendered documents."""

    kind: str
    ref: str
    filename: str
    content_type: str = "application/pdf"


@dataclass(frozen=True, slots=True)
class EmailDraft:
    """A notice to queue (``queue_emails_in``): its kind, recipient, the context its templates
    read (``CONTEXT_KEYS``), its dedupe key and attachments; rendered when queued."""

    kind: EmailKind
    to: str
    context: Mapping[str, Any]
    dedupe_key: str
    attachments: tuple[Attachment | AttachmentRef, ...] = ()


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class OutboxEmail:
    """One e-mail, rendered when it was queued: the outbox shows exactly what was (or will be)
    sent. ``dedupe_key`` is unique: a notice is queued once for the thing it is about."""

    id: str
    kind: EmailKind
    to: str
    subject: str
    text_body: str
    html_body: str
    attachments: tuple[Attachment | AttachmentRef, ...]
    status: EmailStatus
    attempts: int
    last_error: str | None
    dedupe_key: str
    created_at: datetime
    sent_at: datetime | None = None

    @property
    def is_sent(self) -> bool:
        return self.status is EmailStatus.SENT

    def mark_sent(self, *, at: datetime) -> OutboxEmail:
        """Delivered: counts the attempt; an earlier attempt's error stays as history."""
        return replace(self, status=EmailStatus.SENT, attempts=self.attempts + 1, sent_at=at)

    def record_failure(self, error: str, *, final: bool) -> OutboxEmail:
        """A failed attempt; ``final`` (no attempt left, or a permanent refusal) marks it failed,
        otherwise it stays queued for the next attempt."""
        return replace(
            self,
            status=EmailStatus.FAILED if final else EmailStatus.QUEUED,
            attempts=self.attempts + 1,
            last_error=error[:4000],
        )


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """What a ``Mailer`` delivers: one recipient, a text and an HTML part, resolved attachments.
    ``email_id`` gives a stable Message-ID, so a re-delivery is recognisable as the same mail."""

    email_id: str
    to: str
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    filename: str
    content_type: str
    size: int | None  # None: a reference resolved at send time
    ref: str | None


@dataclass(frozen=True, slots=True)
class EmailSummary:
    """A line of the outbox list."""

    id: str
    kind: EmailKind
    to: str
    subject: str
    status: EmailStatus
    attempts: int
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class EmailDetail:
    """One e-mail as the outbox page shows it."""

    id: str
    kind: EmailKind
    to: str
    subject: str
    text_body: str
    html_body: str
    attachments: tuple[AttachmentInfo, ...]
    status: EmailStatus
    attempts: int
    last_error: str | None
    dedupe_key: str
    created_at: datetime
    sent_at: datetime | None

    @staticmethod
    def of(email: OutboxEmail) -> EmailDetail:
        return EmailDetail(
            id=email.id,
            kind=email.kind,
            to=email.to,
            subject=email.subject,
            text_body=email.text_body,
            html_body=email.html_body,
            attachments=tuple(
                AttachmentInfo(a.filename, a.content_type, len(a.content), None)
                if isinstance(a, Attachment)
                else AttachmentInfo(a.filename, a.content_type, None, f"{a.kind}:{a.ref}")
                for a in email.attachments
            ),
            status=email.status,
            attempts=email.attempts,
            last_error=email.last_error,
            dedupe_key=email.dedupe_key,
            created_at=email.created_at,
            sent_at=email.sent_at,
        )

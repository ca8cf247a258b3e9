"""Which notices the product sends, and when.

Billing, payments and subscriptions never render e-mails: inside their own transaction they
enqueue ``notifications.notify`` with the kind, the ids it is about and a dedupe key
(``notify_later``). The job then reads what the e-mail needs (the customer, the invoice, the
plan, the next retry) and queues it in the outbox, so the notice exists exactly when the change
it reports was committed, and never twice. A daily scan (``scan_notices``) sends the notices
that come from time alone: trial ending (3 days before), upcoming annual renewal (7 days
before) and card expiring (30 days before the end of its expiry month).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from domain.accounts.model import Account
from domain.accounts.rules import wants_notice
from domain.billing.config import BillingConfig
from domain.billing.issued import IssuedInvoice
from domain.customers.model import Customer
from domain.documents.credit_note_document import build_credit_note_document
from domain.documents.invoice_document import DEMO_SELLER, Seller, build_invoice_document
from domain.notices.ports import NoticesUnit
from domain.notifications.later import notify_later
from domain.notifications.model import AttachmentRef, EmailKind, dedupe_key
from domain.notifications.ports import EmailRenderer
from domain.notifications.service import queue_email_in
from domain.outbound.events import EventType, emit
from domain.payments.dunning import DunningCase
from domain.shared.clock import Clock
from domain.shared.display import DisplayPreferences
from domain.shared.ids import CustomerId, SubscriptionId
from domain.shared.money import Money
from domain.shared.periods import IntervalUnit
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.events import subscription_data
from domain.subscriptions.reads import upcoming_invoices_in

TRIAL_ENDING_BEFORE = timedelta(days=3)
RENEWAL_NOTICE_BEFORE = timedelta(days=7)
CARD_EXPIRY_NOTICE_BEFORE = timedelta(days=30)


async def notify(
    kind: EmailKind,
    *,
    customer_id: str,
    key: str,
    invoice_id: str | None,
    subscription_id: str | None,
    extra: Mapping[str, Any],
    uow: NoticesUnit,
    clock: Clock,
    renderer: EmailRenderer,
    public_url: str,
    config: BillingConfig,
    credit_note_id: str | None = None,
    seller: Seller = DEMO_SELLER,
) -> None:
    async with uow:
        customer = await uow.customers.get(CustomerId(customer_id))
        if customer is None:
            return
        owner = await uow.accounts.get_by_customer(customer_id)
        if not wants_notice(owner, kind):
            return  # an optional notice the subscriber turned off in their profile
        account = f"{public_url}/account"
        context = customer_context(customer, owner, account)
        attachments: list[AttachmentRef] = []
        if invoice_id is not None:
            issued = await uow.invoices.get(invoice_id)
            if issued is None:
                return
            case = await uow.dunning.get(invoice_id)
            about, files = invoice_context(kind, issued, case, account=account, seller=seller)
            context |= about
            attachments.extend(files)
        if credit_note_id is not None:
            note = await uow.credit_notes.get(credit_note_id)
            credited = await uow.invoices.get(note.invoice_id) if note is not None else None
            if note is None or credited is None:
                return
            document = build_credit_note_document(note, credited, seller)
            context |= {
                "credit_note_number": note.number,
                "invoice_number": document.invoice_number,
                "document": document,
                "credit_note_url": f"{account}/credit-notes/{credit_note_id}",
            }
            attachments.append(AttachmentRef("credit_note_pdf", credit_note_id, document.filename))
        if subscription_id is not None:
            sub = await uow.subscriptions.get(SubscriptionId(subscription_id))
            if sub is None:
                return
            plan = await uow.plans.get(sub.plan_id)
            context |= {
                "plan_name": plan.name if plan else "",
                "manage_url": account,
                # the subscription's page: "Keep my subscription" undoes a scheduled end there
                "undo_url": f"{account}/subscriptions/{sub.id}",
                "resubscribe_url": f"{public_url}/pricing",
                "next_billing_at": sub.period_end,
                "resumes_at": sub.resume_at,
                "renews_at": sub.period_end,
                "trial_ends_at": sub.period_end,
            }
            if kind is EmailKind.SUBSCRIPTION_CANCELED:
                context["ends_at"] = sub.canceled_at or sub.period_end
            if kind is EmailKind.SUBSCRIPTION_CANCEL_SCHEDULED:
                context["ends_at"] = sub.period_end
            if kind in (EmailKind.TRIAL_ENDING, EmailKind.UPCOMING_RENEWAL):
                upcoming = await upcoming_invoices_in(
                    uow, sub.id, now=clock.now(), config=config, months=13
                )
                first = upcoming[0] if upcoming else None
                context["amount"] = (
                    Money.of_minor(first.amount_due, first.currency) if first else None
                )
        context |= {k: _instant(v) for k, v in extra.items()}
        if str(context.get("action_url", "")).startswith("/"):
            context["action_url"] = f"{public_url}{context['action_url']}"
        await queue_email_in(
            uow,
            kind,
            to=customer.email,
            context=context,
            dedupe_key=key,
            clock=clock,
            renderer=renderer,
            attachments=attachments,
        )
        await uow.commit()


def customer_context(customer: Customer, owner: Account | None, account: str) -> dict[str, Any]:
    """What every notice to a customer reads (``account``: the portal's absolute URL)."""
    return {
        "customer_name": customer.name,
        # the recipient's language, digits and calendar (the renderer resolves them)
        "display_preferences": owner.display if owner is not None else DisplayPreferences(),
        "timezone": customer.timezone,
        "update_card_url": f"{account}/payment-methods",
    }


def invoice_context(
    kind: EmailKind,
    issued: IssuedInvoice,
    case: DunningCase | None,
    *,
    account: str,
    seller: Seller,
) -> tuple[dict[str, Any], list[AttachmentRef]]:
    """What a notice about an invoice reads, and its attachments: a receipt's or an invoice's
    PDF is a reference, rendered when the e-mail is sent (never while queueing it)."""
    inv = issued.invoice
    context: dict[str, Any] = {
        "invoice_number": issued.number,
        "amount_due": Money.of_minor(inv.amount_due, inv.currency),
        "amount_paid": Money.of_minor(inv.amount_due, inv.currency),
        "paid_at": issued.paid_at,
        "invoice_url": f"{account}/invoices/{issued.id}",
        "next_retry_at": case.next_attempt_at if case else None,
        "ends_at": case.next_attempt_at if case else None,
        "due_at": issued.due_at,
    }
    attachments: list[AttachmentRef] = []
    if kind in (EmailKind.RECEIPT, EmailKind.INVOICE):
        # the lines and totals, as the attached PDF shows them
        context["document"] = build_invoice_document(issued, seller)
        attachments.append(AttachmentRef("invoice_pdf", issued.id, f"{issued.number}.pdf"))
    return context, attachments


def _instant(value: Any) -> Any:
    """Job kwargs are JSON: instants travel as ISO strings, amounts as [minor, currency]."""
    if isinstance(value, str) and len(value) >= 20 and value[4] == "-" and "T" in value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int):
        return Money.of_minor(value[0], str(value[1]))
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


async def scan_notices(*, uow: Callable[[], NoticesUnit], clock: Clock, limit: int = 10_000) -> int:
    """Queue the time-driven notices due as of now (each once, by its dedupe key)."""
    now = clock.now()
    queued = 0
    async with uow() as reader:
        due = await reader.subscriptions.due(now + RENEWAL_NOTICE_BEFORE, limit=limit)
        subs = [s for s in [await reader.subscriptions.get(d.id) for d in due] if s is not None]
        plans = {s.plan_id: await reader.plans.get(s.plan_id) for s in subs}
        month_start = (now + CARD_EXPIRY_NOTICE_BEFORE).replace(
            day=1, hour=0, minute=0, second=0, microsecond=0
        )
        cards = await reader.payment_methods.expiring(month_start, month_start)
    async with uow() as writer:
        for sub in subs:
            plan = plans.get(sub.plan_id)
            if (
                sub.status is SubscriptionStatus.TRIALING
                and sub.period_end - now <= TRIAL_ENDING_BEFORE
            ):
                key = dedupe_key(EmailKind.TRIAL_ENDING, sub.id, sub.period_end)
                await emit(
                    writer, EventType.SUBSCRIPTION_TRIAL_WILL_END, subscription_data(sub),
                    at=now, key=f"trial_will_end:{sub.id}:{sub.period_end.isoformat()}",
                )  # fmt: skip
                notify_later(
                    writer,
                    EmailKind.TRIAL_ENDING,
                    customer_id=sub.customer_id,
                    key=key,
                    subscription_id=sub.id,
                )
                queued += 1
            elif (
                sub.status is SubscriptionStatus.ACTIVE
                and not sub.cancel_at_period_end
                and plan is not None
                and plan.interval.unit is IntervalUnit.YEAR
            ):
                key = dedupe_key(EmailKind.UPCOMING_RENEWAL, sub.id, sub.period_end)
                notify_later(
                    writer,
                    EmailKind.UPCOMING_RENEWAL,
                    customer_id=sub.customer_id,
                    key=key,
                    subscription_id=sub.id,
                )
                queued += 1
        for card in cards:
            key = dedupe_key(EmailKind.CARD_EXPIRING, card.id, f"{card.exp_year}-{card.exp_month}")
            notify_later(
                writer,
                EmailKind.CARD_EXPIRING,
                customer_id=card.customer_id,
                key=key,
                card_brand=card.brand,
                card_last4=card.last4,
                expires_on=_month_end(card.exp_year, card.exp_month).isoformat(),
            )
            queued += 1
        await writer.commit()
    return queued


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)

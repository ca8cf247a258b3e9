"""What the subscription actions share: the target (one of the customer's subscriptions), the
engine's invoices and credit notes as preview lines, the instant a preview was computed at (the
command then runs at that same instant) and the support role's limit on money given back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.billing.issued import BillingReason
from domain.billing.model import CreditNote, Invoice
from domain.shared.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from domain.shared.ids import SubscriptionId
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can
from domain.subscriptions.command_previews import (
    CommandPreview,
    Step,
    check_as_previewed,
    preview_command_in,
    run_previewed_in,
)
from domain.subscriptions.model import Subscription
from domain.subscriptions.outcome import Outcome
from domain.support.actions.base import ActionPreview, ActionServices, MoneyLine
from domain.support.ports import ActionsUnit

AT = "effective_at"  # the preview's "after" key holding the instant it was computed at


async def owned_subscription(uow: ActionsUnit, customer_id: str, target_id: str) -> Subscription:
    sub = await uow.subscriptions.get(SubscriptionId(target_id))
    if sub is None or sub.customer_id != customer_id:
        raise NotFound(
            "This customer has no such subscription.", code="support.no_such_subscription"
        )
    return sub


async def plan_name(uow: ActionsUnit, sub: Subscription) -> str:
    plan = await uow.plans.get(sub.plan_id)
    return plan.name if plan is not None else "the subscription"


def day(at: datetime, sub: Subscription) -> str:
    """``at`` as a day in the subscription's time zone: "Apr 1, 2024"."""
    local = at.astimezone(ZoneInfo(sub.timezone))
    return f"{local:%b} {local.day}, {local.year}"


def effective_at(preview: ActionPreview) -> datetime:
    """The instant the preview was computed at: confirming runs the command at it."""
    return datetime.fromisoformat(str(preview.after[AT]))


def invoice_lines(invoice: Invoice, *, prefix: str = "") -> tuple[MoneyLine, ...]:
    """The invoice's lines as shown on it, then its discount, tax (when added) and the credit
    applied from the balance, so the lines add up to its amount due."""

    def money(minor: int) -> Money:  # fmt: skip
        return Money.of_minor(minor, invoice.currency)

    lines = [
        MoneyLine(
            prefix + line.description,
            money(line.amount),
            line.shown_detail,
            billed=True,
            period=line.period,
            lead=prefix,
        )
        for line in invoice.shown_lines
    ]
    if invoice.discount:
        lines.append(MoneyLine(prefix + "Discount", money(-invoice.discount), lead=prefix))
    added_tax = invoice.total - (invoice.subtotal - invoice.discount)
    if added_tax:
        lines.append(MoneyLine(prefix + "Tax", money(added_tax), lead=prefix))
    if invoice.credit_applied:
        lines.append(MoneyLine(prefix + "Paid from the account's credit",
                               money(-invoice.credit_applied), lead=prefix))  # fmt: skip
    return tuple(lines)


def credit_note_lines(note: CreditNote, currency: str) -> tuple[MoneyLine, ...]:
    """The credit note's lines, its share of the invoice's discount and its tax (when added):
    they add up to its total."""

    def money(minor: int) -> Money:  # fmt: skip
        return Money.of_minor(minor, currency)

    lines = [MoneyLine(line.description, money(line.amount), line.shown_detail, billed=True)
             for line in note.lines if line.amount]  # fmt: skip
    if note.discount:
        lines.append(MoneyLine("Discount", money(-note.discount)))
    added_tax = note.total - (note.subtotal - note.discount)
    if added_tax:
        lines.append(MoneyLine("Tax", money(added_tax)))
    return tuple(lines)


def due_first_note(cp: CommandPreview) -> tuple[str, ...]:
    """Renewals the scheduler has not billed yet are billed first, as every command does."""
    if not cp.due_first:
        return ()
    total = Money.of_minor(sum(i.amount_due for i in cp.due_first), cp.before.currency)
    return (f"{len(cp.due_first)} renewal invoice(s) already due ({total}) are issued first.",)


def only_fields(exc: ValidationFailed, names: Iterable[str]) -> ValidationFailed:
    """``exc`` with messages for fields the form does not have moved to the page's top."""
    known = set(names)
    errors: dict[str, str] = {}
    for name, message in exc.field_errors.items():
        key = name if name in known else ""
        errors[key] = f"{errors[key]} {message}" if key in errors else message
    return ValidationFailed(errors, code=exc.code)


def refuse_state(message: str) -> InvalidTransition:
    return InvalidTransition(message, code="support.subscription_state")


def state(sub: Subscription) -> dict[str, Any]:
    """The subscription's state for the audit entry's "before"."""
    return {
        "status": sub.status.value,
        "cancel_at_period_end": sub.cancel_at_period_end,
        "period_end": sub.period_end.isoformat(),
        "resume_at": sub.resume_at.isoformat() if sub.resume_at else None,
    }


def after_state(cp: CommandPreview, **more: Any) -> Mapping[str, Any]:
    return {
        AT: cp.at.isoformat(),
        "status": cp.status.value,
        "cancel_at_period_end": cp.cancel_at_period_end,
        "period_end": cp.period_end.isoformat(),
        "resume_at": cp.resume_at.isoformat() if cp.resume_at else None,
        **more,
    }


def check_money_back(actor: SignedInStaff, amount: Money | None, svc: ActionServices) -> None:
    """Money given back (refunded or credited) by support stays within the refund limit; the
    billing role gives back any amount (as ``RefundInvoice`` does)."""
    if amount is None or amount.minor <= 0 or can(actor.role, Permission.MONEY_ACT):
        return
    limit = svc.refund_limits.limit(amount.currency)
    if not can(actor.role, Permission.REFUND_UP_TO_LIMIT) or amount > limit:
        raise PermissionDenied(
            f"Your role gives back at most {limit} at once; ask a billing colleague.",
            code="support.refund_over_limit",
        )


async def run_as_previewed(
    uow: ActionsUnit,
    svc: ActionServices,
    target_id: str,
    step: Step,
    preview: ActionPreview,
    *,
    reason: BillingReason,
) -> tuple[CommandPreview, Outcome]:
    """Run ``step`` on the subscription at the instant ``preview`` was computed at, checking
    it issued exactly what the engine copy did at that instant (the confirm's own preview)."""
    at = effective_at(preview)
    sub_id = SubscriptionId(target_id)
    cp = await preview_command_in(uow, sub_id, step, at=at, config=svc.config, lock=True)
    outcome = await run_previewed_in(uow, sub_id, step, at=at, reason=reason, config=svc.config)
    check_as_previewed(cp, outcome)
    return cp, outcome

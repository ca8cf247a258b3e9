"""Refund a paid invoice, in full or in part, to the card that paid it or as account credit."""

from __future__ import annotations

from collections.abc import Mapping

from domain.billing.issued import CreditNoteReason
from domain.billing.model import InvoiceStatus
from domain.payments.refunds import plan_refund_in, refund_credit_note, refund_invoice_in
from domain.shared.errors import NotFound, PermissionDenied
from domain.shared.message import said
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can
from domain.support.actions.base import (
    ActionField,
    ActionPreview,
    ActionServices,
    Executed,
    FieldKind,
    MoneyLine,
    StaffAction,
    TargetKind,
)
from domain.support.actions.inputs import choice_field, money_field
from domain.support.ports import ActionsUnit

TO_CARD = "card"
TO_BALANCE = "balance"
REASONS = tuple((r.value, r.value.replace("_", " ").capitalize()) for r in CreditNoteReason)


class RefundInvoice(StaffAction):
    code = "invoice.refund"
    title = "Refund invoice"
    verb = "Refund"
    target = TargetKind.INVOICE
    permission = Permission.REFUND_UP_TO_LIMIT
    moves_money = True
    when = frozenset({InvoiceStatus.PAID.value})
    fields = (
        ActionField("amount", "Amount", FieldKind.MONEY, required=False,
                    help="Leave empty to refund everything left."),
        ActionField("to", "Refund to", FieldKind.CHOICE,
                    choices=((TO_CARD, "The card that paid"), (TO_BALANCE, "Account credit"))),
        ActionField("credit_reason", "Credit note reason", FieldKind.CHOICE, choices=REASONS),
    )  # fmt: skip

    def authorize(self, actor: SignedInStaff, preview: ActionPreview, svc: ActionServices) -> None:
        super().authorize(actor, preview, svc)
        if preview.total is None or can(actor.role, Permission.MONEY_ACT):
            return
        limit = svc.refund_limits.limit(preview.total.currency)
        if preview.total > limit:
            raise PermissionDenied(
                f"Your role refunds at most {limit} at once; ask a billing colleague.",
                code="support.refund_over_limit",
            )

    async def preview(
        self,
        uow: ActionsUnit,
        svc: ActionServices,
        *,
        customer_id: str,
        target_id: str,
        raw: Mapping[str, str],
        lock: bool,
    ) -> ActionPreview:
        issued = await uow.invoices.get(target_id)
        if issued is None or issued.customer_id != customer_id:
            raise NotFound("This customer has no such invoice.", code="support.no_such_invoice")
        currency = issued.invoice.currency
        amount = money_field(raw, "amount", currency, required=False)
        to = choice_field(raw, "to", (TO_CARD, TO_BALANCE), TO_CARD)
        why = choice_field(raw, "credit_reason", (r for r, _ in REASONS),
                           CreditNoteReason.PRODUCT_UNSATISFACTORY.value)  # fmt: skip
        plan = await plan_refund_in(
            uow, target_id, None if amount is None else amount.minor, config=svc.config, lock=lock
        )
        total = Money.of_minor(plan.amount, currency)
        if to == TO_CARD:
            if plan.card is None:
                effect = "refunded to the payment that settled it"
            else:
                effect = f"refunded to {plan.card.brand.title()} •••• {plan.card.last4}"
        else:
            effect = "credited to the customer's balance, used by their next invoices"
        lines = [MoneyLine(f"Refund of invoice {issued.number}", total,
                           f"including {Money.of_minor(plan.tax, currency)} tax" if plan.tax else "")]  # fmt: skip
        left_after = Money.of_minor(plan.left - plan.amount, currency)
        notes = ["A credit note is issued for this amount and e-mailed to the customer."]
        if to == TO_CARD and plan.card is None:
            notes.append("No card payment is on record for this invoice: the refund would fail; "
                         "refund as account credit instead.")  # fmt: skip
        return ActionPreview(
            summary=(
                f"Refund invoice {issued.number} in full"
                if plan.amount == plan.left
                else f"Refund part of invoice {issued.number}"
            ),
            terms={"amount": str(total.to_decimal_string()), "to": to, "credit_reason": why},
            lines=tuple(lines),
            total=total,
            effect=effect,
            notes=tuple(notes),
            facts=(MoneyLine(f"Left to refund on {issued.number} afterwards", left_after),),
            before={
                "invoice": issued.number,
                "left_to_refund": str(Money.of_minor(plan.left, currency)),
            },
            after={"invoice": issued.number, "to": to, "left_to_refund": str(left_after)},
        )

    async def execute(
        self,
        uow: ActionsUnit,
        svc: ActionServices,
        *,
        actor: SignedInStaff,
        customer_id: str,
        target_id: str,
        preview: ActionPreview,
        reason: str,
    ) -> Executed:
        assert preview.total is not None  # a refund's preview always has its amount
        plan = await plan_refund_in(uow, target_id, preview.total.minor, config=svc.config)
        to_balance = preview.terms["to"] == TO_BALANCE
        note = await refund_invoice_in(
            uow,
            plan,
            to_balance=to_balance,
            reason=CreditNoteReason(preview.terms["credit_reason"]),
            now=svc.clock.now(),
            config=svc.config,
        )

        async def send() -> None:
            await refund_credit_note(note.id, uow=svc.uow, gateway=svc.gateway, clock=svc.clock)

        return Executed(
            object_type="invoice",
            object_id=target_id,
            message=(
                said(
                    "Refunded invoice %(number)s: credit note %(note)s, credited to the balance.",
                    number=plan.issued.number,
                    note=note.note.number,
                )
                if to_balance
                else said(
                    "Refunded invoice %(number)s: credit note %(note)s, sent to the card.",
                    number=plan.issued.number,
                    note=note.note.number,
                )
            ),
            after={"credit_note": note.note.number},
            after_commit=None if to_balance else send,
        )

"""Issue a credit note on an open or paid invoice: on an open one it lowers what the invoice
owes, on a paid one it credits the customer's balance (``domain/payments/credits.py``)."""

from __future__ import annotations

from collections.abc import Mapping

from domain.billing.issued import CreditNoteReason
from domain.billing.model import InvoiceStatus
from domain.payments.credits import credit_invoice_in, plan_credit_in
from domain.shared.message import said
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
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
from domain.support.actions.refund import REASONS
from domain.support.actions.targets import customer_invoice
from domain.support.ports import ActionsUnit


class IssueCreditNote(StaffAction):
    code = "invoice.credit_note"
    title = "Issue credit note"
    verb = "Issue credit note"
    target = TargetKind.INVOICE
    permission = Permission.MONEY_ACT
    moves_money = True
    when = frozenset({InvoiceStatus.OPEN.value, InvoiceStatus.PAID.value})
    fields = (
        ActionField("amount", "Amount", FieldKind.MONEY, help="Tax included, as on the invoice."),
        ActionField("credit_reason", "Reason on the credit note", FieldKind.CHOICE,
                    choices=REASONS),
    )  # fmt: skip

    async def preview(
        self, uow: ActionsUnit, svc: ActionServices, *, customer_id: str, target_id: str,
        raw: Mapping[str, str], lock: bool,
    ) -> ActionPreview:  # fmt: skip
        issued = await customer_invoice(uow, customer_id, target_id, lock=lock)
        number = issued.number or ""
        currency = issued.invoice.currency
        amount = money_field(raw, "amount", currency)
        assert amount is not None
        why = choice_field(raw, "credit_reason", (r for r, _ in REASONS),
                           CreditNoteReason.PRODUCT_UNSATISFACTORY.value)  # fmt: skip
        plan = await plan_credit_in(uow, target_id, amount.minor, config=svc.config, lock=lock)
        tax = Money.of_minor(plan.tax, currency)
        due = Money.of_minor(issued.invoice.amount_due, currency)
        facts: tuple[MoneyLine, ...]
        notes = ["A credit note is issued for this amount and e-mailed to the customer with its "
                 "PDF; it shows in their portal."]  # fmt: skip
        if plan.reduces_invoice:
            after_due = Money.of_minor(issued.invoice.amount_due - plan.amount, currency)
            effect = f"taken off what invoice {number} owes"
            facts = (MoneyLine(f"Owed on {number} now", due),
                     MoneyLine(f"Owed on {number} afterwards", after_due))  # fmt: skip
            if after_due.minor == 0:
                notes.append(f"Nothing is left to pay: invoice {number} is marked paid and its "
                             "dunning, if any, ends.")  # fmt: skip
            after = {"amount_due": str(after_due)}
        else:
            effect = "credited to the customer's balance, used by their next invoices"
            facts = (MoneyLine(f"Left to credit on {number} afterwards",
                               Money.of_minor(plan.left - plan.amount, currency)),)  # fmt: skip
            after = {"to": "balance"}
        return ActionPreview(
            summary=f"Credit note on invoice {number}",
            terms={"amount": amount.to_decimal_string(), "credit_reason": why},
            lines=(
                MoneyLine(
                    f"Credit for invoice {number}",
                    amount,
                    f"including {tax} tax" if plan.tax else "",
                ),
            ),
            total=amount,
            effect=effect,
            notes=tuple(notes),
            facts=facts,
            before={"invoice": number, "status": issued.status.value, "amount_due": str(due)},
            after=after,
        )

    async def execute(
        self, uow: ActionsUnit, svc: ActionServices, *, actor: SignedInStaff, customer_id: str,
        target_id: str, preview: ActionPreview, reason: str,
    ) -> Executed:  # fmt: skip
        assert preview.total is not None
        plan = await plan_credit_in(uow, target_id, preview.total.minor, config=svc.config)
        note = await credit_invoice_in(
            uow, plan, reason=CreditNoteReason(preview.terms["credit_reason"]),
            now=svc.clock.now(), config=svc.config,
        )  # fmt: skip
        return Executed(
            "invoice", target_id,
            said("Issued credit note %(note)s on invoice %(number)s.", note=note.number,
                 number=plan.issued.number),
            after={"credit_note": note.number},
        )  # fmt: skip

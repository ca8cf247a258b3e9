"""Settle an open invoice without charging it: void it, mark it uncollectible, or record a
payment that came outside the gateway (bank transfer, cheque). What each does around the status
(dunning, the subscription, the receipt) is ``domain/payments/settlement.py``'s."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from domain.billing.issued import OfflineMethod, OfflinePayment
from domain.billing.model import InvoiceStatus
from domain.payments.settlement import pay_offline_in, settlement_effect, void_in, write_off_in
from domain.shared.errors import InvalidTransition
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
from domain.support.actions.inputs import choice_field, date_field, refuse, text_field
from domain.support.actions.targets import customer_invoice, effect_notes, owed
from domain.support.ports import ActionsUnit

OPEN = InvoiceStatus.OPEN.value
UNCOLLECTIBLE = InvoiceStatus.UNCOLLECTIBLE.value
METHODS = tuple((m.value, m.value.replace("_", " ").capitalize()) for m in OfflineMethod)


def _refuse_unless(
    status: InvoiceStatus, allowed: set[InvoiceStatus], number: str, what: str
) -> None:
    if status not in allowed:
        raise InvalidTransition(
            f"Invoice {number} is {status.value}; only an "
            + " or ".join(sorted(s.value for s in allowed))
            + f" invoice can be {what}.",
            code="support.invoice_state",
        )


class VoidInvoice(StaffAction):
    code = "invoice.void"
    title = "Void invoice"
    verb = "Void invoice"
    target = TargetKind.INVOICE
    permission = Permission.MONEY_ACT
    moves_money = True
    when = frozenset({OPEN, UNCOLLECTIBLE})

    async def preview(
        self, uow: ActionsUnit, svc: ActionServices, *, customer_id: str, target_id: str,
        raw: Mapping[str, str], lock: bool,
    ) -> ActionPreview:  # fmt: skip
        issued = await customer_invoice(uow, customer_id, target_id, lock=lock)
        number = issued.number or ""
        _refuse_unless(issued.status, {InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE}, number,
                       "voided (credit a paid one with a credit note)")  # fmt: skip
        due = owed(issued)
        effect = await settlement_effect(uow, issued, InvoiceStatus.VOID)
        notes = [f"The customer then owes nothing for {number}; it stays numbered, marked void, "
                 "in their portal and on its PDF. No e-mail is sent."]  # fmt: skip
        notes += effect_notes(effect)
        if issued.invoice.credit_applied:
            credit = Money.of_minor(issued.invoice.credit_applied, issued.invoice.currency)
            notes.append(f"{credit} of credit applied to it is not given back: grant it again "
                         "as balance credit if you want to.")  # fmt: skip
        return ActionPreview(
            summary=f"Void invoice {number}",
            terms={},
            lines=(MoneyLine(f"Owed on {number}, no longer due", due),),
            effect="Nothing moves: the invoice is cancelled for the record.",
            notes=tuple(notes),
            facts=(MoneyLine("Owed afterwards", Money.zero(due.currency)),),
            before={"invoice": number, "status": issued.status.value, "amount_due": str(due)},
            after={"status": InvoiceStatus.VOID.value},
        )

    async def execute(
        self, uow: ActionsUnit, svc: ActionServices, *, actor: SignedInStaff, customer_id: str,
        target_id: str, preview: ActionPreview, reason: str,
    ) -> Executed:  # fmt: skip
        issued = await void_in(uow, target_id, now=svc.clock.now(), config=svc.config)
        return Executed(
            "invoice", target_id, said("Voided invoice %(number)s.", number=issued.number)
        )


class MarkUncollectible(StaffAction):
    code = "invoice.mark_uncollectible"
    title = "Mark invoice uncollectible"
    verb = "Mark uncollectible"
    target = TargetKind.INVOICE
    permission = Permission.MONEY_ACT
    moves_money = True
    when = frozenset({OPEN})

    async def preview(
        self, uow: ActionsUnit, svc: ActionServices, *, customer_id: str, target_id: str,
        raw: Mapping[str, str], lock: bool,
    ) -> ActionPreview:  # fmt: skip
        issued = await customer_invoice(uow, customer_id, target_id, lock=lock)
        number = issued.number or ""
        _refuse_unless(issued.status, {InvoiceStatus.OPEN}, number, "marked uncollectible")
        due = owed(issued)
        effect = await settlement_effect(uow, issued, InvoiceStatus.UNCOLLECTIBLE)
        notes = [f"{due} stays owed on {number} but is written off as bad debt: it is not "
                 "retried any more. The customer may still pay it from their portal; staff may "
                 "record a payment or void it later."]  # fmt: skip
        notes += effect_notes(effect)
        return ActionPreview(
            summary=f"Mark invoice {number} uncollectible",
            terms={},
            lines=(MoneyLine(f"Owed on {number}, written off", due),),
            effect="Nothing moves: the amount is written off as bad debt.",
            notes=tuple(notes),
            before={"invoice": number, "status": issued.status.value, "amount_due": str(due)},
            after={"status": InvoiceStatus.UNCOLLECTIBLE.value},
        )

    async def execute(
        self, uow: ActionsUnit, svc: ActionServices, *, actor: SignedInStaff, customer_id: str,
        target_id: str, preview: ActionPreview, reason: str,
    ) -> Executed:  # fmt: skip
        issued = await write_off_in(uow, target_id, now=svc.clock.now(), config=svc.config)
        return Executed(
            "invoice",
            target_id,
            said("Marked invoice %(number)s uncollectible.", number=issued.number),
        )


class RecordOfflinePayment(StaffAction):
    code = "invoice.record_payment"
    title = "Record a payment (bank transfer, cheque)"
    verb = "Record payment"
    target = TargetKind.INVOICE
    permission = Permission.MONEY_ACT
    moves_money = True
    when = frozenset({OPEN, UNCOLLECTIBLE})
    fields = (
        ActionField("method", "Paid by", FieldKind.CHOICE, choices=METHODS),
        ActionField("reference", "Reference", help="The bank transfer's or cheque's reference.",
                    max_length=100),
        ActionField("received_on", "Received on", FieldKind.DATE),
    )  # fmt: skip

    async def preview(
        self, uow: ActionsUnit, svc: ActionServices, *, customer_id: str, target_id: str,
        raw: Mapping[str, str], lock: bool,
    ) -> ActionPreview:  # fmt: skip
        issued = await customer_invoice(uow, customer_id, target_id, lock=lock)
        number = issued.number or ""
        _refuse_unless(issued.status, {InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE}, number,
                       "paid")  # fmt: skip
        if not raw.get("reference", "").strip() and not raw.get("received_on", "").strip():
            # the empty form: one message, not one under each input
            raise refuse("", "Enter the payment's reference and the day the money arrived.")
        method = choice_field(raw, "method", (m for m, _ in METHODS), OfflineMethod.BANK_TRANSFER)
        reference = text_field(raw, "reference", max_length=100, required=True)
        received = date_field(raw, "received_on")
        today = svc.clock.now().date()
        if received > today:
            raise refuse("received_on", "The money cannot have arrived after today.")
        if received < issued.invoice.issued_at.date():
            raise refuse("received_on", f"Invoice {number} was issued after that day.")
        due = owed(issued)
        effect = await settlement_effect(uow, issued, InvoiceStatus.PAID)
        label = dict(METHODS)[method]
        notes = [f"Invoice {number} is marked paid; nothing is charged to a card. The customer "
                 "gets the receipt by e-mail, as after a card payment."]  # fmt: skip
        notes += effect_notes(effect)
        return ActionPreview(
            summary=f"Record {label.lower()} {reference} for invoice {number}",
            terms={"method": method, "reference": reference, "received_on": received.isoformat()},
            lines=(
                MoneyLine(f"{label} received {received.isoformat()}", due, f"ref. {reference}"),
            ),
            total=due,
            effect="recorded as paid outside the gateway",
            notes=tuple(notes),
            before={"invoice": number, "status": issued.status.value, "amount_due": str(due)},
            after={
                "status": InvoiceStatus.PAID.value,
                "method": method,
                "reference": reference,
                "received_on": received.isoformat(),
            },
        )

    async def execute(
        self, uow: ActionsUnit, svc: ActionServices, *, actor: SignedInStaff, customer_id: str,
        target_id: str, preview: ActionPreview, reason: str,
    ) -> Executed:  # fmt: skip
        payment = OfflinePayment(
            method=OfflineMethod(preview.terms["method"]),
            reference=preview.terms["reference"],
            received_on=date.fromisoformat(preview.terms["received_on"]),
        )
        issued = await pay_offline_in(
            uow, target_id, payment, now=svc.clock.now(), config=svc.config
        )
        return Executed(
            "invoice",
            target_id,
            said("Recorded the payment of invoice %(number)s.", number=issued.number),
        )

"""Ask for an open invoice's money again: retry the payment now on the default card (the charge
goes through the gateway after the commit, as every charge does), or resend the invoice's
e-mail with its PDF (the receipt once it is paid)."""

from __future__ import annotations

from collections.abc import Mapping

from domain.billing.model import InvoiceStatus
from domain.notifications.later import notify_later
from domain.notifications.model import EmailKind, dedupe_key
from domain.payments.dunning import DunningStatus, retry_now
from domain.payments.service import collect_invoice
from domain.shared.errors import InvalidTransition
from domain.shared.ids import CustomerId
from domain.shared.message import said
from domain.staff.model import SignedInStaff
from domain.support.actions.base import (
    ActionPreview,
    ActionServices,
    Executed,
    MoneyLine,
    StaffAction,
    TargetKind,
)
from domain.support.actions.targets import customer_invoice, owed
from domain.support.ports import ActionsUnit

PAYABLE = frozenset({InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE})


class RetryPayment(StaffAction):
    code = "invoice.retry_payment"
    title = "Retry payment now"
    verb = "Charge"
    target = TargetKind.INVOICE
    moves_money = True
    when = frozenset(s.value for s in PAYABLE)

    async def preview(
        self, uow: ActionsUnit, svc: ActionServices, *, customer_id: str, target_id: str,
        raw: Mapping[str, str], lock: bool,
    ) -> ActionPreview:  # fmt: skip
        issued = await customer_invoice(uow, customer_id, target_id, lock=lock)
        number = issued.number or ""
        if issued.status not in PAYABLE or issued.invoice.amount_due <= 0:
            raise InvalidTransition(f"Invoice {number} is {issued.status.value}; nothing is left "
                                    "to charge.", code="support.invoice_state")  # fmt: skip
        methods = await uow.payment_methods.for_customer(customer_id)
        card = next((m for m in methods if m.is_default), None)
        if card is None:
            raise InvalidTransition("This customer has no card on file: they add one in their "
                                    "portal, or record a bank transfer instead.",
                                    code="support.no_card")  # fmt: skip
        due = owed(issued)
        card_name = f"{card.brand.title()} •••• {card.last4}"
        notes = ["The charge is sent as soon as you confirm; its outcome shows in Payments and "
                 "attempts. Paid: the receipt is e-mailed and dunning ends. Declined: the "
                 "decline counts as a dunning retry and the schedule goes on."]  # fmt: skip
        case = await uow.dunning.get(issued.id)
        if case is not None and case.status is DunningStatus.OPEN:
            notes.append(f"Dunning has {case.failures} failed attempt(s) on it so far.")
        return ActionPreview(
            summary=f"Charge invoice {number} to {card_name}",
            terms={},
            lines=(MoneyLine(f"Amount due on {number}", due, f"card id {card.id[:8]}"),),
            total=due,
            effect=f"charged to {card_name}",
            notes=tuple(notes),
            before={"invoice": number, "status": issued.status.value, "amount_due": str(due)},
            after={"card": card_name},
        )

    async def execute(
        self, uow: ActionsUnit, svc: ActionServices, *, actor: SignedInStaff, customer_id: str,
        target_id: str, preview: ActionPreview, reason: str,
    ) -> Executed:  # fmt: skip
        case = await uow.dunning.get(target_id)
        if case is not None and case.status is DunningStatus.OPEN:
            await uow.dunning.save(retry_now(case, now=svc.clock.now()))

        async def charge() -> None:
            await collect_invoice(
                target_id, uow=svc.uow, gateway=svc.gateway, clock=svc.clock, config=svc.config
            )

        return Executed(
            "invoice", target_id,
            said("Charged invoice %(number)s to %(card)s; the outcome is under Payments and "
                 "attempts.", number=preview.before["invoice"], card=preview.after["card"]),
            after_commit=charge,
        )  # fmt: skip


class ResendInvoice(StaffAction):
    code = "invoice.resend"
    title = "Resend invoice e-mail"
    verb = "Send e-mail"
    target = TargetKind.INVOICE
    when = frozenset(s.value for s in (*PAYABLE, InvoiceStatus.PAID))

    async def preview(
        self, uow: ActionsUnit, svc: ActionServices, *, customer_id: str, target_id: str,
        raw: Mapping[str, str], lock: bool,
    ) -> ActionPreview:  # fmt: skip
        issued = await customer_invoice(uow, customer_id, target_id, lock=False)
        number = issued.number or ""
        if issued.status is InvoiceStatus.VOID:
            raise InvalidTransition(f"Invoice {number} was voided; there is nothing to send.",
                                    code="support.invoice_state")  # fmt: skip
        customer = await uow.customers.get(CustomerId(customer_id))
        email = customer.email if customer else issued.customer.email
        paid = issued.status is InvoiceStatus.PAID
        what = "receipt" if paid else "invoice"
        return ActionPreview(
            summary=f"E-mail the {what} for {number} to {email}",
            terms={},
            effect=f"The {what} e-mail, with the PDF of {number} attached, goes to {email}. "
            "No money moves.",
            before={"invoice": number, "status": issued.status.value},
            after={"email": what, "to": email},
        )

    async def execute(
        self, uow: ActionsUnit, svc: ActionServices, *, actor: SignedInStaff, customer_id: str,
        target_id: str, preview: ActionPreview, reason: str,
    ) -> Executed:  # fmt: skip
        kind = EmailKind.RECEIPT if preview.after["email"] == "receipt" else EmailKind.INVOICE
        now = svc.clock.now()
        notify_later(
            uow, kind, customer_id=customer_id, key=dedupe_key(kind, target_id, "resent", now),
            invoice_id=target_id,
        )  # fmt: skip
        number, email = preview.before["invoice"], preview.after["to"]
        sent = (
            said("E-mailed the receipt for %(number)s to %(email)s.", number=number, email=email)
            if preview.after["email"] == "receipt"
            else said("E-mailed the invoice for %(number)s to %(email)s.", number=number, email=email)
        )  # fmt: skip
        return Executed("invoice", target_id, sent)

"""Credit notes staff issue against an invoice, as Stripe's credit notes work:

- on an **open** invoice the credit lowers what it still owes (Stripe's pre-payment credit
  note): the invoice's ``amount_due`` falls by it (``credit_applied`` rises, so the totals still
  add up); credited down to zero, the invoice is paid and its dunning ends;
- on a **paid** invoice the credit goes to the customer's balance (Stripe's "credit the
  customer's balance"), used by their next invoices; money back to the card is a refund
  (``refunds.py``).

Either way the note is numbered from the credit-note series, never credits more than the
invoice has left (its total less earlier notes; on an open one, no more than it owes), and is
e-mailed with its PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain.billing.config import BillingConfig
from domain.billing.credit_notes import issue_credit_note_in
from domain.billing.events import invoice_event
from domain.billing.invoices import load_for_update
from domain.billing.issued import CreditNoteReason, IssuedCreditNote, IssuedInvoice
from domain.billing.model import CreditNoteLine, InvoiceStatus
from domain.outbound.events import EventType
from domain.payments.ports import PaymentsUnit
from domain.payments.refunds import refund_note
from domain.payments.settlement import close_dunning_in
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.ids import CustomerId
from domain.shared.money import Money

BAD_AMOUNT = "payments.bad_credit_amount"


@dataclass(frozen=True, slots=True)
class CreditPlan:
    """What crediting ``amount`` (tax included) of an invoice would do."""

    issued: IssuedInvoice
    amount: int
    left: int  # the most it may credit
    tax: int  # the note's share of the invoice's tax

    @property
    def reduces_invoice(self) -> bool:
        return self.issued.status is InvoiceStatus.OPEN


async def plan_credit_in(
    uow: PaymentsUnit, invoice_id: str, amount: int, *, config: BillingConfig, lock: bool = True
) -> CreditPlan:
    """Check a credit note of ``amount`` on an open or paid invoice."""
    issued = await (load_for_update(uow, invoice_id) if lock else uow.invoices.get(invoice_id))
    if issued is None:
        raise NotFound("No such invoice.", code="billing.invoice_not_found")
    if issued.status not in (InvoiceStatus.OPEN, InvoiceStatus.PAID):
        raise InvalidTransition(
            f"Invoice {issued.number} is {issued.status.value}; only an open or paid invoice "
            "gets a credit note.",
            code="payments.not_creditable",
        )
    credited = await uow.credit_notes.total_for_invoice(invoice_id)
    left = max(0, issued.invoice.total - credited)
    if issued.status is InvoiceStatus.OPEN:
        left = min(left, issued.invoice.amount_due)
    if not 0 < amount <= left:
        shown = Money.of_minor(left, issued.invoice.currency)
        message = (
            f"a credit note is more than 0 and at most {shown}"
            if left
            else f"invoice {issued.number} has nothing left to credit"
        )
        raise ValidationFailed({"amount": message}, code=BAD_AMOUNT)
    if issued.status is InvoiceStatus.PAID:
        customer = await uow.customers.get(CustomerId(issued.customer_id or ""))
        if customer is None or customer.currency != issued.invoice.currency:
            raise ValidationFailed(
                {"amount": "the customer's balance is in another currency; refund instead"},
                code=BAD_AMOUNT,
            )
    tax = refund_note(issued, amount, config).tax
    return CreditPlan(issued=issued, amount=amount, left=left, tax=tax)


async def credit_invoice_in(
    uow: PaymentsUnit,
    plan: CreditPlan,
    *,
    reason: CreditNoteReason,
    now: datetime,
    config: BillingConfig,
) -> IssuedCreditNote:
    """Issue the planned credit note in the caller's transaction (see the module)."""
    issued = plan.issued
    base = refund_note(issued, plan.amount, config)
    (line,) = base.lines
    note = replace(
        base,
        issued_at=now,
        lines=(
            CreditNoteLine(
                description=f"Credit for invoice {issued.number}",
                amount=line.amount,
                explanation=line.explanation.replace("refunded", "credited"),
            ),
        ),
        refunded=0,
        credited=plan.amount,
    )
    stored = await issue_credit_note_in(
        uow, note, invoice_id=issued.id, customer_id=issued.customer_id,
        subscription_id=issued.subscription_id, series=config.credit_note_series(now),
        reason=reason,
    )  # fmt: skip
    if plan.reduces_invoice:
        lowered = issued.credit_open(plan.amount)
        if lowered.invoice.amount_due == 0:
            lowered = lowered.mark_paid(now)
        await uow.invoices.update_state(lowered)
        if lowered.status is InvoiceStatus.PAID:
            await invoice_event(uow, EventType.INVOICE_PAID, lowered, at=now)
        await close_dunning_in(uow, lowered, now=now, config=config)
    else:
        customer = await uow.customers.get(CustomerId(issued.customer_id or ""), lock=True)
        assert customer is not None  # checked by plan_credit_in
        await uow.customers.save(
            replace(customer, balance_minor=customer.balance_minor - plan.amount)
        )
    return stored

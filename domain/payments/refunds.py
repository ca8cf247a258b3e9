"""Refunds: money back to the card through the gateway, always documented by a credit note.

- ``refund_invoice`` (staff): a full or partial refund of a paid invoice. It issues a credit note
  whose total is the refunded amount (its tax is the same share of the invoice's tax) and sends
  the refund, in that order, so no money moves without its document.
- A cancellation's prorated refund: the engine's credit note carries a ``refunded`` part; the
  subscription's transaction enqueues ``payments.refund_credit_note`` for it.
- Sending is idempotent: the refund's id is the gateway's idempotency key and a credit note has
  one refund, so a retried job never refunds twice. Nothing is refunded beyond what the invoice's
  payment collected, less what was refunded before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

from domain.billing.config import BillingConfig
from domain.billing.credit_notes import issue_credit_note_in
from domain.billing.invoices import load_for_update
from domain.billing.issued import CreditNoteReason, IssuedCreditNote, IssuedInvoice
from domain.billing.model import CreditNote, CreditNoteLine, InvoiceStatus
from domain.payments.model import AttemptStatus, Refund, RefundStatus
from domain.payments.ports import PaymentGateway, PaymentsUnit
from domain.pricing.charges import fmt_amount
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.ids import new_id
from domain.shared.money import Currency, Money, round_minor

UowFactory = Callable[[], PaymentsUnit]
REFUND_JOB = "payments.refund_credit_note"


class RefundErrorCode:
    NOT_REFUNDABLE = "payments.not_refundable"
    BAD_AMOUNT = "payments.bad_refund_amount"
    NO_PAYMENT = "payments.no_payment_to_refund"


def refund_note(issued: IssuedInvoice, amount: int, config: BillingConfig) -> CreditNote:
    """The credit note for refunding ``amount`` (tax included) of an invoice: its tax is the
    same share of the invoice's tax, rounded once."""
    inv = issued.invoice
    tax = round_minor(Fraction(amount * inv.tax, inv.total), config.rounding) if inv.total else 0
    inclusive = inv.tax != 0 and inv.total == inv.subtotal - inv.discount
    subtotal = amount if inclusive else amount - tax
    currency = Currency.of(inv.currency)
    line = CreditNoteLine(
        description=f"Refund of invoice {issued.number}",
        amount=subtotal,
        explanation=(
            f"{fmt_amount(Fraction(amount), currency)} of "
            f"{fmt_amount(Fraction(inv.total), currency)} refunded"
        ),
    )
    return CreditNote(
        number="",
        issued_at=issued.invoice.issued_at,
        invoice=issued.number or "",
        lines=(line,),
        subtotal=subtotal,
        discount=0,
        tax=tax,
        total=amount,
        refunded=amount,
        credited=0,
    )


async def refund_invoice(
    invoice_id: str,
    *,
    amount_minor: int | None = None,
    reason: CreditNoteReason = CreditNoteReason.PRODUCT_UNSATISFACTORY,
    uow: UowFactory,
    gateway: PaymentGateway,
    clock: Clock,
    config: BillingConfig,
) -> tuple[IssuedCreditNote, Refund | None]:
    """Refund a paid invoice in full (``amount_minor`` None) or in part."""
    now = clock.now()
    async with uow() as writer:
        issued = await load_for_update(writer, invoice_id)
        if issued.status is not InvoiceStatus.PAID:
            raise InvalidTransition(
                f"Invoice {issued.number} is not paid; there is nothing to refund.",
                code=RefundErrorCode.NOT_REFUNDABLE,
            )
        refunded = sum(
            r.amount_minor
            for r in await writer.refunds.for_invoice(invoice_id)
            if r.status is not RefundStatus.FAILED
        )
        left = issued.invoice.amount_due - refunded
        amount = left if amount_minor is None else amount_minor
        if not 0 < amount <= left:
            shown = Money.of_minor(max(left, 0), issued.invoice.currency)
            raise ValidationFailed(
                {"amount": f"a refund is more than 0 and at most {shown}"},
                code=RefundErrorCode.BAD_AMOUNT,
            )
        note = replace(refund_note(issued, amount, config), issued_at=now)
        stored = await issue_credit_note_in(
            writer,
            note,
            invoice_id=invoice_id,
            customer_id=issued.customer_id,
            subscription_id=issued.subscription_id,
            series=config.credit_note_series(now),
            reason=reason,
        )
        writer.jobs.enqueue(REFUND_JOB, unique_key=f"refund:{stored.id}", credit_note_id=stored.id)
        await writer.commit()
    refund = await refund_credit_note(stored.id, uow=uow, gateway=gateway, clock=clock)
    return stored, refund


async def refund_credit_note(
    credit_note_id: str, *, uow: UowFactory, gateway: PaymentGateway, clock: Clock
) -> Refund | None:
    """Send a credit note's ``refunded`` part back to the card that paid its invoice (see the
    module for why this never refunds twice)."""
    async with uow() as first:
        stored = await first.credit_notes.get(credit_note_id)
        if stored is None:
            raise NotFound("No such credit note.", code="billing.credit_note_not_found")
        if stored.note.refunded <= 0:
            return None
        refund = await first.refunds.for_credit_note(credit_note_id)
        if refund is not None and refund.status is not RefundStatus.PENDING:
            return refund
        if refund is None:
            attempts = await first.payment_attempts.for_invoice(stored.invoice_id)
            paid = next((a for a in attempts if a.status is AttemptStatus.SUCCEEDED), None)
            refund = Refund(
                id=new_id(),
                credit_note_id=credit_note_id,
                invoice_id=stored.invoice_id,
                customer_id=stored.customer_id,
                payment_ref=paid.payment_ref if paid else None,
                amount_minor=stored.note.refunded,
                currency=stored.currency,
                status=RefundStatus.PENDING,
                created_at=clock.now(),
            )
            if paid is None or paid.payment_ref is None:
                # the invoice was never paid by card (nothing was charged, or it was settled
                # another way): there is no payment to send money back to
                refund = replace(
                    refund,
                    status=RefundStatus.FAILED,
                    code=RefundErrorCode.NO_PAYMENT,
                    finished_at=clock.now(),
                )
            if not await first.refunds.add(refund):
                existing = await first.refunds.for_credit_note(credit_note_id)
                assert existing is not None
                refund = existing
        await first.commit()
    if refund.status is not RefundStatus.PENDING:
        return refund
    assert refund.payment_ref is not None
    result = await gateway.refund(
        payment_ref=refund.payment_ref,
        amount=Money.of_minor(refund.amount_minor, refund.currency),
        idempotency_key=refund.id,
    )
    done = replace(
        refund,
        status=RefundStatus.SUCCEEDED if result.succeeded else RefundStatus.FAILED,
        refund_ref=result.refund_ref,
        code=result.code,
        finished_at=clock.now(),
    )
    async with uow() as last:
        await last.refunds.save(done)
        await last.commit()
    return done

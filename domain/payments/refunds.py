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
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction

from domain.billing.config import BillingConfig
from domain.billing.credit_notes import issue_credit_note_in
from domain.billing.invoices import load_for_update
from domain.billing.issued import CreditNoteReason, IssuedCreditNote, IssuedInvoice
from domain.billing.model import CreditNote, CreditNoteLine, InvoiceStatus
from domain.jobs.model import JsonValue
from domain.outbound.events import EventType, emit
from domain.payments.model import AttemptStatus, PaymentMethod, Refund, RefundStatus
from domain.payments.ports import PaymentGateway, PaymentsUnit
from domain.pricing.charges import fmt_amount
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.ids import CustomerId, new_id
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


@dataclass(frozen=True, slots=True)
class RefundPlan:
    """What refunding ``amount`` of a paid invoice would do: the credit note's tax share, what
    is left to refund before it, and the card that paid (None when no card did)."""

    issued: IssuedInvoice
    amount: int
    left: int
    tax: int
    card: PaymentMethod | None


async def plan_refund_in(
    uow: PaymentsUnit,
    invoice_id: str,
    amount_minor: int | None,
    *,
    config: BillingConfig,
    lock: bool = True,
) -> RefundPlan:
    """Check a refund of ``amount_minor`` (None: all that is left) of a paid invoice. Left to
    refund is what its payment collected less earlier refunds, and never more than its total
    less the credit notes already issued against it (refunded or credited)."""
    issued = await (load_for_update(uow, invoice_id) if lock else _load(uow, invoice_id))
    if issued.status is not InvoiceStatus.PAID:
        raise InvalidTransition(
            f"Invoice {issued.number} is not paid; there is nothing to refund.",
            code=RefundErrorCode.NOT_REFUNDABLE,
        )
    refunded = sum(
        r.amount_minor
        for r in await uow.refunds.for_invoice(invoice_id)
        if r.status is not RefundStatus.FAILED
    )
    credited = await uow.credit_notes.total_for_invoice(invoice_id)
    left = max(0, min(issued.invoice.amount_due - refunded, issued.invoice.total - credited))
    amount = left if amount_minor is None else amount_minor
    if not 0 < amount <= left:
        shown = Money.of_minor(left, issued.invoice.currency)
        message = (
            f"a refund is more than 0 and at most {shown}"
            if left
            else f"invoice {issued.number} has been refunded or credited in full"
        )
        raise ValidationFailed({"amount": message}, code=RefundErrorCode.BAD_AMOUNT)
    attempts = await uow.payment_attempts.for_invoice(invoice_id)
    paid = next((a for a in attempts if a.status is AttemptStatus.SUCCEEDED), None)
    card = None
    if paid is not None and paid.payment_method_id is not None:
        card = await uow.payment_methods.get(paid.payment_method_id)
    note = refund_note(issued, amount, config)
    return RefundPlan(issued=issued, amount=amount, left=left, tax=note.tax, card=card)


async def _load(uow: PaymentsUnit, invoice_id: str) -> IssuedInvoice:
    issued = await uow.invoices.get(invoice_id)
    if issued is None:
        raise NotFound("No such invoice.", code="billing.invoice_not_found")
    return issued


async def refund_invoice_in(
    uow: PaymentsUnit,
    plan: RefundPlan,
    *,
    to_balance: bool,
    reason: CreditNoteReason,
    now: datetime,
    config: BillingConfig,
) -> IssuedCreditNote:
    """Issue the planned refund's credit note in the caller's transaction. To the card: the
    refund job is enqueued (send it after the commit with ``refund_credit_note``). To the
    balance: the note's ``credited`` part lowers the customer's balance (credit for the next
    invoices) and no money moves."""
    issued = plan.issued
    note = replace(refund_note(issued, plan.amount, config), issued_at=now)
    if to_balance:
        note = replace(note, refunded=0, credited=plan.amount)
    stored = await issue_credit_note_in(
        uow,
        note,
        invoice_id=issued.id,
        customer_id=issued.customer_id,
        subscription_id=issued.subscription_id,
        series=config.credit_note_series(now),
        reason=reason,
    )
    if to_balance:
        if issued.customer_id is None:
            raise InvalidTransition("This invoice has no customer to credit.")
        customer = await uow.customers.get(CustomerId(issued.customer_id), lock=True)
        if customer is None or customer.currency != issued.invoice.currency:
            raise ValidationFailed(
                {"to": "the customer's balance is in another currency; refund to the card"},
                code=RefundErrorCode.BAD_AMOUNT,
            )
        await uow.customers.save(
            replace(customer, balance_minor=customer.balance_minor - plan.amount)
        )
    else:
        uow.jobs.enqueue(REFUND_JOB, unique_key=f"refund:{stored.id}", credit_note_id=stored.id)
    return stored


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
    """Refund a paid invoice to its card, in full (``amount_minor`` None) or in part."""
    now = clock.now()
    async with uow() as writer:
        plan = await plan_refund_in(writer, invoice_id, amount_minor, config=config)
        stored = await refund_invoice_in(
            writer, plan, to_balance=False, reason=reason, now=now, config=config
        )
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
        await emit(
            last, EventType.REFUND_CREATED, refund_data(done), at=done.finished_at or clock.now()
        )
        await last.commit()
    return done


def refund_data(refund: Refund) -> dict[str, JsonValue]:
    """A refund as ``refund.created`` carries it (once the gateway answered)."""
    return {
        "object": "refund",
        "id": refund.id,
        "status": refund.status.value,
        "amount": {"amount_minor": refund.amount_minor, "currency": refund.currency},
        "credit_note_id": refund.credit_note_id,
        "invoice_id": refund.invoice_id,
        "customer_id": refund.customer_id,
        "failure_code": refund.code,
        "created_at": refund.created_at.isoformat(),
    }

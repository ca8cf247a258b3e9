"""Invoice lifecycle use cases: draft a manual invoice, finalize it, and settle it (paid, void,
uncollectible). Each runs in one transaction and locks the invoice row first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.billing.events import invoice_event, invoice_issued
from domain.billing.invoice_states import check_transition
from domain.billing.issued import (
    INVOICE_SETTLED_JOB,
    BillingReason,
    CustomerSnapshot,
    IssuedInvoice,
    IssueErrorCode,
    OfflinePayment,
)
from domain.billing.model import Invoice, InvoiceLine, InvoiceStatus, TaxBasis
from domain.billing.numbering import check_series, format_number
from domain.billing.ports import BillingUnit
from domain.outbound.events import EventType
from domain.pricing.totals import TaxRate, TaxRounding, compute_totals
from domain.shared.clock import Clock
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.ids import new_id
from domain.shared.money import Currency, Rounding
from domain.shared.periods import Period


def _is_minor(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


async def load_for_update(uow: BillingUnit, invoice_id: str) -> IssuedInvoice:
    """The invoice, its row locked for the rest of the transaction; ``NotFound`` if unknown."""
    issued = await uow.invoices.get_for_update(invoice_id)
    if issued is None:
        raise NotFound("We could not find that invoice.", code=IssueErrorCode.INVOICE_NOT_FOUND)
    return issued


async def create_draft_invoice(
    *,
    currency: str,
    customer: CustomerSnapshot,
    lines: Sequence[InvoiceLine],
    customer_id: str | None = None,
    subscription_id: str | None = None,
    discount: int = 0,
    tax_rate: TaxRate | None = None,
    tax_rounding: TaxRounding = TaxRounding.PER_INVOICE,
    rounding: Rounding = Rounding.HALF_UP,
    uow: BillingUnit,
    clock: Clock,
) -> IssuedInvoice:
    """Store a manual invoice as a ``draft``, with no number (it gets one at finalization).

    The caller computes the lines (amounts in minor units, each rounded once); the totals are
    ``compute_totals`` of their amounts with ``discount``, ``tax_rate`` and the rounding rules.
    No customer balance is applied (``credit_applied`` 0). The invoice's period spans its lines'
    periods; its ``issued_at`` is the drafting instant until finalization replaces it.
    Refused (``ValidationFailed``): an unknown currency, no lines, an amount that is not an
    integer of minor units, a negative discount, and a negative total (that is a credit note).
    """
    code = Currency.of(currency).code
    if not lines:
        raise ValidationFailed(
            {"lines": "an invoice needs at least one line"}, code=IssueErrorCode.NO_LINES
        )
    if not all(_is_minor(line.amount) for line in lines) or not _is_minor(discount):
        raise ValidationFailed(
            {"lines": "amounts are whole numbers of minor units"}, code=IssueErrorCode.BAD_AMOUNT
        )
    if discount < 0:
        raise ValidationFailed(
            {"discount": "a discount cannot be negative"}, code=IssueErrorCode.BAD_AMOUNT
        )
    totals = compute_totals(
        [line.amount for line in lines],
        discount=discount,
        rate=tax_rate,
        tax_rounding=tax_rounding,
        rounding=rounding,
        balance=0,
    )
    if totals.total < 0:
        raise ValidationFailed(
            {"lines": "an invoice cannot total less than zero; issue a credit note instead"},
            code=IssueErrorCode.NEGATIVE_TOTAL,
        )
    draft = IssuedInvoice(
        id=new_id(),
        subscription_id=subscription_id,
        customer_id=customer_id,
        reason=BillingReason.MANUAL,
        customer=customer,
        invoice=Invoice(
            number="",
            issued_at=clock.now(),
            period=Period(
                min(line.period.start for line in lines), max(line.period.end for line in lines)
            ),
            currency=code,
            lines=tuple(lines),
            subtotal=totals.subtotal,
            discount=totals.discount,
            tax=totals.tax,
            total=totals.total,
            credit_applied=totals.credit_applied,
            amount_due=totals.amount_due,
            status=InvoiceStatus.DRAFT,
            tax_basis=TaxBasis(
                percentage=tax_rate.percentage if tax_rate else None,
                inclusive=tax_rate.inclusive if tax_rate else False,
                name=tax_rate.code if tax_rate else None,
            ),
        ),
    )
    async with uow:
        await uow.invoices.add(draft)
        await uow.commit()
    return draft


async def finalize_invoice(
    invoice_id: str, *, series: str, uow: BillingUnit, clock: Clock
) -> IssuedInvoice:
    """Draft -> open: number the invoice from ``series`` and issue it now.

    The number is taken in the same transaction as the status change, so a finalization that
    fails gives its number back and the series stays gapless. An invoice with nothing to pay
    (``amount_due`` 0) is paid at once, at its issue instant. Anything but a draft is refused
    with ``InvalidTransition`` (``billing.invoice_not_draft``, ``..._already_paid``, ...).
    """
    check_series(series)
    async with uow:
        issued = await load_for_update(uow, invoice_id)
        # refuse before taking a number (a rollback would give it back, but why take it)
        check_transition(issued.status, InvoiceStatus.OPEN, invoice=issued.number)
        number = await uow.invoices.next_number(series)
        final = issued.finalize(format_number(series, number), issued_at=clock.now())
        await uow.invoices.update_state(final)
        await invoice_issued(uow, final)
        await uow.commit()
    return final


def _settled(uow: BillingUnit, issued: IssuedInvoice) -> None:
    """Queue what follows a status move: the payments' job that closes the invoice's dunning
    case (Stripe stops retrying a paid, void or uncollectible invoice; payments is a layer above,
    so it is asked by job, once per move). No PDF job: the PDF shows the status, and its next
    download renders it again (domain/documents/service.py, ``invoice_pdf``)."""
    status = issued.status.value
    uow.jobs.enqueue(
        INVOICE_SETTLED_JOB, unique_key=f"settled:{issued.id}:{status}", invoice_id=issued.id
    )


async def mark_invoice_paid_in(
    uow: BillingUnit,
    invoice_id: str,
    *,
    paid_at: datetime,
    offline: OfflinePayment | None = None,
) -> IssuedInvoice:
    """Open or uncollectible -> paid in the caller's transaction (the row locked), recording
    when the payment settled and, for money that did not come through the gateway, how."""
    if paid_at.tzinfo is None:
        raise ValidationFailed(
            {"paid_at": "give a timezone-aware instant"}, code=IssueErrorCode.NAIVE_INSTANT
        )
    issued = (await load_for_update(uow, invoice_id)).mark_paid(paid_at, offline)
    await uow.invoices.update_state(issued)
    await invoice_event(uow, EventType.INVOICE_PAID, issued, at=paid_at)
    _settled(uow, issued)
    return issued


async def mark_invoice_paid(
    invoice_id: str, *, paid_at: datetime, uow: BillingUnit
) -> IssuedInvoice:
    """Open or uncollectible -> paid, recording when the payment settled (``paid_at``, from the
    payment, not from the clock). A second payment of the same invoice is refused
    (``billing.invoice_already_paid``), so of two concurrent settlements exactly one wins."""
    async with uow:
        issued = await mark_invoice_paid_in(uow, invoice_id, paid_at=paid_at)
        await uow.commit()
    return issued


async def void_invoice_in(uow: BillingUnit, invoice_id: str, *, now: datetime) -> IssuedInvoice:
    """Open or uncollectible -> void in the caller's transaction (the row locked)."""
    issued = (await load_for_update(uow, invoice_id)).void(now)
    await uow.invoices.update_state(issued)
    await invoice_event(uow, EventType.INVOICE_VOIDED, issued, at=now)
    _settled(uow, issued)
    return issued


async def void_invoice(invoice_id: str, *, uow: BillingUnit, clock: Clock) -> IssuedInvoice:
    """Open or uncollectible -> void (the invoice was a mistake; it stays, numbered, for the
    record). A paid invoice cannot be voided: credit it with a credit note instead."""
    async with uow:
        issued = await void_invoice_in(uow, invoice_id, now=clock.now())
        await uow.commit()
    return issued


async def mark_invoice_uncollectible_in(
    uow: BillingUnit, invoice_id: str, *, now: datetime
) -> IssuedInvoice:
    """Open -> uncollectible in the caller's transaction (the row locked)."""
    issued = (await load_for_update(uow, invoice_id)).mark_uncollectible(now)
    await uow.invoices.update_state(issued)
    _settled(uow, issued)
    return issued


async def mark_invoice_uncollectible(
    invoice_id: str, *, uow: BillingUnit, clock: Clock
) -> IssuedInvoice:
    """Open -> uncollectible (written off as bad debt); it may still be paid or voided later."""
    async with uow:
        issued = await mark_invoice_uncollectible_in(uow, invoice_id, now=clock.now())
        await uow.commit()
    return issued

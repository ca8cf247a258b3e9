"""Credit notes: numbered from their own series and stored against a finalized invoice, never
crediting more than the invoice's total."""

from __future__ import annotations

from dataclasses import replace

from domain.billing.events import credit_note_issued
from domain.billing.invoices import load_for_update
from domain.billing.issued import (
    CreditNoteErrorCode,
    CreditNoteReason,
    IssuedCreditNote,
)
from domain.billing.model import CreditNote, InvoiceStatus
from domain.billing.numbering import check_series, format_number
from domain.billing.ports import BillingUnit
from domain.billing.reconcile import credit_note_problems
from domain.notifications.later import notify_later
from domain.notifications.model import EmailKind, dedupe_key
from domain.shared.errors import ValidationFailed
from domain.shared.ids import new_id
from domain.shared.money import Money


def _check_amounts(note: CreditNote) -> None:
    amounts = [line.amount for line in note.lines]
    amounts += [note.subtotal, note.discount, note.tax, note.total, note.refunded, note.credited]
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in amounts):
        raise ValidationFailed(
            {"total": "amounts are whole numbers of minor units"},
            code=CreditNoteErrorCode.INCONSISTENT,
        )
    if note.total <= 0:
        raise ValidationFailed(
            {"total": "a credit note must credit a positive amount"},
            code=CreditNoteErrorCode.NOT_POSITIVE,
        )
    if sum(line.amount for line in note.lines) != note.subtotal:
        raise ValidationFailed(
            {"lines": "the lines do not add up to the subtotal"},
            code=CreditNoteErrorCode.INCONSISTENT,
        )
    if note.refunded < 0 or note.credited < 0 or note.refunded + note.credited != note.total:
        raise ValidationFailed(
            {"total": "the refunded and credited parts must add up to the total"},
            code=CreditNoteErrorCode.INCONSISTENT,
        )


async def issue_credit_note_in(
    uow: BillingUnit,
    computed: CreditNote,
    *,
    invoice_id: str,
    customer_id: str | None,
    subscription_id: str | None,
    series: str,
    reason: CreditNoteReason,
    unused_service: bool = False,
) -> IssuedCreditNote:
    """Number and store a credit note against an invoice, inside the caller's transaction.

    ``unused_service``: the billing engine's credit for the unused part of a period at an
    immediate cancellation. It credits time the customer paid for, partly perhaps with earlier
    credits that lowered the invoice, so it may exceed what is left on the invoice; its refund
    part still never exceeds what the invoice collected (``amount_due``).

    - The invoice row is locked first, so credit notes on one invoice are issued one at a time.
    - Refused (``ValidationFailed``): a draft invoice (``billing.credit_note_invoice_draft``) or a
      void one (``..._invoice_void``); notes that together would credit more than the invoice's
      total (``..._exceeds_invoice``); a total that is not positive, or parts that do not add up
      (``..._inconsistent_amounts``); a customer or subscription other than the invoice's
      (``..._wrong_party``). Open, paid and uncollectible invoices can be credited.
    - The number is the next of ``series`` (e.g. ``CN-2026-``), taken in this transaction, so it
      is gapless like invoice numbers. Use a series of its own: the prefix *is* the series.
    - The note is stored in the invoice's currency and refers to the invoice's number. No
      customer balance is touched: applying ``credited`` is the caller's business.
    """
    check_series(series)
    _check_amounts(computed)
    # the note's tax treatment may differ from its invoice's (the customer moved since), so
    # either form of total (tax added or included) is accepted
    problems = credit_note_problems(computed)
    if problems:
        raise ValidationFailed(
            {"total": "; ".join(problems)}, code=CreditNoteErrorCode.INCONSISTENT
        )
    issued = await load_for_update(uow, invoice_id)
    if issued.status is InvoiceStatus.DRAFT:
        raise ValidationFailed(
            {"invoice": "a draft invoice cannot be credited; edit or delete the draft instead"},
            code=CreditNoteErrorCode.INVOICE_DRAFT,
        )
    if issued.status is InvoiceStatus.VOID:
        raise ValidationFailed(
            {"invoice": f"invoice {issued.number} was voided; there is nothing to credit"},
            code=CreditNoteErrorCode.INVOICE_VOID,
        )
    if (issued.customer_id is not None and customer_id != issued.customer_id) or (
        issued.subscription_id is not None and subscription_id != issued.subscription_id
    ):
        raise ValidationFailed(
            {"invoice": f"invoice {issued.number} belongs to another customer or subscription"},
            code=CreditNoteErrorCode.WRONG_PARTY,
        )
    already = await uow.credit_notes.total_for_invoice(invoice_id)
    remaining = issued.invoice.total - already
    if unused_service and computed.refunded > issued.invoice.amount_due:
        raise ValidationFailed(
            {"refunded": f"a refund cannot exceed what invoice {issued.number} collected"},
            code=CreditNoteErrorCode.EXCEEDS_INVOICE,
        )
    if computed.total > remaining and not unused_service:
        left = Money.of_minor(max(0, remaining), issued.invoice.currency)
        raise ValidationFailed(
            {"total": f"credit notes cannot exceed invoice {issued.number}: at most {left} left"},
            code=CreditNoteErrorCode.EXCEEDS_INVOICE,
        )
    number = await uow.invoices.next_number(series)
    note = IssuedCreditNote(
        id=new_id(),
        invoice_id=issued.id,
        customer_id=customer_id,
        subscription_id=subscription_id,
        reason=reason,
        currency=issued.invoice.currency,
        note=replace(computed, number=format_number(series, number), invoice=issued.number or ""),
    )
    await uow.credit_notes.add(note)
    await credit_note_issued(uow, note)
    # the e-mail that carries its PDF (rendered when the e-mail is sent, or on first download)
    if customer_id is not None:
        notify_later(
            uow,
            EmailKind.CREDIT_NOTE,
            customer_id=customer_id,
            key=dedupe_key(EmailKind.CREDIT_NOTE, note.id),
            credit_note_id=note.id,
        )
    return note


async def issue_credit_note(
    computed: CreditNote,
    *,
    invoice_id: str,
    customer_id: str | None,
    subscription_id: str | None,
    series: str,
    reason: CreditNoteReason,
    uow: BillingUnit,
) -> IssuedCreditNote:
    """``issue_credit_note_in`` in a transaction of its own: a staff correction of an open or
    paid invoice. The same refusals apply."""
    async with uow:
        note = await issue_credit_note_in(
            uow,
            computed,
            invoice_id=invoice_id,
            customer_id=customer_id,
            subscription_id=subscription_id,
            series=series,
            reason=reason,
        )
        await uow.commit()
    return note

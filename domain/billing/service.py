"""Billing use cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from domain.billing.events import invoice_issued, invoice_issued_events
from domain.billing.issued import BillingReason, CustomerSnapshot, IssuedInvoice, IssueErrorCode
from domain.billing.model import Invoice, InvoiceStatus
from domain.billing.numbering import check_series, format_number
from domain.billing.ports import BillingUnit
from domain.billing.reconcile import invoice_problems
from domain.shared.errors import ValidationFailed
from domain.shared.ids import new_id


async def issue_invoice(
    computed: Invoice,
    *,
    subscription_id: str | None,
    customer_id: str | None,
    reason: BillingReason,
    customer: CustomerSnapshot,
    series: str,
    uow: BillingUnit,
) -> IssuedInvoice:
    """Number and store an invoice the engine computed, in one transaction.

    - The number is the next of the series (``INV-2026-000123``), taken in the same transaction,
      so numbers are gapless: an issue that fails gives its number back.
    - A renewal invoice (``subscription_cycle``) exists at most once per subscription and period:
      issuing it again returns the stored one; two concurrent issues cannot both commit (the
      database's unique ``cycle_key``), the loser gets ``Conflict`` (``billing.duplicate_cycle``).
    - The invoice is drafted and finalized in this one transaction: it is stored ``open``
      (payment comes next), or ``paid`` at once when its ``amount_due`` is 0 (``paid_at`` = its
      ``issued_at``, as Stripe does). Its amounts never change and it snapshots the customer;
      corrections are credit notes.
    """
    async with uow:
        issued = await issue_invoice_in(
            uow,
            computed,
            subscription_id=subscription_id,
            customer_id=customer_id,
            reason=reason,
            customer=customer,
            series=series,
        )
        await uow.commit()
    return issued


async def issue_invoice_in(
    uow: BillingUnit,
    computed: Invoice,
    *,
    subscription_id: str | None,
    customer_id: str | None,
    reason: BillingReason,
    customer: CustomerSnapshot,
    series: str,
    memo: str = "",
    po_number: str = "",
    due_at: datetime | None = None,
    numbered: bool = True,
) -> IssuedInvoice:
    """``issue_invoice`` inside a transaction the caller already holds (and commits); ``memo``,
    ``po_number`` and ``due_at`` are printed on it (a one-off invoice's). ``numbered=False``:
    stored without its number and without its events; the caller gives it both with
    ``number_issued`` before it commits (the batch renewal numbers a whole batch at its end, so
    the series stays locked only for that moment)."""
    check_series(series)
    problems = invoice_problems(computed)
    if problems:
        raise ValidationFailed({"total": "; ".join(problems)}, code=IssueErrorCode.INCONSISTENT)
    if reason is BillingReason.SUBSCRIPTION_CYCLE and subscription_id is not None:
        existing = await uow.invoices.get_cycle_invoice(subscription_id, computed.period.start)
        if existing is not None:
            return existing
    draft = IssuedInvoice(
        id=new_id(),
        subscription_id=subscription_id,
        customer_id=customer_id,
        reason=reason,
        customer=customer,
        # the engine's status is its own (the simulator's "paid at issue"); ours starts as a draft
        invoice=replace(computed, number="", status=InvoiceStatus.DRAFT),
        memo=memo,
        po_number=po_number,
        due_at=due_at,
    )
    if not numbered:
        issued = draft.finalize("", issued_at=computed.issued_at)
        await uow.invoices.add(issued)
        return issued
    number = await uow.invoices.next_number(series)
    issued = draft.finalize(format_number(series, number), issued_at=computed.issued_at)
    await uow.invoices.add(issued)
    await invoice_issued(uow, issued)
    return issued


async def number_issued(
    uow: BillingUnit, invoices: Sequence[tuple[IssuedInvoice, str]]
) -> list[IssuedInvoice]:
    """Number invoices stored with ``numbered=False`` (each with its series), in the order
    given, and emit their events: one lock and one update of each series, so the series row is
    held only from here to the caller's commit. Gapless: the numbers are consecutive and a
    rollback gives them back with the invoices."""
    by_series: dict[str, list[IssuedInvoice]] = {}
    for issued, series in invoices:
        check_series(series)
        by_series.setdefault(series, []).append(issued)
    numbered: list[IssuedInvoice] = []
    for series, group in by_series.items():
        first = await uow.invoices.reserve_numbers(series, len(group))
        numbered += [
            replace(i, invoice=replace(i.invoice, number=format_number(series, first + k)))
            for k, i in enumerate(group)
        ]
    await uow.invoices.set_numbers({i.id: i.number or "" for i in numbered})
    await uow.outbound_events.add_many([e for i in numbered for e in invoice_issued_events(i)])
    return numbered

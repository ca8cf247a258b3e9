"""Billing use cases."""

from __future__ import annotations

import re
from dataclasses import replace

from domain.billing.issued import BillingReason, CustomerSnapshot, IssuedInvoice, IssueErrorCode
from domain.billing.model import Invoice, InvoiceStatus
from domain.shared.errors import ValidationFailed
from domain.shared.ids import new_id
from domain.unit_of_work import UnitOfWork

_PREFIX = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,30}$")


async def issue_invoice(
    computed: Invoice,
    *,
    subscription_id: str | None,
    customer_id: str | None,
    reason: BillingReason,
    customer: CustomerSnapshot,
    series: str,
    uow: UnitOfWork,
) -> IssuedInvoice:
    """Number and store an invoice the engine computed, in one transaction.

    - The number is the next of the series (``INV-2026-000123``), taken in the same transaction,
      so numbers are gapless: an issue that fails gives its number back.
    - A renewal invoice (``subscription_cycle``) exists at most once per subscription and period:
      issuing it again returns the stored one; two concurrent issues cannot both commit (the
      database's unique ``cycle_key``), the loser gets ``Conflict`` (``billing.duplicate_cycle``).
    - The stored invoice is ``open`` (payment comes next), immutable, and snapshots the customer;
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
    uow: UnitOfWork,
    computed: Invoice,
    *,
    subscription_id: str | None,
    customer_id: str | None,
    reason: BillingReason,
    customer: CustomerSnapshot,
    series: str,
) -> IssuedInvoice:
    """``issue_invoice`` inside a transaction the caller already holds (and commits)."""
    if not _PREFIX.match(series):
        raise ValidationFailed(
            {"series": "a series prefix is 1-31 capital letters, digits or dashes, e.g. INV-2026-"},
            code=IssueErrorCode.BAD_SERIES,
        )
    if reason is BillingReason.SUBSCRIPTION_CYCLE and subscription_id is not None:
        existing = await uow.invoices.get_cycle_invoice(subscription_id, computed.period.start)
        if existing is not None:
            return existing
    number = await uow.invoices.next_number(series)
    issued = IssuedInvoice(
        id=new_id(),
        subscription_id=subscription_id,
        customer_id=customer_id,
        reason=reason,
        customer=customer,
        # open until a payment settles it (the simulator's "paid at issue" is its own rule)
        invoice=replace(computed, number=f"{series}{number:06d}", status=InvoiceStatus.OPEN),
    )
    await uow.invoices.add(issued)
    return issued

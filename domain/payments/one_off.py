"""One-off invoices staff create for a customer (Stripe's invoice outside a subscription): lines
of a description and an amount, taxed as the customer's other invoices are (their tax
treatment: rate from the billing address, exempt, reverse charge), balance credit applied as
at any finalization, numbered from the invoice series, with net terms and a memo or PO number
printed on it.

- Net 0: collected now from the default card (Stripe's ``charge_automatically``): the charge
  is sent after the commit with ``collect_invoice``, as every charge is.
- Net N days: open until ``due_at`` (Stripe's ``send_invoice``): the invoice is e-mailed with
  its PDF and the customer pays it from the portal, or staff record a bank transfer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from fractions import Fraction

from domain.billing.config import BillingConfig
from domain.billing.issued import BillingReason, CustomerSnapshot, IssuedInvoice
from domain.billing.model import Invoice, InvoiceLine, InvoiceStatus, LineKind, TaxBasis
from domain.billing.service import issue_invoice_in
from domain.customers.model import Customer
from domain.notifications.later import notify_later
from domain.notifications.model import EmailKind, dedupe_key
from domain.payments.ports import PaymentsUnit
from domain.pricing.charges import fmt_amount
from domain.pricing.tax_policy import TaxTreatment, decide_tax
from domain.pricing.totals import compute_totals
from domain.shared.errors import NotFound
from domain.shared.ids import CustomerId
from domain.shared.money import Currency
from domain.shared.periods import Period

MAX_NET_DAYS = 365


@dataclass(frozen=True, slots=True)
class OneOffLine:
    description: str
    amount: int  # minor units, tax excluded (or included, where the customer's rate includes it)


@dataclass(frozen=True, slots=True)
class OneOffDraft:
    """The invoice a one-off would be (not stored, no number yet) and the customer's balance
    after it."""

    customer: Customer
    invoice: Invoice
    balance_after: int
    due_at: datetime | None


async def draft_one_off_in(
    uow: PaymentsUnit,
    customer_id: str,
    lines: Sequence[OneOffLine],
    *,
    net_days: int,
    now: datetime,
    config: BillingConfig,
    lock: bool = False,
) -> OneOffDraft:
    """What ``issue_one_off_in`` would issue now: the lines, tax and totals (read only)."""
    customer = await uow.customers.get(CustomerId(customer_id), lock=lock)
    if customer is None:
        raise NotFound("There is no such customer.", code="customer.not_found")
    tax = decide_tax(
        seller_country=config.seller_country, country=customer.country, region=customer.region,
        rates=await uow.tax_rates.all(), tax_exempt=customer.tax_exempt, tax_id=customer.tax_id,
    )  # fmt: skip
    currency = Currency.of(customer.currency)
    totals = compute_totals(
        [line.amount for line in lines], discount=0, rate=tax.rate,
        tax_rounding=config.tax_rounding, rounding=config.rounding,
        balance=customer.balance_minor,
    )  # fmt: skip
    # no service period: the issue instant (a period is never empty, so one second of it; the
    # documents print it as the issue day)
    period = Period(now, now + timedelta(seconds=1))
    invoice = Invoice(
        number="",
        issued_at=now,
        period=period,
        currency=currency.code,
        lines=tuple(
            InvoiceLine(
                kind=LineKind.SETUP_FEE,  # a one-time charge (no period of service)
                description=line.description,
                quantity=Fraction(1),
                unit_amount=Fraction(line.amount),
                amount=line.amount,
                period=period,
                explanation=f"1 × {fmt_amount(Fraction(line.amount), currency)}",
            )
            for line in lines
        ),
        subtotal=totals.subtotal,
        discount=totals.discount,
        tax=totals.tax,
        total=totals.total,
        credit_applied=totals.credit_applied,
        amount_due=totals.amount_due,
        status=InvoiceStatus.OPEN,
        tax_basis=TaxBasis(
            percentage=tax.rate.percentage if tax.rate else None,
            inclusive=tax.rate.inclusive if tax.rate else False,
            reverse_charge=tax.treatment is TaxTreatment.REVERSE_CHARGE,
            note=tax.note,
            name=tax.rate.code if tax.rate else None,
        ),
    )
    due_at = now + timedelta(days=net_days) if net_days else None
    return OneOffDraft(customer, invoice, totals.balance_after, due_at)


async def issue_one_off_in(
    uow: PaymentsUnit,
    draft: OneOffDraft,
    *,
    memo: str,
    po_number: str,
    config: BillingConfig,
) -> IssuedInvoice:
    """Issue the drafted one-off invoice in the caller's transaction: numbered, the balance
    credit it used taken from the customer, its PDF rendered and, on net terms, the invoice
    e-mailed. Charging it (net 0) is the caller's, after the commit (``collect_invoice``)."""
    customer = draft.customer
    issued = await issue_invoice_in(
        uow,
        draft.invoice,
        subscription_id=None,
        customer_id=customer.id,
        reason=BillingReason.MANUAL,
        customer=CustomerSnapshot(
            name=customer.name,
            email=customer.email,
            address_lines=customer.address_lines,
            country=customer.country,
            tax_id=customer.tax_id,
        ),
        series=config.invoice_series(draft.invoice.issued_at),
        memo=memo,
        po_number=po_number,
        due_at=draft.due_at,
    )
    if draft.balance_after != customer.balance_minor:
        await uow.customers.save(replace(customer, balance_minor=draft.balance_after))
    if draft.due_at is not None and issued.status is InvoiceStatus.OPEN:
        notify_later(
            uow,
            EmailKind.INVOICE,
            customer_id=customer.id,
            key=dedupe_key(EmailKind.INVOICE, issued.id),
            invoice_id=issued.id,
        )
    return issued

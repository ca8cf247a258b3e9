"""Issued invoices with deterministic amounts, built without a database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

from domain.billing.issued import BillingReason, CustomerSnapshot, IssuedInvoice
from domain.billing.model import Invoice, InvoiceLine, InvoiceStatus, LineKind, TaxBasis
from domain.pricing.totals import TaxRate, TaxRounding, compute_totals
from domain.shared.money import Rounding
from domain.shared.periods import Period

ACME = CustomerSnapshot(
    "Acme GmbH", "billing@acme.test", ("Hauptstr. 1", "10115 Berlin"), "DE", "DE123456789"
)
FEB = Period(datetime(2024, 2, 29, tzinfo=UTC), datetime(2024, 3, 31, tzinfo=UTC))
ISSUED_AT = datetime(2024, 2, 29, 23, 30, tzinfo=UTC)


def seat_line(quantity: int = 3, unit: int = 1000) -> InvoiceLine:
    return InvoiceLine(
        LineKind.SUBSCRIPTION,
        "Team units (Feb 29 - Mar 31)",
        Fraction(quantity),
        Fraction(unit),
        quantity * unit,
        FEB,
        f"{quantity} x {unit / 100:.2f}",
    )


def usage_line() -> InvoiceLine:
    # an average unit price that does not terminate: 1057 minor units over 1234.5 calls
    return InvoiceLine(
        LineKind.USAGE,
        "Team calls usage (Jan 31 - Feb 29)",
        Fraction(2469, 2),
        Fraction(2114, 2469),
        1057,
        FEB,
        "100 x 0.10 + 1134.5 x 0.0005",
    )


def issued_invoice(
    *lines: InvoiceLine,
    status: InvoiceStatus = InvoiceStatus.OPEN,
    discount: int = 0,
    tax: TaxRate | None = TaxRate("VAT", Decimal("19"), inclusive=False),
    customer: CustomerSnapshot = ACME,
    balance: int = 0,
    paid_at: datetime | None = None,
    voided_at: datetime | None = None,
    basis: TaxBasis | None = None,
    legacy: bool = False,
) -> IssuedInvoice:
    """``basis``: the tax basis stored with it (default: ``tax``'s rate); ``legacy``: an invoice
    stored before the basis was kept (none)."""
    lines = lines or (seat_line(), usage_line())
    totals = compute_totals(
        [line.amount for line in lines],
        discount=discount,
        rate=tax,
        tax_rounding=TaxRounding.PER_INVOICE,
        rounding=Rounding.HALF_UP,
        balance=balance,
    )
    return IssuedInvoice(
        id="inv-1",
        subscription_id="sub-1",
        customer_id="cus-1",
        reason=BillingReason.SUBSCRIPTION_CYCLE,
        customer=customer,
        invoice=Invoice(
            number="INV-2024-000042",
            issued_at=ISSUED_AT,
            period=FEB,
            currency="EUR",
            lines=tuple(lines),
            subtotal=totals.subtotal,
            discount=totals.discount,
            tax=totals.tax,
            total=totals.total,
            credit_applied=totals.credit_applied,
            amount_due=totals.amount_due,
            status=status,
            tax_basis=None
            if legacy
            else basis
            or TaxBasis(tax.percentage if tax else None, tax.inclusive if tax else False),
        ),
        paid_at=paid_at,
        voided_at=voided_at,
    )

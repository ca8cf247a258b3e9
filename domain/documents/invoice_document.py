"""The printable invoice: a frozen view of an issued invoice and its seller, with a fingerprint.

Everything a rendered invoice shows is in ``InvoiceDocument``; the renderer only lays it out.
``version`` is a hash of all of it (status and settlement dates included), so a stored PDF is
re-rendered exactly when something it shows changed: a payment, a void, a write-off.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from domain.billing.issued import CustomerSnapshot, IssuedInvoice, OfflinePayment
from domain.billing.model import InvoiceStatus, TaxBasis
from domain.pricing.charges import fmt_units
from domain.pricing.tax_policy import EU_VAT_COUNTRIES
from domain.shared.display import Calendar, Display, DisplayPreferences, language_of_locale
from domain.shared.errors import ValidationFailed
from domain.shared.money import Currency, Money, Rounding, UnitPrice, round_minor


class DocumentErrorCode(StrEnum):
    INVOICE_NOT_FOUND = "documents.invoice_not_found"
    INVOICE_DRAFT = "documents.invoice_is_draft"


@dataclass(frozen=True, slots=True)
class Seller:
    """The business issuing the invoice, as printed in its letterhead. Invoice dates are taken in
    the seller's ``timezone``; ``payment_terms_days`` gives the due date (0: due on receipt)."""

    name: str
    address_lines: tuple[str, ...]
    country: str
    tax_id: str | None
    email: str
    tax_name: str = "Tax"  # "VAT", "GST", "Sales tax"
    timezone: str = "UTC"
    locale: str = "en_US"
    payment_terms_days: int = 0
    website: str | None = None


def document_display(prefs: DisplayPreferences | None, seller: Seller) -> Display:
    """The display a document is printed in for its recipient: the language and digits the
    account that manages the customer saved (``prefs``), else the site's (the seller's
    ``locale``, which is ``APP_LOCALE``). Dates stay Gregorian whatever calendar the person reads
    on pages and in e-mails: an invoice or credit note carries the billing calendar's dates
    (docs/localisation.md, "The calendar rule")."""
    chosen = prefs or DisplayPreferences()
    language = chosen.language or language_of_locale(seller.locale)
    gregorian = DisplayPreferences(language, chosen.digits, Calendar.GREGORIAN)
    return Display.resolve(language, gregorian, site_locale=seller.locale)


DEMO_SELLER = Seller(
    "Tessera Inc.",
    ("548 Market Street, Suite 300", "San Francisco, CA 94104"),
    "US",
    "84-1234567",
    "billing@tessera.example",
    website="tessera.example",
)


@dataclass(frozen=True, slots=True)
class DocumentLine:
    description: str
    explanation: str
    quantity: str  # as people write it: "3", "1234.5"
    unit_price: UnitPrice
    unit_price_exact: bool  # False: an average price that does not terminate, shown rounded
    amount: Money
    period_start: date
    period_end: date


@dataclass(frozen=True, slots=True)
class TaxSummary:
    """The invoice's tax: one rate per invoice, as stored on the invoice when it was issued
    (``TaxBasis``). Invoices issued before the basis was kept store only the tax amount; for
    them ``rate`` is the simplest percentage (at most three decimals) that reproduces it, and
    ``None`` when none does. ``applies`` is False when no tax applies at all (no rate, no
    reverse charge): documents then print no tax line rather than "Tax 0%"."""

    name: str
    rate: Decimal | None
    inclusive: bool
    taxable: Money
    tax: Money
    reverse_charge: bool
    applies: bool = True
    note: str | None = None  # as decided at issue: "Reverse charge: ...", "Tax exempt"

    @property
    def label(self) -> str:
        """ "VAT 19%", "Tax 8.875% (included)", "VAT (reverse charge)", "Tax"."""
        if self.reverse_charge:
            return f"{self.name} (reverse charge)"
        text = self.name if self.rate is None else f"{self.name} {_percent(self.rate)}"
        return f"{text} (included)" if self.inclusive else text


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    invoice_id: str
    customer_id: str | None
    number: str
    status: InvoiceStatus
    issued_on: date
    due_on: date
    paid_on: date | None
    voided_on: date | None
    uncollectible_on: date | None
    period_start: date
    period_end: date
    seller: Seller
    buyer: CustomerSnapshot
    currency: str
    lines: tuple[DocumentLine, ...]
    subtotal: Money
    discount: Money
    tax: TaxSummary
    total: Money
    credit_applied: Money
    amount_due: Money  # as issued: the total less balance credit
    amount_paid: Money  # amount_due once paid, else zero
    amount_remaining: Money  # what is still owed: zero once paid or void
    memo: str = ""  # printed under the totals when set (one-off invoices)
    po_number: str = ""  # the customer's purchase order number
    paid_offline: str = ""  # "Bank transfer, ref. ABC-123" when staff recorded the payment
    # the language, digits (and Gregorian dates) it is printed in: part of the fingerprint, so a
    # stored PDF in another language is never served for this one (``document_display``)
    display: Display = field(default_factory=Display)
    version: str = ""  # fingerprint(): set by build_invoice_document

    @property
    def status_label(self) -> str:
        return self.status.value.upper()

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"


def build_invoice_document(
    issued: IssuedInvoice, seller: Seller, display: Display | None = None
) -> InvoiceDocument:
    """The printable view of a finalized invoice, with its ``version`` fingerprint, printed in
    ``display`` (the recipient's: ``document_display``; by default the site's).

    Dates are the seller's calendar dates (``seller.timezone``); the period is printed as stored,
    half-open ``[start, end)`` like the line descriptions. A draft has no number and is refused
    (``ValidationFailed``, ``documents.invoice_is_draft``).
    """
    if issued.status is InvoiceStatus.DRAFT or not issued.invoice.number:
        raise ValidationFailed(
            {"invoice": "a draft invoice has no number yet; finalize it first"},
            code=DocumentErrorCode.INVOICE_DRAFT,
        )
    inv = issued.invoice
    currency = Currency.of(inv.currency)
    zone = ZoneInfo(seller.timezone)

    def money(minor: int) -> Money:
        return Money(minor, currency)

    def day(at: datetime | None) -> date | None:
        return None if at is None else at.astimezone(zone).date()

    issued_on = inv.issued_at.astimezone(zone).date()
    paid = issued.status is InvoiceStatus.PAID
    settled = paid or issued.status is InvoiceStatus.VOID
    document = InvoiceDocument(
        invoice_id=issued.id,
        customer_id=issued.customer_id,
        number=inv.number,
        status=issued.status,
        issued_on=issued_on,
        due_on=(
            issued_on + timedelta(days=seller.payment_terms_days)
            if issued.due_at is None
            else issued.due_at.astimezone(zone).date()
        ),
        paid_on=day(issued.paid_at),
        voided_on=day(issued.voided_at),
        uncollectible_on=day(issued.marked_uncollectible_at),
        period_start=inv.period.start.astimezone(zone).date(),
        period_end=inv.period.end.astimezone(zone).date(),
        seller=seller,
        buyer=issued.customer,
        currency=currency.code,
        lines=tuple(
            DocumentLine(
                description=line.description,
                explanation=line.shown_detail,
                quantity=fmt_units(line.quantity),
                unit_price=UnitPrice(_unit_minor(line.unit_amount), currency),
                unit_price_exact=_terminates(line.unit_amount),
                amount=money(line.amount),
                period_start=line.period.start.astimezone(zone).date(),
                period_end=line.period.end.astimezone(zone).date(),
            )
            for line in inv.shown_lines
        ),
        subtotal=money(inv.subtotal),
        discount=money(inv.discount),
        tax=_tax_summary(issued, seller, currency),
        total=money(inv.total),
        credit_applied=money(inv.credit_applied),
        amount_due=money(inv.amount_due),
        amount_paid=money(inv.amount_due if paid else 0),
        amount_remaining=money(0 if settled else inv.amount_due),
        memo=issued.memo,
        po_number=issued.po_number,
        paid_offline=_offline_text(issued.offline_payment),
        display=display or document_display(None, seller),
    )
    return replace(document, version=fingerprint(document))


def _offline_text(paid: OfflinePayment | None) -> str:
    if paid is None:
        return ""
    how = paid.method.value.replace("_", " ").capitalize()
    return f"{how}, ref. {paid.reference}" if paid.reference else how


def fingerprint(document: Any) -> str:
    """A hash of everything the document shows (its ``version`` excluded)."""
    data = asdict(document)
    data.pop("version")
    payload = json.dumps(data, sort_keys=True, default=_json_default, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _json_default(value: object) -> str:
    if isinstance(value, date | Decimal | Currency):
        return str(value)
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


def _terminates(value: Fraction) -> bool:
    d = value.denominator
    for factor in (2, 5):
        while d % factor == 0:
            d //= factor
    return d == 1


def _unit_minor(value: Fraction) -> Decimal:
    """Exact when the decimal expansion terminates; else rounded to 4 decimals of a minor unit."""
    if _terminates(value):
        return Decimal(fmt_units(value))
    return Decimal(round_minor(value * 10_000)) / 10_000


def _percent(rate: Decimal) -> str:
    text = format(rate.normalize(), "f")
    return f"{text}%"


def _tax_summary(issued: IssuedInvoice, seller: Seller, currency: Currency) -> TaxSummary:
    inv = issued.invoice
    return tax_summary(
        subtotal=inv.subtotal,
        discount=inv.discount,
        tax=inv.tax,
        total=inv.total,
        basis=inv.tax_basis,
        buyer=issued.customer,
        seller=seller,
        currency=currency,
    )


def tax_summary(
    *,
    subtotal: int,
    discount: int,
    tax: int,
    total: int,
    basis: TaxBasis | None,
    buyer: CustomerSnapshot,
    seller: Seller,
    currency: Currency,
) -> TaxSummary:
    """The tax line of a document with these amounts (an invoice, or a credit note with its
    invoice's ``basis``): as stored, or worked out for documents issued before it was kept."""
    taxable = subtotal - discount
    if basis is not None:  # as applied at issue
        inclusive = basis.inclusive and basis.percentage is not None
        rate, reverse_charge = basis.percentage, basis.reverse_charge
        applies = basis.applies or tax != 0
    else:  # issued before the basis was kept: work it out from the amounts
        inclusive = tax != 0 and total == taxable
        reverse_charge = (
            tax == 0
            and bool(buyer.tax_id)
            and buyer.country in EU_VAT_COUNTRIES
            and seller.country in EU_VAT_COUNTRIES
            and buyer.country != seller.country
        )
        rate = _reconstruct_rate(taxable, tax, inclusive=inclusive)
        applies = tax != 0 or reverse_charge
    return TaxSummary(
        name=(basis.name if basis is not None and basis.name else None) or seller.tax_name,
        rate=rate if applies and not reverse_charge else None,
        inclusive=inclusive,
        taxable=Money(taxable - tax if inclusive else taxable, currency),
        tax=Money(tax, currency),
        reverse_charge=reverse_charge,
        applies=applies,
        note=basis.note if basis is not None else None,
    )


def _reconstruct_rate(taxable: int, tax: int, *, inclusive: bool) -> Decimal | None:
    if tax == 0:
        return None
    base = taxable - tax if inclusive else taxable  # the amount before tax
    if base == 0:
        return None
    exact = Fraction(tax * 100, base)
    for places in range(4):
        candidate = Fraction(round(Decimal(exact.numerator) / Decimal(exact.denominator), places))
        if candidate <= 0:
            continue
        rate = candidate / 100
        for rounding in Rounding:
            if inclusive:
                again = round_minor(Fraction(taxable) * rate / (1 + rate), rounding)
            else:
                again = round_minor(Fraction(taxable) * rate, rounding)
            if again == tax:
                return Decimal(candidate.numerator) / Decimal(candidate.denominator)
    return None

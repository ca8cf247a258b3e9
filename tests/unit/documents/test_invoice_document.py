"""The printable invoice view: what it shows is what was issued, and its fingerprint moves with
everything shown (status and settlement dates included) and nothing else."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.adapters.pdf_weasyprint import WeasyPrintInvoiceRenderer
from domain.billing.model import InvoiceStatus, TaxBasis
from domain.documents.invoice_document import DEMO_SELLER, build_invoice_document
from domain.pricing.totals import TaxRate
from domain.shared.errors import ValidationFailed
from domain.shared.money import Money
from tests.unit.documents._builders import issued_invoice, seat_line, usage_line

pytestmark = pytest.mark.unit
PAID_AT = datetime(2024, 3, 2, 9, 15, tzinfo=UTC)


def eur(minor: int) -> Money:
    return Money.of_minor(minor, "EUR")


def test_lines_and_totals_are_shown_as_issued() -> None:
    issued = issued_invoice(seat_line(), usage_line(), discount=500, balance=-1000)
    doc = build_invoice_document(issued, DEMO_SELLER)

    inv = issued.invoice
    assert doc.number == "INV-2024-000042"
    assert [(line.description, line.explanation) for line in doc.lines] == [
        (line.description, line.explanation) for line in inv.lines
    ]
    assert [line.quantity for line in doc.lines] == ["3", "1234.5"]
    assert [line.amount for line in doc.lines] == [eur(3000), eur(1057)]
    assert doc.lines[0].unit_price.minor == Decimal(1000) and doc.lines[0].unit_price_exact
    assert not doc.lines[1].unit_price_exact, "2114/2469 minor units does not terminate"
    assert doc.lines[1].unit_price.minor == Decimal("0.8562")
    assert (doc.subtotal, doc.discount, doc.tax.tax, doc.total) == (
        eur(4057),
        eur(500),
        eur(inv.tax),
        eur(inv.total),
    )
    assert doc.total == eur(3557 + 676)  # 19% of 35.57 = 6.7583 -> 6.76
    assert (doc.credit_applied, doc.amount_due) == (eur(1000), eur(3233))
    assert doc.amount_remaining == eur(3233) and doc.amount_paid == eur(0)
    assert doc.buyer == issued.customer and doc.seller == DEMO_SELLER


def test_dates_are_the_sellers_calendar_dates() -> None:
    issued = issued_invoice()  # issued 2024-02-29 23:30 UTC
    utc = build_invoice_document(issued, DEMO_SELLER)
    berlin = build_invoice_document(
        issued, replace(DEMO_SELLER, timezone="Europe/Berlin", payment_terms_days=14)
    )
    assert (utc.issued_on, utc.due_on) == (date(2024, 2, 29), date(2024, 2, 29))
    assert (berlin.issued_on, berlin.due_on) == (date(2024, 3, 1), date(2024, 3, 15))
    assert (utc.period_start, utc.period_end) == (date(2024, 2, 29), date(2024, 3, 31))


def test_the_fingerprint_changes_when_the_invoice_is_paid_or_voided() -> None:
    issued = issued_invoice()
    open_doc = build_invoice_document(issued, DEMO_SELLER)
    paid_doc = build_invoice_document(issued.mark_paid(PAID_AT), DEMO_SELLER)
    void_doc = build_invoice_document(issued.void(PAID_AT), DEMO_SELLER)

    assert len({open_doc.version, paid_doc.version, void_doc.version}) == 3
    assert paid_doc.status_label == "PAID" and paid_doc.paid_on == date(2024, 3, 2)
    assert paid_doc.amount_paid == open_doc.amount_due and paid_doc.amount_remaining == eur(0)
    assert void_doc.status_label == "VOID" and void_doc.amount_remaining == eur(0)
    later = build_invoice_document(issued.mark_paid(PAID_AT.replace(day=3)), DEMO_SELLER)
    assert later.version != paid_doc.version, "the payment date is shown, so it counts"


def test_the_fingerprint_is_stable_and_covers_the_seller() -> None:
    issued = issued_invoice()
    first = build_invoice_document(issued, DEMO_SELLER)
    assert build_invoice_document(issued, DEMO_SELLER).version == first.version
    assert len(first.version) == 32
    moved = replace(DEMO_SELLER, address_lines=("1 New Street", "Austin, TX 78701"))
    assert build_invoice_document(issued, moved).version != first.version


def test_a_draft_has_no_document() -> None:
    draft = issued_invoice(status=InvoiceStatus.DRAFT)
    with pytest.raises(ValidationFailed) as info:
        build_invoice_document(
            replace(draft, invoice=replace(draft.invoice, number="")), DEMO_SELLER
        )
    assert info.value.code == "documents.invoice_is_draft"


@pytest.mark.parametrize(
    ("rate", "inclusive", "label"),
    [
        (Decimal("19"), False, "Tax 19%"),
        (Decimal("8.875"), False, "Tax 8.875%"),
        (Decimal("20"), True, "Tax 20% (included)"),
    ],
)
@pytest.mark.parametrize("legacy", [False, True], ids=["stored", "reconstructed"])
def test_the_tax_rate_label(rate: Decimal, inclusive: bool, label: str, legacy: bool) -> None:
    issued = issued_invoice(
        seat_line(3, 333_300), tax=TaxRate("T", rate, inclusive=inclusive), legacy=legacy
    )
    doc = build_invoice_document(issued, DEMO_SELLER)
    assert doc.tax.rate == rate
    assert doc.tax.label == label
    assert doc.tax.taxable.minor + doc.tax.tax.minor == doc.total.minor


def test_on_small_amounts_the_stored_rate_is_shown() -> None:
    """8.875% of 99.99 rounds to 8.87, which is also 8.87% of it: the amounts cannot tell the
    rates apart, the stored basis can."""
    rate = TaxRate("T", Decimal("8.875"), False)
    issued = issued_invoice(seat_line(3, 3333), tax=rate)
    assert build_invoice_document(issued, DEMO_SELLER).tax.label == "Tax 8.875%"
    # an invoice stored before the basis was kept: the simplest rate that gives its tax
    old = issued_invoice(seat_line(3, 3333), tax=rate, legacy=True)
    assert build_invoice_document(old, DEMO_SELLER).tax.rate == Decimal("8.87")


def test_a_stored_reverse_charge_is_printed_whatever_the_sellers_settings() -> None:
    note = "Reverse charge: VAT to be accounted for by the customer (DE123456789)"
    issued = issued_invoice(tax=None, basis=TaxBasis(reverse_charge=True, note=note))
    doc = build_invoice_document(issued, DEMO_SELLER)  # a US seller: no guess would say so
    assert doc.tax.reverse_charge and doc.tax.applies
    assert doc.tax.label == "Tax (reverse charge)" and doc.tax.note == note


def test_no_tax_between_eu_businesses_is_a_reverse_charge_on_old_invoices() -> None:
    issued = issued_invoice(tax=None, legacy=True)
    french_seller = replace(DEMO_SELLER, country="FR", tax_name="VAT", tax_id="FR12345678901")
    assert build_invoice_document(issued, french_seller).tax.label == "VAT (reverse charge)"
    assert not build_invoice_document(issued, DEMO_SELLER).tax.applies


@pytest.mark.parametrize("legacy", [False, True])
def test_no_tax_line_when_no_tax_applies(legacy: bool) -> None:
    issued = issued_invoice(tax=None, legacy=legacy)
    doc = build_invoice_document(issued, DEMO_SELLER)
    assert not doc.tax.applies and doc.tax.rate is None
    html = WeasyPrintInvoiceRenderer().render_html(doc)
    assert "Tax 0%" not in html and "0%" not in html
    assert 'data-testid="tax-summary"' not in html

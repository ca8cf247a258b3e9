"""An invoice PDF in Persian: WeasyPrint embeds the vendored Vazirmatn, so the letters join
(pdftotext reads the words back) and the page is laid out right to left; a picture of it goes
to test-output/fa-invoice-pdf.png to look at."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from domain.adapters.pdf_weasyprint import WeasyPrintInvoiceRenderer
from domain.billing.issued import BillingReason, CustomerSnapshot, IssuedInvoice
from domain.billing.model import InvoiceStatus
from domain.documents.invoice_document import DEMO_SELLER, build_invoice_document, document_display
from domain.shared.display import Calendar, DisplayPreferences
from domain.simulate.run import simulate
from domain.simulate.scenario import parse
from tests.integration.db.test_invoice_pdf import SCENARIO
from tests.support.html import by_testid, text
from tests.support.html import parse as parse_html

pytestmark = pytest.mark.integration
BUYER = CustomerSnapshot(
    "شرکت نمونه", "billing@example.ir", ("خیابان آزادی ۱", "تهران"), "IR", None
)


def _document(locale: str):  # type: ignore[no-untyped-def]
    computed = simulate(parse(SCENARIO)).engine.invoices[0]
    issued = IssuedInvoice(
        "inv-fa", "sub-1", "cus-1", BillingReason.SUBSCRIPTION_CREATE, BUYER,
        replace(computed, number="INV-2024-000019", status=InvoiceStatus.OPEN),
    )  # fmt: skip
    return build_invoice_document(issued, replace(DEMO_SELLER, locale=locale))


def test_the_persian_invoice_reads_right_to_left_in_persian() -> None:
    doc = parse_html(WeasyPrintInvoiceRenderer().render_html(_document("fa_IR")))
    root = doc.select_one("html")
    assert root is not None and (root.get("lang"), root.get("dir")) == ("fa-IR", "rtl")
    assert doc.select_one("h1") is not None and text(doc.select_one("h1")) == "صورتحساب"
    totals = text(by_testid(doc, "invoice-totals")[0])
    assert "جمع کل" in totals and "۹۶٫۱۲" in totals  # the total in Persian digits
    english = parse_html(WeasyPrintInvoiceRenderer().render_html(_document("en_US")))
    assert text(english.select_one("h1")) == "Invoice"  # type: ignore[arg-type]


@pytest.mark.needs("pdftoppm", "pdftotext", "pdffonts")
def test_the_persian_invoice_pdf_embeds_vazirmatn_and_joins_the_letters(
    output_dir: Path,
) -> None:
    pdf = WeasyPrintInvoiceRenderer().render_sync(_document("fa_IR"))
    source = output_dir / "fa-invoice-pdf.pdf"
    source.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(source)], capture_output=True, text=True, check=True)
    assert "Vazirmatn" in fonts.stdout
    words = subprocess.run(
        ["pdftotext", str(source), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "صورتحساب" in words and "مبلغ قابل پرداخت" in words
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(source),
         str(output_dir / "fa-invoice-pdf")],
        check=True,
    )  # fmt: skip
    assert (output_dir / "fa-invoice-pdf.png").stat().st_size > 10_000


def _recipient_document(language: str):  # type: ignore[no-untyped-def]
    """An English site (en_US) whose customer's account reads ``language``."""
    computed = simulate(parse(SCENARIO)).engine.invoices[0]
    issued = IssuedInvoice(
        "inv-r", "sub-1", "cus-1", BillingReason.SUBSCRIPTION_CREATE, BUYER,
        replace(computed, number="INV-2024-000020", status=InvoiceStatus.OPEN),
    )  # fmt: skip
    display = document_display(DisplayPreferences(language, calendar=Calendar.JALALI), DEMO_SELLER)
    return build_invoice_document(issued, DEMO_SELLER, display)


@pytest.mark.needs("pdftoppm", "pdftotext")
def test_an_english_sites_invoice_pdf_follows_its_recipients_language(output_dir: Path) -> None:
    renderer = WeasyPrintInvoiceRenderer()
    persian, english = _recipient_document("fa"), _recipient_document("en")
    assert persian.version != english.version, "one stored PDF must not serve the other"
    words = {}
    for name, document in (("fa", persian), ("en", english)):
        source = output_dir / f"recipient-{name}-invoice-pdf.pdf"
        source.write_bytes(renderer.render_sync(document))
        words[name] = subprocess.run(
            ["pdftotext", str(source), "-"], capture_output=True, text=True, check=True
        ).stdout
    assert "صورتحساب" in words["fa"] and "Amount due" not in words["fa"]
    assert "Amount due" in words["en"] and "صورتحساب" not in words["en"]
    # the figures are the invoice's in both: what is shown is what is charged
    total = persian.total
    assert total == english.total and f"{total.major:,.2f}" in words["en"]
    assert "۹۶٫۱۲" in words["fa"]
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
         str(output_dir / "recipient-fa-invoice-pdf.pdf"), str(output_dir / "recipient-fa-invoice-pdf")],
        check=True,
    )  # fmt: skip


def _credit_note(locale: str):  # type: ignore[no-untyped-def]
    from tests.support import emails

    seller = replace(DEMO_SELLER, locale=locale)
    original = emails.DEMO_SELLER
    emails.DEMO_SELLER = seller  # the sample credit note, printed for this site
    try:
        return emails._credit_note_document()
    finally:
        emails.DEMO_SELLER = original


@pytest.mark.needs("pdftoppm", "pdftotext", "pdffonts")
def test_the_persian_credit_note_pdf(output_dir: Path) -> None:
    renderer = WeasyPrintInvoiceRenderer()
    note = _credit_note("fa_IR")
    doc = parse_html(renderer.render_credit_note_html(note))
    root = doc.select_one("html")
    assert root is not None and (root.get("lang"), root.get("dir")) == ("fa-IR", "rtl")
    assert text(doc.select_one("h1")) == "اعلامیهٔ بستانکاری"  # type: ignore[arg-type]
    totals = text(by_testid(doc, "credit-note-totals")[0])
    assert "جمع بستانکاری" in totals and "۵۷٫۶۰" in totals  # 57.60 EUR credited
    assert "۱۴٫۴۰" in totals  # the discount, isolated with its sign
    source = output_dir / "fa-credit-note-pdf.pdf"
    source.write_bytes(renderer.render_credit_note_sync(note))
    fonts = subprocess.run(["pdffonts", str(source)], capture_output=True, text=True, check=True)
    assert "Vazirmatn" in fonts.stdout
    words = subprocess.run(
        ["pdftotext", str(source), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "بستانکاری" in words and "Credit note" not in words
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(source),
         str(output_dir / "fa-credit-note-pdf")],
        check=True,
    )  # fmt: skip
    english = parse_html(renderer.render_credit_note_html(_credit_note("en_US")))
    assert text(english.select_one("h1")) == "Credit note"  # type: ignore[arg-type]

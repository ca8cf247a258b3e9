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
from domain.documents.invoice_document import DEMO_SELLER, build_invoice_document
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

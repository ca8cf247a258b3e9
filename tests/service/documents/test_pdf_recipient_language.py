"""An invoice's and a credit note's PDF in its recipient's language: the display the account that
manages the customer saved, else the site's; the display is part of the stored PDF's version, so
a Persian and an English rendering of one document never serve each other."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.adapters.pdf_weasyprint import WeasyPrintInvoiceRenderer
from domain.documents.invoice_document import DEMO_SELLER, InvoiceDocument
from domain.documents.service import DocumentRendering, invoice_pdf
from domain.shared.clock import FrozenClock
from domain.shared.display import Calendar, DisplayPreferences
from tests.fakes import InMemoryUnitOfWork
from tests.support.html import parse, text
from tests.unit.documents._builders import issued_invoice

pytestmark = pytest.mark.service


class HtmlRenderer:
    """The real template, no WeasyPrint: the PDF's bytes are the HTML handed to it."""

    def __init__(self) -> None:
        self.html = WeasyPrintInvoiceRenderer()
        self.rendered: list[InvoiceDocument] = []

    async def render(self, view: InvoiceDocument) -> bytes:
        self.rendered.append(view)
        return self.html.render_html(view).encode()

    async def render_credit_note(self, view: object) -> bytes:
        raise AssertionError("not used")


def _uow_with_account(prefs: DisplayPreferences | None) -> InMemoryUnitOfWork:
    from domain.accounts.model import Account

    uow = InMemoryUnitOfWork()
    uow.invoices.invoices["inv-1"] = issued_invoice(discount=500)
    if prefs is not None:
        uow.accounts.rows["acc-1"] = Account(
            id="acc-1", email="ada@example.test", name="Ada", password_hash=None,
            customer_id="cus-1", email_verified=True,
            created_at=datetime(2024, 1, 1, tzinfo=UTC), display=prefs,
        )  # fmt: skip
    return uow


async def _download(uow: InMemoryUnitOfWork, renderer: HtmlRenderer, clock: FrozenClock) -> str:
    rendering = DocumentRendering(lambda: uow, renderer, DEMO_SELLER, clock)  # type: ignore[arg-type]
    _, content = await invoice_pdf("inv-1", rendering=rendering)
    return content.decode()


async def test_a_persian_account_gets_a_persian_invoice(clock: FrozenClock) -> None:
    uow = _uow_with_account(DisplayPreferences("fa", calendar=Calendar.JALALI))
    html = await _download(uow, HtmlRenderer(), clock)
    doc = parse(html)
    root = doc.select_one("html")
    assert root is not None and (root.get("lang"), root.get("dir")) == ("fa", "rtl")
    assert text(doc.find("h1")) == "صورتحساب"  # type: ignore[arg-type]
    totals = text(doc.select_one('[data-testid="invoice-totals"]'))  # type: ignore[arg-type]
    assert "جمع کل" in totals and "Total" not in totals
    assert "۴۲٫۳۳" in totals  # the invoice's total, 42.33 EUR, in Persian digits
    # the seller's name and the discount's sign are isolated left to right
    assert '<bdi dir="ltr">Tessera Inc.</bdi>' in html
    assert '<bdi dir="ltr">-\u200e€\xa0۵٫۰۰</bdi>' in html
    # documents keep Gregorian dates (the calendar rule), in the reader's language
    meta = text(doc.select_one('[data-testid="invoice-meta"]'))  # type: ignore[arg-type]
    assert "فوریه" in meta and "اسفند" not in meta


async def test_an_english_or_unset_account_gets_the_sites_language(clock: FrozenClock) -> None:
    for prefs in (DisplayPreferences("en"), DisplayPreferences(), None):
        html = await _download(_uow_with_account(prefs), HtmlRenderer(), clock)
        doc = parse(html)
        root = doc.select_one("html")
        assert root is not None and (root.get("lang"), root.get("dir")) == ("en-US", "ltr")
        totals = text(doc.select_one('[data-testid="invoice-totals"]'))  # type: ignore[arg-type]
        assert "Total" in totals and "€42.33" in totals


async def test_a_change_of_language_renders_again_and_never_serves_the_other(
    clock: FrozenClock,
) -> None:
    uow = _uow_with_account(DisplayPreferences("en"))
    renderer = HtmlRenderer()
    english = await _download(uow, renderer, clock)
    assert await _download(uow, renderer, clock) == english and len(renderer.rendered) == 1

    account = uow.accounts.rows["acc-1"]
    uow.accounts.rows["acc-1"] = replace(account, display=DisplayPreferences("fa"))
    persian = await _download(uow, renderer, clock)

    assert len(renderer.rendered) == 2, "the stored English PDF was not served in Persian"
    assert renderer.rendered[0].version != renderer.rendered[1].version
    assert 'lang="fa"' in persian and 'lang="en-US"' in english
    assert uow.documents.rows["inv-1"].version == renderer.rendered[1].version

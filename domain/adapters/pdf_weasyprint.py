"""The PDF renderer on WeasyPrint: ``templates/pdf/invoice.html`` and
``templates/pdf/credit_note.html``, both styled by ``static/pdf/invoice.css``.

The template gets the ``InvoiceDocument`` as ``doc`` and formats with the same ``|money`` and
``|date_local`` filters as the web pages, in the document's ``display`` (its recipient's
language and digits, Gregorian dates: ``document_display``) and the seller's time zone. WeasyPrint is
CPU-bound and synchronous, so it runs in a worker thread (``anyio.to_thread.run_sync``); fonts
come from the system (DejaVu) and are embedded as subsets. Pin WeasyPrint's major version: its
maintainers warn that layout may change between major releases.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import anyio.to_thread
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.adapters.country_names import install_country_filters
from domain.adapters.formatting import install_filters
from domain.adapters.i18n import install_i18n
from domain.adapters.line_text import install_line_filters
from domain.documents.credit_note_document import CreditNoteDocument
from domain.documents.invoice_document import InvoiceDocument

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE_DIR = ROOT / "templates"
STYLESHEET = ROOT / "static" / "pdf" / "invoice.css"
TEMPLATE = "pdf/invoice.html"
CREDIT_NOTE_TEMPLATE = "pdf/credit_note.html"


def pdf_environment(template_dir: Path = TEMPLATE_DIR) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(template_dir),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    install_filters(environment)
    install_line_filters(environment)
    install_i18n(environment)
    install_country_filters(environment)  # |country_name in the document's language
    return environment


class WeasyPrintInvoiceRenderer:
    """Renders ``InvoiceDocument`` and ``CreditNoteDocument`` views to PDF bytes (A4)."""

    def __init__(self, *, template_dir: Path = TEMPLATE_DIR, stylesheet: Path = STYLESHEET) -> None:
        self._env = pdf_environment(template_dir)
        self._stylesheet = stylesheet
        self._css: Any = None  # parsed once, on first use (weasyprint imports are slow)
        self._fonts: Any = None
        # one render at a time per renderer: the parsed stylesheet and font configuration are
        # shared, and Pango/fontconfig objects are not meant to be used from two threads at once
        # (the GIL would serialise most of the work anyway)
        self._lock = threading.Lock()

    def render_html(self, view: InvoiceDocument) -> str:
        """The HTML handed to WeasyPrint (what the snapshot tests look at)."""
        return self._env.get_template(TEMPLATE).render(
            doc=view, display=view.display, locale=view.display.locale,
            timezone=view.seller.timezone,
        )  # fmt: skip

    def render_credit_note_html(self, view: CreditNoteDocument) -> str:
        return self._env.get_template(CREDIT_NOTE_TEMPLATE).render(
            doc=view, display=view.display, locale=view.display.locale,
            timezone=view.seller.timezone,
        )  # fmt: skip

    def render_sync(self, view: InvoiceDocument) -> bytes:
        return self._write_pdf(self.render_html(view))

    def render_credit_note_sync(self, view: CreditNoteDocument) -> bytes:
        return self._write_pdf(self.render_credit_note_html(view))

    def _write_pdf(self, html: str) -> bytes:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration

        with self._lock:
            if self._css is None:
                self._fonts = FontConfiguration()
                self._css = CSS(filename=str(self._stylesheet), font_config=self._fonts)
            pdf = HTML(string=html, base_url=str(ROOT)).write_pdf(
                stylesheets=[self._css], font_config=self._fonts
            )
        assert isinstance(pdf, bytes)
        return pdf

    async def render(self, view: InvoiceDocument) -> bytes:
        return await anyio.to_thread.run_sync(self.render_sync, view)

    async def render_credit_note(self, view: CreditNoteDocument) -> bytes:
        return await anyio.to_thread.run_sync(self.render_credit_note_sync, view)

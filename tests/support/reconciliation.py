"""A check over the whole suite: every invoice and credit note it creates adds up, and every page,
PDF and e-mail that shows one shows figures that add up (docs/billing.md, "Invoices: lifecycle").

Active in every test run (``tests/conftest.py`` loads it as a plugin). It wraps, for the
session:

- where documents are made: the billing engine (``_issue``, ``_credit_unused``) and the
  repositories that store invoices and credit notes (Piccolo and in-memory);
- where they are shown: every Jinja template rendered with an ``InvoiceDocument`` or a
  ``CreditNoteDocument`` as ``doc`` or ``document`` (portal pages, the PDFs' HTML, e-mails), and
  the PDF bytes WeasyPrint writes (read back with pypdf).

A made document must satisfy: the lines sum to the subtotal, subtotal - discount + tax
(exclusive) or subtotal - discount (inclusive) is the total, an invoice's amount due is its total
less credit applied, a credit note's refunded and credited parts sum to its total. A shown one
must show its subtotal, its discount (when there is one), its tax line (when tax applies), its
total and every line's amount, with their labels; and never "Tax 0%". The arithmetic here is
written independently of ``domain/billing/reconcile.py``.

A problem fails the test during which it appeared (in teardown) and is listed at the end.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from domain.adapters.composed_text import rewrite
from domain.adapters.formatting import format_money
from domain.adapters.i18n import gettext_for
from domain.billing.model import CreditNote, Invoice
from domain.documents.credit_note_document import CreditNoteDocument
from domain.documents.invoice_document import InvoiceDocument
from domain.shared.digits import ascii_digits
from domain.shared.display import LANGUAGES, Display, DisplayPreferences
from domain.shared.money import Money

COUNTS: Counter[str] = Counter()
PROBLEMS: list[str] = []
_LOCALES = ("en_US", "de_DE", "fr_FR", "en_GB", "ja_JP", "fa")


# -- made documents -------------------------------------------------------------------------------
def _adds_up(
    lines: list[int], subtotal: int, discount: int, tax: int, total: int, inclusive: bool | None
) -> list[str]:
    problems = []
    if sum(lines) != subtotal:
        problems.append(f"lines {lines} sum to {sum(lines)}, not the subtotal {subtotal}")
    exclusive_total = subtotal - discount + tax
    inclusive_total = subtotal - discount
    allowed = (
        {inclusive_total if inclusive else exclusive_total}
        if inclusive is not None
        else {exclusive_total, inclusive_total}
    )
    if total not in allowed:
        problems.append(
            f"subtotal {subtotal} - discount {discount} + tax {tax} "
            f"({'inclusive' if inclusive else 'exclusive'}) is not the total {total}"
        )
    return problems


def invoice_problems(inv: Invoice) -> list[str]:
    basis = inv.tax_basis
    inclusive = basis.inclusive if basis is not None and basis.percentage is not None else None
    if inclusive is None and inv.tax == 0:
        inclusive = False
    problems = _adds_up(
        [line.amount for line in inv.lines], inv.subtotal, inv.discount, inv.tax, inv.total,
        inclusive,
    )  # fmt: skip
    if inv.amount_due != max(0, inv.total - inv.credit_applied) or inv.credit_applied < 0:
        problems.append(
            f"total {inv.total} - credit applied {inv.credit_applied} is not the amount due "
            f"{inv.amount_due}"
        )
    return [f"invoice {inv.number or '(draft)'}: {p}" for p in problems]


def credit_note_problems(note: CreditNote) -> list[str]:
    problems = _adds_up(
        [line.amount for line in note.lines], note.subtotal, note.discount, note.tax, note.total,
        False if note.tax == 0 else None,
    )  # fmt: skip
    if note.refunded + note.credited != note.total or min(note.refunded, note.credited) < 0:
        problems.append(
            f"refunded {note.refunded} + credited {note.credited} is not the total {note.total}"
        )
    return [f"credit note {note.number}: {p}" for p in problems]


# -- shown documents ------------------------------------------------------------------------------
def _visible_text(markup: str) -> str:
    if "<" in markup:
        from bs4 import BeautifulSoup

        markup = BeautifulSoup(markup, "html.parser").get_text(" ")
    return _normal(markup)


def _normal(text: str) -> str:
    # a Persian document: its digits and separators read as ASCII, direction marks and
    # isolates (a plain-text e-mail's U+2066..U+2069 around a left-to-right run) dropped
    text = ascii_digits(re.sub("[\u200e\u200f\u061c\u2066-\u2069]", "", text))
    text = text.replace("\u2212", "-").replace("\u2013", "-")
    # a signed amount isolated left to right in a right-to-left PDF ("-€ 5.00" on the page) is
    # read back by pypdf as "€- 5.00": the sign goes back in front of the symbol
    text = re.sub(r"(\S)-(?=[\s\xa0]?\d)", lambda m: _signed(m.group(1)), text)
    return re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u202f", " ")).strip()


def _label_in(language: str, label: str) -> str:
    """A document's label as its reader sees it: the catalog's, or a composed one rewritten."""
    display = Display.resolve(language, DisplayPreferences(), site_locale="en_US")
    return rewrite(display, label) or gettext_for(language, label)


def _signed(before: str) -> str:
    return f"-{before}" if unicodedata.category(before) == "Sc" else f"{before}-"


def _fmt(value: Money, locale: str) -> str:
    return _normal(format_money(Money(abs(value.minor), value.currency), locale=locale))


def shown_problems(doc: InvoiceDocument | CreditNoteDocument, text: str) -> list[str]:
    """What ``text`` (a rendering of ``doc``) fails to show, or shows that does not add up."""
    text = _normal(text)
    problems: list[str] = []
    lines = [line.amount.minor for line in doc.lines]
    problems += _adds_up(
        lines, doc.subtotal.minor, doc.discount.minor, doc.tax.tax.minor, doc.total.minor,
        doc.tax.inclusive,
    )  # fmt: skip
    if isinstance(doc, CreditNoteDocument):
        if doc.refunded.minor + doc.credited.minor != doc.total.minor:
            problems.append("refunded + credited is not the total")
    elif doc.amount_due.minor != max(0, doc.total.minor - doc.credit_applied.minor):
        problems.append("total - credit applied is not the amount due")
    locale = next((lc for lc in _LOCALES if _fmt(doc.subtotal, lc) in text), None)
    if locale is None:
        return [*problems, f"the subtotal {doc.subtotal} is not shown"]

    def labelled(label: str, value: Money, *also: str) -> None:
        # "Total" also matches "Total credited"; the amount may carry a minus sign; a document
        # in another language (its recipient's) shows the label translated (``also``: other
        # labels it may go by, translated too; a credit note's "Total credited" is its own
        # message, translated whole)
        labels = [label, *also] + (["Total credited"] if label == "Total" else [])
        # (a composed label, "Tax 19%", is rewritten for the reader: composed_text.py)
        names = sorted({_normal(_label_in(lang, x)) for lang in LANGUAGES for x in labels})
        pattern = "(?:" + "|".join(re.escape(n) for n in names) + r")(?: credited)?[\s:]*-?\s*"
        pattern += re.escape(_fmt(value, locale))
        if not re.search(pattern, text):
            problems.append(f"{label!r} {value} is not shown")

    labelled("Subtotal", doc.subtotal)
    if doc.discount.minor:
        labelled("Discount", doc.discount)
    if doc.tax.applies:
        labelled(doc.tax.label, doc.tax.tax)
    elif doc.tax.tax.minor:
        problems.append("tax is charged but no tax line applies")
    labelled("Total", doc.total, "Total credited")
    for line in doc.lines:
        if _fmt(line.amount, locale) not in text:
            problems.append(f"the line {line.description!r} ({line.amount}) is not shown")
    if re.search(rf"{re.escape(doc.tax.name)} 0(\.0+)?\s?%", text):
        problems.append(f'"{doc.tax.name} 0%" is printed')
    return [f"{type(doc).__name__} {doc.number}: {p}" for p in problems]


def _record(where: str, problems: list[str], counted_as: str | None = None) -> None:
    COUNTS[counted_as or where] += 1
    PROBLEMS.extend(f"{where}: {p}" for p in problems)


# -- the hooks ------------------------------------------------------------------------------------
def _wrap(owner: Any, name: str, after: Callable[..., None]) -> None:
    original = getattr(owner, name)
    if getattr(original, "__reconciled__", False):
        return
    if _is_async(original):

        @functools.wraps(original)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            result = await original(*args, **kwargs)
            after(result, *args, **kwargs)
            return result

        async_wrapper.__reconciled__ = True  # type: ignore[attr-defined]
        setattr(owner, name, async_wrapper)
    else:

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            after(result, *args, **kwargs)
            return result

        wrapper.__reconciled__ = True  # type: ignore[attr-defined]
        setattr(owner, name, wrapper)


def _is_async(fn: Any) -> bool:
    import inspect

    return inspect.iscoroutinefunction(fn)


def _stored_invoice(result: Any, repo: Any, issued: Any, *a: Any, **k: Any) -> None:
    _record("stored invoice", invoice_problems(issued.invoice))


def _stored_note(result: Any, repo: Any, note: Any, *a: Any, **k: Any) -> None:
    _record("stored credit note", credit_note_problems(note.note))


def _engine_invoice(result: Invoice, *a: Any, **k: Any) -> None:
    _record("computed invoice", invoice_problems(result))


def _engine_notes(result: Any, engine: Any, *a: Any, **k: Any) -> None:
    for note in engine.credit_notes[-1:]:
        _record("computed credit note", credit_note_problems(note))


def _template(result: Any, template: Any, *args: Any, **kwargs: Any) -> None:
    name = getattr(template, "name", None) or "a template"
    if not isinstance(result, str) or name.endswith(".subject.txt"):
        return
    context = dict(*args, **kwargs) if args or kwargs else {}
    for key in ("doc", "document"):
        doc = context.get(key)
        if isinstance(doc, InvoiceDocument | CreditNoteDocument):
            kind = (
                "e-mail part"
                if name.startswith("emails/")
                else "PDF markup"
                if name.startswith("pdf/")
                else "page"
            )
            _record(name, shown_problems(doc, _visible_text(result)), kind)
            return


def _pdf(result: bytes, renderer: Any, view: Any, *a: Any, **k: Any) -> None:
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(result)).pages)
    _record("PDF", shown_problems(view, text))


def install() -> None:
    import jinja2

    from domain.adapters.db.repositories.billing import (
        PiccoloCreditNoteRepository,
        PiccoloInvoiceRepository,
    )
    from domain.adapters.pdf_weasyprint import WeasyPrintInvoiceRenderer
    from domain.subscriptions.engine import SubscriptionEngine
    from tests.fakes import InMemoryCreditNoteRepository, InMemoryInvoiceRepository

    for repo in (PiccoloInvoiceRepository, InMemoryInvoiceRepository):
        _wrap(repo, "add", _stored_invoice)
    for repo in (PiccoloCreditNoteRepository, InMemoryCreditNoteRepository):
        _wrap(repo, "add", _stored_note)
    _wrap(SubscriptionEngine, "_issue", _engine_invoice)
    _wrap(SubscriptionEngine, "_credit_unused", _engine_notes)
    _wrap(jinja2.Template, "render", _template)
    _wrap(WeasyPrintInvoiceRenderer, "render_sync", _pdf)
    _wrap(WeasyPrintInvoiceRenderer, "render_credit_note_sync", _pdf)


def pytest_configure(config: pytest.Config) -> None:
    install()


@pytest.fixture(autouse=True)
def _documents_add_up() -> Iterator[None]:
    """Fails the test during which a document that does not add up was made or shown."""
    start = len(PROBLEMS)
    yield
    found = PROBLEMS[start:]
    if found:
        pytest.fail("documents that do not add up:\n" + "\n".join(found), pytrace=False)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not COUNTS:
        return
    checked = ", ".join(f"{n} {where}" for where, n in sorted(COUNTS.items()))
    terminalreporter.write_line(f"documents reconciled: {sum(COUNTS.values())} ({checked})")
    if PROBLEMS:
        terminalreporter.write_line(f"documents that do not add up: {len(PROBLEMS)}")

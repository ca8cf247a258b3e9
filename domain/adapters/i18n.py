"""Translations: gettext catalogs under ``locales/<language>/LC_MESSAGES/messages.po`` (Babel),
installed on a Jinja environment so every template says ``{% trans %}``/``_()`` and gets the
language of the page, e-mail or PDF it renders.

The language is read from the template context, not from a process-wide setting: the ``display``
a renderer passes (e-mails and PDFs, in their recipient's language), else the one the web layer
resolved for the request (``request.scope["state"]["display"]``), else the site's default. The
callables are installed "newstyle" (``_("Hello %(name)s", name=x)`` escapes and formats).

Compiled catalogs (``.mo``) are built by ``make`` (``pybabel compile``) and not committed; a
catalog whose ``.mo`` is missing or older than its ``.po`` (a fresh checkout run without
``make``) is compiled in memory from the ``.po``, so a page is never silently in English.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from contextvars import ContextVar
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, pass_context

from domain.shared.display import Display, language_of_locale

LOCALES_DIR = Path(__file__).resolve().parent.parent.parent / "locales"
DOMAIN = "messages"
DISPLAY_STATE = "display"  # the request state key web/display.py stores a request's Display in

# the display of the request being handled (set by web/display.py's before_request hook): what a
# macro imported without context ({% from "components/money.html" import amount %}), which
# sees no ``request``, formats with
REQUEST_DISPLAY: ContextVar[Display | None] = ContextVar("request_display", default=None)

_lock = threading.Lock()
_cache: dict[str, NullTranslations] = {}


def _load(language: str, locales_dir: Path) -> NullTranslations:
    folder = locales_dir / language / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return Translations(fh, domain=DOMAIN)
    if po.exists():
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language, domain=DOMAIN)
        buffer = BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    return NullTranslations()  # English, the source language, has no catalog


def translations(language: str, *, locales_dir: Path = LOCALES_DIR) -> NullTranslations:
    """The catalog of a language, loaded once per process."""
    key = f"{locales_dir}:{language}"
    found = _cache.get(key)
    if found is None:
        with _lock:
            found = _cache.get(key)
            if found is None:
                found = _load(language, locales_dir)
                _cache[key] = found
    return found


def display_of(context: Mapping[str, Any]) -> Display:
    """The display of what is being rendered: the context's ``display``, else the request's,
    else the ``locale`` a renderer passes (the invoice PDF: the seller's), else the request
    being handled (a macro imported without context), else the site default."""
    display = context.get("display")
    if isinstance(display, Display):
        return display
    request = context.get("request")
    if request is not None:
        state = request.scope.get("state", {})
        display = state.get(DISPLAY_STATE)
        if isinstance(display, Display):
            return display
    explicit = context.get("locale")
    if not explicit:
        display = REQUEST_DISPLAY.get()
        if display is not None:
            return display
    site_locale = str(explicit or context.get("default_locale") or "en_US")
    return Display(language=language_of_locale(site_locale), locale=site_locale)


def N_(message: str) -> str:
    """Marks a string for extraction without translating it (a value translated later)."""
    return message


# words the templates translate as values (``_(plan.interval)``, ``_(summary.interval_label)``):
# listed so ``pybabel extract`` (keyword N_) puts them in the catalogs
VALUE_WORDS = (
    N_("day"), N_("week"), N_("month"), N_("year"), N_("unit"),
    # a price's suffix as catalog/views.py writes it for the common cases
    N_("/ month"), N_("/ year"), N_("/ month + usage"), N_("/ year + usage"),
    N_("per seat / month"), N_("per seat / year"),
    N_("Tax is calculated once you choose your country."),  # the checkout's tax note
    N_("OPEN"), N_("PAID"), N_("VOID"), N_("DRAFT"), N_("UNCOLLECTIBLE"),  # a PDF's stamp
    N_("Tax"), N_("draft"), N_("open"), N_("paid"), N_("void"), N_("uncollectible"),
    # a credit note's reason (documents/credit_note_document.py REASON_LABELS)
    N_("Duplicate charge"), N_("Fraudulent charge"), N_("Subscription change"), N_("Refund"),
    # a tax decision's note on a document, and a price change notice's tax wording
    N_("Tax exempt"), N_("No tax is added (tax exempt)"),
    N_("VAT is reverse charged: you account for it yourself"),
)  # fmt: skip


def gettext_for(language: str, message: str, **variables: Any) -> str:
    """A message translated outside a template (a flash message, a form error)."""
    text = translations(language).ugettext(message)
    return text % variables if variables else text


def ngettext_for(language: str, singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(language).ungettext(singular, plural, n)
    return text % {"num": n, **variables}


@pass_context
def _gettext(context: Mapping[str, Any], message: str) -> str:
    return translations(display_of(context).language).ugettext(message)


@pass_context
def _ngettext(context: Mapping[str, Any], singular: str, plural: str, n: int) -> str:
    return translations(display_of(context).language).ungettext(singular, plural, n)


@pass_context
def _pgettext(context: Mapping[str, Any], msgctxt: str, message: str) -> str:
    return translations(display_of(context).language).upgettext(msgctxt, message)


@pass_context
def _npgettext(context: Mapping[str, Any], msgctxt: str, singular: str, plural: str, n: int) -> str:
    return translations(display_of(context).language).unpgettext(msgctxt, singular, plural, n)


@pass_context
def translated(context: Mapping[str, Any], message: str) -> str:
    """A message that is a value (a flash message queued in English, a label a view carries)
    in the page's language when the catalog has it, or when it is a value the domain composes
    (``composed_text.py``: "Tax (19%)", "3 months"), else as it is (markup stays markup); never
    %-formatted."""
    if not message:
        return message
    display = display_of(context)
    text = translations(display.language).ugettext(message)
    if text != message:
        return text
    # a value the domain composed with a number or a merchant's word in it ("Tax (19%)",
    # "3 months"): rewritten from its shape (imported here: composed_text formats with
    # formatting.py, which imports this module)
    from domain.adapters.composed_text import rewrite

    return rewrite(display, message) or message


@pass_context
def _current_display(context: Mapping[str, Any]) -> Display:
    return display_of(context)


def install_i18n(env: Environment) -> None:
    """The ``i18n`` extension with context-aware callables: ``{% trans %}``, ``_()``,
    ``gettext``, ``ngettext``, ``pgettext``; ``{{ display }}`` is not added here (a renderer
    passes its own or the request's is read)."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext
    )
    env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks' whitespace collapsed
    env.globals["translated"] = translated
    env.globals["current_display"] = _current_display

"""Values the domain composes in English with a number or a merchant's word inside, read in the
reader's language at display time (pages, e-mails and PDFs alike).

The domain writes a few short labels once, in English, and views carry them as values: a tax
label ("Tax (19%)" on the checkout, "VAT 19%", "Tax 8.875% (included)", "VAT (reverse charge)"
on a document), the price-change notice's tax wording ("Tax at 8.875% is added to these
prices"), a reverse charge's note, an interval of more than one unit ("3 months"), a tier table's one-line summary
("Graduated tiers per API call", "Per 1,000 API calls") and how staff recorded an offline
payment ("Bank transfer, ref. ABC-123"). Like an invoice line (``line_text.py``), they stay as
written for English and are rewritten here for another language from the shapes the domain
writes (``domain/checkout/summary.py``, ``documents/invoice_document.py``,
``subscriptions/price_migration_run.py``, ``shared/periods.py``, ``catalog/views.py``), the
phrases from the message catalog, the numbers in the reader's digits and percent sign. A
merchant's word inside ("VAT", "API call") is kept as entered, isolated (U+2068 ... U+2069) so
it keeps its own direction in a right-to-left sentence.

``translated(value)`` in every template (``domain/adapters/i18n.py``) looks a value up in the
catalog and, when the catalog has it not as written, here; ``web/messages.py`` does the same for
the domain's messages a page shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from domain.adapters.formatting import in_digits
from domain.adapters.i18n import N_, gettext_for, translations
from domain.shared.display import Digits, Display

FSI, PDI = "\u2068", "\u2069"
_NUMBER = r"\d+(?:\.\d+)?"


def _label(display: Display, word: str) -> str:
    """A merchant's word (a tax code "VAT", a unit "API call"), isolated in right-to-left text;
    "Tax", the domain's own word, translated."""
    if word == "Tax":
        return gettext_for(display.language, "Tax")
    return f"{FSI}{word}{PDI}" if display.direction == "rtl" else word


def _percent(display: Display, number: str) -> str:
    """ "19" -> "۱۹٪" in Persian digits ("19%" in Latin ones); the domain's exact digits kept."""
    if display.language == "fa" and display.digits is Digits.NATIVE:
        return in_digits(number, display) + "٪"
    return in_digits(number, display) + "%"


def _count(display: Display, number: str) -> str:
    """ "1,000" in the reader's digits, with the Persian thousands separator beside them."""
    text = in_digits(number, display)
    return text.replace(",", "٬") if text != number else text


def _interval(display: Display, n: str, unit: str) -> str:
    """ "3 months" with the catalog's plural form for the count, in the reader's digits."""
    count = int(n)
    ngettext = translations(display.language).ungettext  # spelled so extraction finds them
    plural = {
        "day": ngettext("%(num)s day", "%(num)s days", count),
        "week": ngettext("%(num)s week", "%(num)s weeks", count),
        "month": ngettext("%(num)s month", "%(num)s months", count),
        "year": ngettext("%(num)s year", "%(num)s years", count),
    }[unit]
    return plural % {"num": in_digits(n, display)}


# the offline payment methods as documents/invoice_document.py writes them
_OFFLINE = {
    "Bank transfer": N_("Bank transfer"),
    "Cheque": N_("Cheque"),
    "Cash": N_("Cash"),
    "Other": N_("Other"),
}

_Rewrite = Callable[[Display, re.Match[str]], str]


def _tax_checkout(d: Display, m: re.Match[str]) -> str:
    return gettext_for(d.language, "%(name)s (%(rate)s)", name=_label(d, m["name"]),
                       rate=_percent(d, m["rate"]))  # fmt: skip


def _tax_document(d: Display, m: re.Match[str]) -> str:
    name, rate = _label(d, m["name"]), _percent(d, m["rate"])
    if m["included"]:
        return gettext_for(d.language, "%(name)s %(rate)s (included)", name=name, rate=rate)
    return gettext_for(d.language, "%(name)s %(rate)s", name=name, rate=rate)


def _offline(d: Display, m: re.Match[str]) -> str:
    how = gettext_for(d.language, _OFFLINE[m["how"]])
    if m["ref"] is None:
        return how
    ref = f"{FSI}{m['ref']}{PDI}" if d.direction == "rtl" else m["ref"]
    return gettext_for(d.language, "%(how)s, ref. %(ref)s", how=how, ref=ref)


# a catalog charge's detail on the admin's catalog pages (catalog_admin/views.py): its parts
# joined by ", " ("per seat", "per 1,000 GB, 10 free", "per call, metered: api_calls (sum)")
_AGGREGATIONS = {
    "sum": N_("Sum of values"), "count": N_("Count of events"), "max": N_("Maximum value"),
    "unique_count": N_("Unique values"), "last": N_("Last value"),
}  # fmt: skip
_COUNT = r"\d{1,3}(?:,\d{3})*"
_DETAIL_PARTS: tuple[tuple[re.Pattern[str], _Rewrite], ...] = tuple(
    (re.compile(english), rewrite)
    for english, rewrite in (
        (rf"per (?P<n>{_COUNT}) (?P<unit>[^,]+)",
         lambda d, m: gettext_for(d.language, "per %(n)s %(unit)s", n=_count(d, m["n"]),
                                  unit=_label(d, m["unit"]))),
        (r"per (?P<unit>[^,]+)",
         lambda d, m: gettext_for(d.language, "per %(unit)s", unit=_label(d, m["unit"]))),
        (rf"(?P<n>{_COUNT}) free",
         lambda d, m: gettext_for(d.language, "%(n)s free", n=_count(d, m["n"]))),
        (rf"metered: (?P<meter>[^,]+) \((?P<how>{'|'.join(_AGGREGATIONS)})\)",
         lambda d, m: gettext_for(d.language, "metered: %(meter)s (%(how)s)",
                                  meter=_label(d, m["meter"]),
                                  how=gettext_for(d.language, _AGGREGATIONS[m["how"]]))),
    )
)  # fmt: skip
_PART = rf"(?:per (?:{_COUNT} )?[^,]+|{_COUNT} free|metered: [^,]+)"
_DETAIL = re.compile(rf"{_PART}(?:, {_PART})*")


def _charge_detail(d: Display, m: re.Match[str]) -> str:
    said = []
    for part in m[0].split(", "):
        for pattern, rewrite in _DETAIL_PARTS:
            found = pattern.fullmatch(part)
            if found is not None:
                said.append(rewrite(d, found))
                break
        else:
            said.append(_label(d, part))
    return gettext_for(d.language, ", ").join(said)


# (the English as the domain writes it, how it reads in another language); the first that
# matches the whole value wins, so the narrower shapes come first
REWRITES: tuple[tuple[re.Pattern[str], _Rewrite], ...] = tuple(
    (re.compile(english), rewrite)
    for english, rewrite in (
        # an interval of more than one unit (shared/periods.py, checkout/summary.py)
        (r"(?P<n>\d+) (?P<unit>day|week|month|year)s",
         lambda d, m: _interval(d, m["n"], m["unit"])),
        # tax labels: the checkout's, then a document's
        (rf"(?P<name>[^()]+) \((?P<rate>{_NUMBER})%\)", _tax_checkout),
        (rf"(?P<name>.+) (?P<rate>{_NUMBER})%(?P<included> \(included\))?", _tax_document),
        (r"(?P<name>.+) \(reverse charge\)",
         lambda d, m: gettext_for(d.language, "%(name)s (reverse charge)",
                                  name=_label(d, m["name"]))),
        (r"Reverse charge: VAT to be accounted for by the customer \((?P<vat>.+)\)",
         lambda d, m: gettext_for(d.language,
                                  "Reverse charge: VAT to be accounted for by the customer "
                                  "(%(vat)s)", vat=_label(d, m["vat"]))),
        # the price-change notice's tax wording (subscriptions/price_migration_run.py)
        (rf"Tax at (?P<rate>{_NUMBER})% is added to these prices",
         lambda d, m: gettext_for(d.language, "Tax at %(rate)s is added to these prices",
                                  rate=_percent(d, m["rate"]))),
        (rf"Prices include tax at (?P<rate>{_NUMBER})%",
         lambda d, m: gettext_for(d.language, "Prices include tax at %(rate)s",
                                  rate=_percent(d, m["rate"]))),
        # a tier table's summary (catalog/views.py)
        (r"Flat fee", lambda d, m: gettext_for(d.language, "Flat fee")),
        (r"Per (?P<n>\d{1,3}(?:,\d{3})*) (?P<unit>.+)s",
         lambda d, m: gettext_for(d.language, "Per %(n)s %(unit)s", n=_count(d, m["n"]),
                                  unit=_label(d, m["unit"]))),
        (r"Graduated tiers per (?P<unit>.+)",
         lambda d, m: gettext_for(d.language, "Graduated tiers per %(unit)s",
                                  unit=_label(d, m["unit"]))),
        (r"Volume tiers per (?P<unit>.+)",
         lambda d, m: gettext_for(d.language, "Volume tiers per %(unit)s",
                                  unit=_label(d, m["unit"]))),
        (r"Per (?P<unit>.+)",
         lambda d, m: gettext_for(d.language, "Per %(unit)s", unit=_label(d, m["unit"]))),
        # how staff recorded an offline payment (documents/invoice_document.py)
        (rf"(?P<how>{'|'.join(_OFFLINE)})(?:, ref\. (?P<ref>.+))?", _offline),
        # a catalog charge's detail (catalog_admin/views.py), lower case: after "Per ..."
        (_DETAIL.pattern, _charge_detail),
    )
)  # fmt: skip

# the phrases the rewrites look up, listed literally so `make messages` extracts them
PHRASES = (
    N_("%(name)s (%(rate)s)"), N_("%(name)s %(rate)s"), N_("%(name)s %(rate)s (included)"),
    N_("%(name)s (reverse charge)"), N_("Tax at %(rate)s is added to these prices"),
    N_("Prices include tax at %(rate)s"), N_("Flat fee"), N_("Per %(n)s %(unit)s"),
    N_("Graduated tiers per %(unit)s"), N_("Volume tiers per %(unit)s"), N_("Per %(unit)s"),
    N_("%(how)s, ref. %(ref)s"),
    N_("Reverse charge: VAT to be accounted for by the customer (%(vat)s)"),
    N_("per %(n)s %(unit)s"), N_("per %(unit)s"), N_("%(n)s free"),
    N_("metered: %(meter)s (%(how)s)"), N_(", "),
)  # fmt: skip


def rewrite(display: Display, text: str) -> str | None:
    """``text`` in ``display``'s language when it is a shape listed above and the catalog
    translates its phrase; ``None`` otherwise (English, or no known shape)."""
    if display.language == "en" or not text:
        return None
    for pattern, said in REWRITES:
        match = pattern.fullmatch(text)
        if match is not None:
            return said(display, match)
    return None

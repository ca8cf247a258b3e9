"""An invoice line's words in the reader's language.

The billing engine writes a line's description and its arithmetic once, in English, as Stripe
does ("Team (Dec 1 - Jan 1)", "Unused time on 5 x Team after Apr 16, 2024", "15 of 30 days x
12.00"), and the invoice keeps them: they are part of the document, and the simulator prints
them. A reader in another language sees them rewritten here at display time, from the few
shapes the engine writes (``domain/subscriptions/engine/lines.py``, ``usage.py``,
``credit_notes.py``) and the line's own period, with the phrases from the message catalog and the
dates and digits of the reader's display. The plan's name inside stays the catalog's own. A
description in no known shape (a hand-written credit note line) is shown as stored, in the
reader's digits. English is always the stored text, unchanged.

A right-to-left rewrite is written so that any renderer lays it out right: the merchant's label
inside (a plan, add-on or meter name, "Team") is a first-strong isolate (U+2068 ... U+2069), so
its own direction and its neutrals ("Team (EU)") stay inside it, and the line starts with a
right-to-left mark (U+200F), so a ``<bdi>`` (``dir="auto"``), a plain-text isolate and the
``|bdi`` filter (which skips isolates, as UAX #9 does) all take it as right to left: without
them "Team (۷ دسامبر ۲۰۲۶ – ...)" began with the strong "T" and was laid out left to right, its
parenthesis and first date misplaced.

``{{ line|line_text }}`` and ``{{ line|line_detail }}`` in every template that lists lines
(pages, e-mails and PDFs alike: ``install_line_filters``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol

from jinja2 import Environment, pass_context

from domain.adapters.formatting import format_in_display, in_digits
from domain.adapters.i18n import display_of, gettext_for
from domain.shared.display import Display
from domain.shared.periods import Period


class _Line(Protocol):
    @property
    def description(self) -> str: ...
    @property
    def shown_detail(self) -> str: ...


_PRORATION = re.compile(
    r"^(?P<verb>Unused time on|Remaining time on) (?P<what>.+) after "
    r"(?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2}), (?P<year>\d{4})$"
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TRIAL = re.compile(r"^Trial period for (?P<plan>.+) \([^()]+\)$")
_SETUP = re.compile(r"^(?P<plan>.+) setup fee$")
_USAGE = re.compile(r"^(?P<label>.+) usage \([^()]+\)$")
_PERIOD = re.compile(r"^(?P<label>.+) \([^()]+\)$")
_COUNTED = re.compile(r"^(?P<n>\d+(?:\.\d+)?) x (?P<label>.+)$")
_SHARE = re.compile(
    r"(?P<about>about )?(?P<part>\d+(?:\.\d+)?) of (?P<whole>\d+(?:\.\d+)?) (?P<unit>days?|hours?)"
)
_PERSIAN_POINT = re.compile(r"(?<=[۰-۹])\.(?=[۰-۹])")  # Persian digits take the momayyez
_FREE_TRIAL = re.compile(r"^free trial: (?P<n>\d+) days?$")

_PHRASES = {
    # what gettext_for looks up; listed literally so `make messages` extracts them
    "Unused time on": lambda lang, **v: gettext_for(
        lang, "Unused time on %(what)s after %(day)s", **v
    ),
    "Remaining time on": lambda lang, **v: gettext_for(
        lang, "Remaining time on %(what)s after %(day)s", **v
    ),
}


def _dates(period: Period | tuple[date, date], display: Display, timezone: str) -> str:
    first, last = (period.start, period.end) if isinstance(period, Period) else period
    start = format_in_display(first, display=display, timezone=timezone, style="date")
    end = format_in_display(last, display=display, timezone=timezone, style="date")
    return f"{start} – {end}"


def _period_of(line: _Line) -> Period | tuple[date, date] | None:
    """The line's period: an invoice line's (instants), a document line's (its dates, already in
    the invoice's time zone), or none (a credit note's line)."""
    period: Period | None = getattr(line, "period", None)
    if period is not None:
        return period
    start, end = getattr(line, "period_start", None), getattr(line, "period_end", None)
    if isinstance(start, date) and isinstance(end, date):
        return (start, end)
    return None


FSI, PDI, RLM = "\u2068", "\u2069", "\u200f"


def isolate(label: str) -> str:
    """A merchant's label ("Team", "API calls") as a first-strong isolate: laid out in its own
    direction, and skipped when the direction of the text around it is worked out."""
    return f"{FSI}{label}{PDI}"


def _rtl(text: str, display: Display) -> str:
    """A rewritten line in the reader's digits, starting with a right-to-left mark when the
    reader's language is right to left."""
    said = in_digits(text, display)
    return RLM + said if display.direction == "rtl" else said


def _counted(what: str) -> str:
    """ "5 x Team" -> "5 × Team", the label isolated (the reader's digits come after)."""
    match = _COUNTED.match(what)
    if match is None:
        return isolate(what)
    return f"{match['n']} × {isolate(match['label'])}"


def describe(line: _Line, display: Display, timezone: str) -> str:
    """The line's description for ``display`` (the stored text for English). The dates come from
    the line's period where it has one (an invoice line, a quote's or a checkout's line); a
    credit note's line has none, and its proration date is read from its words."""
    text = line.description
    if display.language == "en":
        return text
    lang = display.language
    period = _period_of(line)
    if match := _PRORATION.match(text):
        if match["month"] in _MONTHS:
            written = date(int(match["year"]), _MONTHS.index(match["month"]) + 1,
                           int(match["day"]))  # fmt: skip
            day = format_in_display(written, display=display, timezone=timezone)
        else:
            day = match["month"] + " " + match["day"]
        said = _PHRASES[match["verb"]](lang, what=_counted(match["what"]), day=day)
        return _rtl(said, display)
    if match := _SETUP.match(text):
        return _rtl(gettext_for(lang, "%(plan)s setup fee", plan=isolate(match["plan"])), display)
    if period is None:
        return in_digits(text, display)
    if match := _TRIAL.match(text):
        said = gettext_for(lang, "Trial period for %(plan)s (%(dates)s)",
                           plan=isolate(match["plan"]),
                           dates=_dates(period, display, timezone))  # fmt: skip
        return _rtl(said, display)
    if match := _USAGE.match(text):
        said = gettext_for(lang, "%(label)s usage (%(dates)s)", label=isolate(match["label"]),
                           dates=_dates(period, display, timezone))  # fmt: skip
        return _rtl(said, display)
    if match := _PERIOD.match(text):
        return _rtl(f"{isolate(match['label'])} ({_dates(period, display, timezone)})", display)
    return in_digits(text, display)


def arithmetic(text: str, display: Display) -> str:
    """A line's arithmetic ("15 of 30 days x 5 x 12.00", "free trial: 14 days") for
    ``display``: the words from the catalog, ``×`` for ``x``, the reader's digits."""
    if display.language == "en" or not text:
        return text
    lang = display.language
    if match := _FREE_TRIAL.match(text):
        return in_digits(gettext_for(lang, "free trial: %(n)s days", n=match["n"]), display)

    def share(match: re.Match[str]) -> str:
        hours = match["unit"].startswith("hour")
        said = (
            gettext_for(lang, "%(part)s of %(whole)s hours", part=match["part"],
                        whole=match["whole"])
            if hours
            else gettext_for(lang, "%(part)s of %(whole)s days", part=match["part"],
                             whole=match["whole"])
        )  # fmt: skip
        return gettext_for(lang, "about %(share)s", share=said) if match["about"] else said

    said = _SHARE.sub(share, text).replace(" x ", " × ")
    return _PERSIAN_POINT.sub("٫", in_digits(said, display))


def _timezone(context: Mapping[str, Any]) -> str:
    return str(context.get("timezone") or context.get("default_timezone") or "UTC")


@pass_context
def line_text_filter(context: Mapping[str, Any], line: _Line) -> str:
    """``{{ line|line_text }}``: the description in the reader's language."""
    return describe(line, display_of(context), _timezone(context))


@pass_context
def line_detail_filter(context: Mapping[str, Any], line: _Line) -> str:
    """``{{ line|line_detail }}``: the quiet second line (the arithmetic in days)."""
    return arithmetic(line.shown_detail, display_of(context))


@pass_context
def line_explanation_filter(context: Mapping[str, Any], line: Any) -> str:
    """``{{ line|line_explanation }}``: the arithmetic as stored ("15/30 x 12.00")."""
    return arithmetic(str(line.explanation), display_of(context))


def install_line_filters(env: Environment) -> None:
    env.filters["line_text"] = line_text_filter
    env.filters["line_detail"] = line_detail_filter
    env.filters["line_explanation"] = line_explanation_filter

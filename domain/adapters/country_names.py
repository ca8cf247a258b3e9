"""Country and jurisdiction names in the reader's language, for pages, e-mails and PDFs.

The domain knows the ISO 3166-1 codes and their English names (``domain/shared/countries.py``);
a page in Persian shows Babel's (CLDR's) name for the reader's language (``Locale("fa")
.territories``: "DE" is "آلمان"), falling back to the English name for a code CLDR does not name
in that language. The codes stay the values of a select and what is stored.

A select of countries is sorted by the reader's collation: English by the name with its accents
ignored ("Åland Islands" with the A's); Persian by the Persian alphabet (آ before ا, پ after ب, چ after ج,
ژ after ز, گ after ک, ی last), which the code points alone get wrong (پ U+067E, چ U+0686,
ژ U+0698, ک U+06A9 and گ U+06AF come after و U+0648), with the Arabic forms of a letter (ك, ي,
ى, ة, أ) read as the Persian letter and the zero-width non-joiner and vowel marks ignored.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, Protocol

from babel import Locale, UnknownLocaleError
from jinja2 import Environment, pass_context

from domain.adapters.i18n import display_of
from domain.shared.countries import country_choices

# the Persian alphabet in its dictionary order (آ a letter of its own, before ا)
_PERSIAN = "آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
_PERSIAN_RANK = {letter: n for n, letter in enumerate(_PERSIAN)}
_AS_PERSIAN = {"ك": "ک", "ي": "ی", "ى": "ی", "ئ": "ی", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا",
               "ٱ": "ا", "ؤ": "و"}  # fmt: skip
_MADDA = "\ue000"  # a private-use stand-in for آ while the marks are taken off
_IGNORED = {"\u200c", "\u200d", "\u200e", "\u200f", "ـ"}  # ZWNJ, ZWJ, marks, tatweel


def _plain(name: str) -> str:
    """The name without accents or vowel marks."""
    letters = unicodedata.normalize("NFD", name)
    return "".join(c for c in letters if not unicodedata.combining(c) and c not in _IGNORED)


def collation_key(language: str, name: str) -> tuple[int, ...]:
    """How ``name`` sorts for a reader of ``language``: the Persian alphabet's order for ``fa``
    (other letters after it, by code point), else the letters with their accents ignored and
    case folded."""
    if language == "fa":
        # آ is a letter of its own before ا (it would decompose into ا and a mark)
        plain = _plain(name.replace("آ", _MADDA)).replace(_MADDA, "آ")
        plain = "".join(_AS_PERSIAN.get(c, c) for c in plain)
        return tuple(
            _PERSIAN_RANK[c] + 1 if c in _PERSIAN_RANK else (0 if c == " " else 0x10000 + ord(c))
            for c in plain
        )
    return tuple(ord(c) for c in _plain(name).casefold())


@cache
def _names(language: str) -> dict[str, str]:
    try:
        territories: Mapping[str, Any] = Locale.parse(language).territories
    except (UnknownLocaleError, ValueError):
        territories = {}
    return {code: str(territories.get(code, english)) for code, english in country_choices()}


def country_name_in(language: str, code: str | None) -> str:
    """The name of a country code in ``language``; the code itself when it is not a country."""
    if not code:
        return ""
    return _names(language).get(code.strip().upper(), code)


@cache
def country_choices_in(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name in ``language``) for every ISO 3166-1 country, in the reader's order."""
    names = _names(language)
    return tuple(sorted(names.items(), key=lambda pair: collation_key(language, pair[1])))


def country_options_in(language: str, codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, "name (CODE)") for the given codes (a filter's countries), in the reader's order."""
    pairs = [(code, f"{country_name_in(language, code)} ({code})") for code in codes]
    return sorted(pairs, key=lambda pair: collation_key(language, pair[1]))


class _Jurisdiction(Protocol):
    @property
    def country(self) -> str: ...

    @property
    def region(self) -> str | None: ...


def jurisdiction_in(language: str, where: _Jurisdiction) -> str:
    """A tax rate's place: "Germany", "United States · WA" (the region as it was entered)."""
    name = country_name_in(language, where.country)
    return f"{name} · {where.region}" if where.region else name


@pass_context
def country_name_filter(context: Mapping[str, Any], code: str | None) -> str:
    """``{{ code|country_name }}``: the country in the language of the page, e-mail or PDF."""
    return country_name_in(display_of(context).language, code)


@pass_context
def jurisdiction_filter(context: Mapping[str, Any], where: _Jurisdiction) -> str:
    """``{{ rate|jurisdiction }}``: a tax rate's country (and region) in the page's language."""
    return jurisdiction_in(display_of(context).language, where)


@pass_context
def country_options(context: Mapping[str, Any], codes: Iterable[str]) -> list[tuple[str, str]]:
    """``country_options(codes)``: a filter select's countries, named and sorted for the page."""
    return country_options_in(display_of(context).language, codes)


def install_country_filters(env: Environment) -> None:
    env.filters["country_name"] = country_name_filter
    env.filters["jurisdiction"] = jurisdiction_filter
    env.globals["country_options"] = country_options

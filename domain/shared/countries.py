"""The countries a customer can live in: the ISO 3166-1 alpha-2 codes, named in English.

One list for checkout, the portal's profile and customer validation. It is Babel's (CLDR's)
territory data filtered to the codes ISO 3166-1 has *officially assigned* to a country:

- two letters (CLDR's three-digit codes are UN M.49 regions such as ``419`` Latin America);
- not user-assigned: ``AA``, ``QM``-``QZ``, ``XA``-``XZ`` and ``ZZ`` are free for private use,
  and CLDR uses them for its pseudo-locales (``XA`` "Pseudo-Accents", ``XB`` "Pseudo-Bidi"),
  Kosovo (``XK``), "Outlying Oceania" (``QO``) and "Unknown Region" (``ZZ``);
- not merely reserved: ISO keeps ``AC`` Ascension, ``CP`` Clipperton, ``CQ`` Sark, ``DG`` Diego
  Garcia, ``EA`` Ceuta and Melilla, ``EU`` European Union, ``EZ`` Eurozone, ``IC`` Canary Islands,
  ``TA`` Tristan da Cunha and ``UN`` United Nations out of other use, but they are not countries
  of the standard (each belongs to one: SH, FR, GB, IO, ES, ...).

That leaves the 249 countries and territories of ISO 3166-1.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale

EXCEPTIONALLY_RESERVED = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "TA", "UN"})


def is_user_assigned(code: str) -> bool:
    """ISO 3166-1's private-use codes: AA, QM-QZ, XA-XZ, ZZ."""
    return code in {"AA", "ZZ"} or (code[0] == "Q" and code[1] >= "M") or code[0] == "X"


def _is_iso_country(code: str) -> bool:
    return (
        len(code) == 2
        and code.isascii()
        and code.isalpha()
        and code.isupper()
        and not is_user_assigned(code)
        and code not in EXCEPTIONALLY_RESERVED
    )


@cache
@cache
def country_choices() -> tuple[tuple[str, str], ...]:
    """(code, English name) for every ISO 3166-1 country, ordered by name (accents ignored)."""
    names = Locale("en").territories
    pairs = [(code, str(name)) for code, name in names.items() if _is_iso_country(code)]
    return tuple(sorted(pairs, key=lambda p: _sort_key(p[1])))


def _sort_key(name: str) -> str:
    """ "Åland Islands" sorts with the A's, not after "Zimbabwe"."""
    letters = unicodedata.normalize("NFKD", name)
    return "".join(c for c in letters if not unicodedata.combining(c)).casefold()


@cache
def _codes() -> frozenset[str]:
    return frozenset(code for code, _ in country_choices())


def is_country(code: str) -> bool:
    """Whether ``code`` (any case, surrounding spaces ignored) is an ISO 3166-1 country."""
    return code.strip().upper() in _codes()


def country_name(code: str) -> str:
    """The English name of a country code, or the code itself when it is not one."""
    return dict(country_choices()).get(code.strip().upper(), code)

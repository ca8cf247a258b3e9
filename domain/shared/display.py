"""How a person wants to read the product: their language, the digits (the language's own, or
Latin), the calendar dates are shown in (Gregorian, or Solar Hijri) and the time zone they are
shown in (an IANA name; not chosen: the site's). Plain values; the
formatting itself is ``domain/adapters/formatting.py``'s and the translations
``domain/adapters/i18n.py``'s.

Only the display changes: billing periods, anchors and due dates are computed in the Gregorian
calendar in UTC whatever a person chooses (docs/localisation.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Any

from domain.shared.errors import ValidationFailed
from domain.shared.time_zones import canonical_zone

# the languages the product is translated into (a catalog under locales/ each, English the
# source); a third one is added there and here (docs/localisation.md)
LANGUAGES: tuple[str, ...] = ("en", "fa")
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "fa": "فارسی"}  # each in its own language
RIGHT_TO_LEFT = frozenset({"fa", "ar", "he", "ur"})


class Digits(StrEnum):
    NATIVE = "native"  # the language's own (Persian: ۰۱۲۳۴۵۶۷۸۹)
    LATIN = "latin"


class Calendar(StrEnum):
    GREGORIAN = "gregorian"
    JALALI = "jalali"  # Solar Hijri: the display only, never the billing arithmetic


@dataclass(frozen=True, slots=True)
class DisplayPreferences:
    """A person's saved choice; ``language`` "" means not chosen (the browser's, else the
    site's, applies), ``timezone`` "" the same (the site's zone, ``APP_TIMEZONE``)."""

    language: str = ""
    digits: Digits = Digits.NATIVE
    calendar: Calendar = Calendar.GREGORIAN
    timezone: str = ""

    def to_json(self) -> dict[str, str]:
        return {
            "language": self.language,
            "digits": self.digits,
            "calendar": self.calendar,
            "timezone": self.timezone,
        }

    @classmethod
    def from_json(cls, data: Any) -> DisplayPreferences:
        """What a stored row holds; anything unknown (an old or hand-edited value) is dropped."""
        if not isinstance(data, dict):
            return cls()
        language = data.get("language")
        digits = data.get("digits")
        calendar = data.get("calendar")
        zone = data.get("timezone")
        return cls(
            language=language if language in LANGUAGES else "",
            digits=Digits(digits) if digits in set(Digits) else Digits.NATIVE,
            calendar=Calendar(calendar) if calendar in set(Calendar) else Calendar.GREGORIAN,
            timezone=(canonical_zone(zone) or "") if isinstance(zone, str) else "",
        )

    def to_cookie(self) -> str:
        """``fa.latin.jalali`` or, with a zone, ``fa.latin.jalali.Asia/Tehran`` (IANA names
        have no dot)."""
        cookie = f"{self.language}.{self.digits}.{self.calendar}"
        return f"{cookie}.{self.timezone}" if self.timezone else cookie

    @classmethod
    def from_cookie(cls, value: str | None) -> DisplayPreferences:
        parts = (value or "").split(".")
        if len(parts) not in (3, 4):
            return cls()
        keys = ("language", "digits", "calendar", "timezone")[: len(parts)]
        return cls.from_json(dict(zip(keys, parts, strict=True)))


def parse_preferences(
    language: str,
    digits: str = "",
    calendar: str = "",
    timezone: str | None = None,
    *,
    current: DisplayPreferences | None = None,
) -> DisplayPreferences:
    """A typed choice checked; an empty digits or calendar keeps the current one, so does a
    ``timezone`` of ``None`` (a form without the field); an empty ``timezone`` is the site's
    zone, any other must be an IANA name (``Asia/Tehran``; its case is corrected)."""
    base = current or DisplayPreferences()
    zone = base.timezone if timezone is None else timezone.strip()
    refused: dict[str, tuple[str, str]] = {}  # field -> (message, code)
    if language not in LANGUAGES:
        refused["language"] = ("Choose one of the languages offered.", "display.language_unknown")
    if digits and digits not in set(Digits):
        refused["digits"] = (
            "Choose the language's own digits or Latin digits.",
            "display.digits_unknown",
        )
    if calendar and calendar not in set(Calendar):
        refused["calendar"] = (
            "Choose the Gregorian or the Solar Hijri calendar.",
            "display.calendar_unknown",
        )
    if zone and canonical_zone(zone) is None:
        refused["timezone"] = (
            "Enter a time zone by its IANA name, such as Europe/London or Asia/Tehran.",
            "display.timezone_unknown",
        )
    if refused:  # every refused field at once; the code is the first one's
        first_code = next(iter(refused.values()))[1]
        raise ValidationFailed({f: m for f, (m, _) in refused.items()}, code=first_code)
    return DisplayPreferences(
        language=language,
        digits=Digits(digits) if digits else base.digits,
        calendar=Calendar(calendar) if calendar else base.calendar,
        timezone=(canonical_zone(zone) or "") if zone else "",
    )


@lru_cache(maxsize=256)  # a pure function of two strings, asked by every page view
def negotiate(accept_language: str | None, default: str) -> str:
    """The best of ``LANGUAGES`` for an ``Accept-Language`` header (quality values honoured, a
    region ignored: ``fa-IR`` is ``fa``), else ``default``."""
    ranked: list[tuple[Decimal, int, str]] = []
    for index, item in enumerate((accept_language or "")[:1000].split(",")):
        tag, _, params = item.strip().partition(";")
        quality = Decimal(1)
        params = params.strip()
        if params.startswith("q="):
            try:  # a qvalue is 0 to 1 with at most three decimals (RFC 9110); anything else is 0
                quality = Decimal(params[2:8])
            except InvalidOperation:
                quality = Decimal(0)
            if not quality.is_finite() or not 0 <= quality <= 1:
                quality = Decimal(0)
        language = tag.strip().lower().replace("_", "-").split("-")[0]
        if language in LANGUAGES and quality > 0:
            ranked.append((-quality, index, language))
    return min(ranked)[2] if ranked else default


def language_of_locale(locale: str) -> str:
    """``en_US`` -> ``en``; a locale of a language not offered -> ``en``."""
    language = locale.replace("-", "_").split("_")[0].lower()
    return language if language in LANGUAGES else "en"


def direction(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


@dataclass(frozen=True, slots=True)
class Display:
    """The display resolved for one page, e-mail or PDF: the language its strings are in, the
    Babel locale its numbers and dates are formatted for, the digits, the calendar and the
    person's chosen time zone ("": none, the renderer's ``timezone`` or the site's applies)."""

    language: str = "en"
    locale: str = "en_US"
    digits: Digits = Digits.NATIVE
    calendar: Calendar = Calendar.GREGORIAN
    timezone: str = ""

    @property
    def direction(self) -> str:
        return direction(self.language)

    @property
    def lang(self) -> str:
        """The ``lang`` attribute: the locale when it is of this language (``en-US``, or the
        site's ``de-DE`` for English text formatted the German way, as before), else the
        language (``fa``)."""
        if language_of_locale(self.locale) == self.language:
            return self.locale.replace("_", "-")
        return self.language

    @classmethod
    def resolve(cls, language: str, prefs: DisplayPreferences, *, site_locale: str) -> Display:
        """The formatting locale is the site's (``APP_LOCALE``) when it is of this language, else
        the language's own (``fa``)."""
        locale = site_locale if language_of_locale(site_locale) == language else language
        return cls(
            language=language,
            locale=locale,
            digits=prefs.digits,
            calendar=prefs.calendar,
            timezone=prefs.timezone,
        )

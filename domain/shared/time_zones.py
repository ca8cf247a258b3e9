"""IANA time zone names a person may choose to read dates in (``zoneinfo``'s list: the system's
tz database, else the ``tzdata`` package). Only the display uses a person's zone: billing periods
are computed in UTC (docs/localisation.md)."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

MAX_ZONE = 64  # the longest IANA name is 32 characters ("America/Argentina/ComodRivadavia")


@cache
def _zones() -> dict[str, str]:
    # "localtime", "posixrules" and the like are files of the database, not zones to offer
    names = {n for n in available_timezones() if n not in {"localtime", "posixrules", "Factory"}}
    return {name.lower(): name for name in names}


def zone_names() -> list[str]:
    """Every offered zone, sorted (a form's suggestions)."""
    return sorted(_zones().values())


def canonical_zone(name: str) -> str | None:
    """The zone a typed name means (its case corrected: ``asia/tehran`` is ``Asia/Tehran``), or
    ``None`` when it is not an IANA zone. Never opens a file named by the input."""
    text = name.strip()
    if not text or len(text) > MAX_ZONE:
        return None
    return _zones().get(text.lower())

"""What a typed text value may contain: no control characters (a NUL byte, escape codes; tabs
everywhere and line breaks in multi-line fields are fine) and at most so many characters. One
rule for every form and query string, checked before a value reaches a use case or the database
(PostgreSQL refuses a NUL in text; its columns have lengths)."""

from __future__ import annotations

import re

# C0 controls but tab, DEL, and lone surrogates (what undecodable bytes become)
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

BAD_CHARACTERS = "Remove the special characters (such as a NUL byte) from this field."


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    return bool((_CONTROL_MULTILINE if multiline else _CONTROL_ONE_LINE).search(value))


def text_problem(value: str, *, max_length: int, multiline: bool = False) -> str | None:
    """Why a typed value is refused, or None. Lengths count characters, as the columns do."""
    if has_control_characters(value, multiline=multiline):
        return BAD_CHARACTERS
    if len(value) > max_length:
        return f"Use at most {max_length:,} characters."
    return None

"""Numbering series: the prefix rule and how a series number is printed."""

from __future__ import annotations

import re

from domain.billing.issued import IssueErrorCode
from domain.shared.errors import ValidationFailed

_PREFIX = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,30}$")


def check_series(series: str) -> None:
    """A series prefix is 1-31 capital letters, digits or dashes (``INV-2026-``, ``CN-2026-``)."""
    if not _PREFIX.match(series):
        raise ValidationFailed(
            {"series": "a series prefix is 1-31 capital letters, digits or dashes, e.g. INV-2026-"},
            code=IssueErrorCode.BAD_SERIES,
        )


def format_number(series: str, number: int) -> str:
    return f"{series}{number:06d}"

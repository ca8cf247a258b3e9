"""A sentence the domain says with values in it, rendered in the reader's language by web/.

``said("Voided invoice %(number)s.", number="INV-2026-0042")`` keeps the English template (a
catalog msgid: ``make messages`` extracts every ``said(...)`` call's first argument) and its
values apart, so a page looks the template up in the catalog and writes each value for the
reader (a day in their calendar, a number in their digits, a code as written) instead of
matching finished English prose. ``str(message)`` is the English, for logs and tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Message:
    template: str  # English with %(name)s placeholders: the catalog's msgid
    values: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.template % dict(self.values) if self.values else self.template


def said(template: str, **values: object) -> Message:
    """The message ``template`` with its named ``values`` (each written as text)."""
    return Message(template, {name: str(value) for name, value in values.items()})

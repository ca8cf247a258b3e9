"""One place per form for its fields: ``FormSpec`` names each field with its length and whether
it spans lines, and ``parse`` checks every value (text, no control characters, not too long:
``domain.shared.text``) before the handler passes anything on. A refused field comes back as a
message beside it and an empty value (never echoed back as typed); fields the form does not
name are dropped. Handlers re-render their form with the messages (422) and call nothing.

A field that holds a number (``digits=True``: a quantity, a card number, an expiry, a date)
reads Persian (۱۲) and Arabic-Indic (١٢) digits as the ASCII ones (``number_text``,
``domain.shared.digits``), so a buyer typing on a Persian keyboard is understood.

Business rules (an e-mail's syntax, a country code, a password's strength) stay in the use
cases; this is only what any text field must be before it is worth checking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.shared.digits import ascii_digits
from domain.shared.text import text_problem

NOT_TEXT = "Send this field as text."


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    max_length: int = 200
    multiline: bool = False
    many: bool = False  # a checkbox group: every value is kept
    prefix: bool = False  # ``addon-`` names every field that starts with it
    digits: bool = False  # a number: Persian and Arabic-Indic digits read as ASCII ones


@dataclass(frozen=True, slots=True)
class ParsedForm:
    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    @property
    def first_error(self) -> str | None:
        return next(iter(self.errors.values()), None)


def number_text(value: str | None) -> str | None:
    """A typed number with its digits in ASCII (``"۱۲"`` -> ``"12"``); None stays None. For
    query parameters that hold a number (``?seats=``, ``?quantity=``)."""
    return None if value is None else ascii_digits(value)


def _all(data: Any, name: str) -> list[Any]:
    if hasattr(data, "getall"):  # Litestar's FormMultiDict, the query string
        return list(data.getall(name, []))
    value = data.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


class FormSpec:
    def __init__(self, *fields: Field) -> None:
        self.fields = fields

    def _names(self, data: Mapping[str, Any]) -> list[tuple[str, Field]]:
        names = []
        for spec in self.fields:
            if spec.prefix:
                names += [(k, spec) for k in data if isinstance(k, str) and k.startswith(spec.name)]
            else:
                names.append((spec.name, spec))
        return names

    def parse(self, data: Mapping[str, Any] | None) -> ParsedForm:
        form = ParsedForm()
        data = data or {}
        for name, spec in self._names(data):
            problem = text_problem(name, max_length=200)
            if problem:
                continue  # a field name we would never have sent
            raw = _all(data, name)
            if not raw:
                continue
            if not all(isinstance(v, str) for v in raw):
                form.errors[name] = NOT_TEXT
                form.values[name] = ""
                continue
            kept = raw if spec.many else raw[-1:]  # a field sent twice: the last one, as browsers
            if spec.digits:
                kept = [ascii_digits(v) for v in kept]
            problems = [p for v in kept if (p := text_problem(v, max_length=spec.max_length,
                                                              multiline=spec.multiline))]  # fmt: skip
            if problems:
                form.errors[name] = problems[0]
                form.values[name] = ""
            elif spec.many:
                form.lists[name] = list(kept)
            else:
                form.values[name] = kept[0]
        return form

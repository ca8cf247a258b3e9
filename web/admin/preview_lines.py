"""A staff action's preview money line in the staff member's language: ``{{ preview_label(line) }}``
and ``{{ preview_detail(line) }}`` (templates/admin/_action_preview.html).

A billed line (an invoice's or a credit note's own line, with its ``period`` when it has one) is
rewritten
as the portal, the e-mails and the PDFs rewrite it (``domain/adapters/line_text.py``: "Team
(Feb 29 - Mar 31)" with its dates in the reader's calendar, "Unused time on 5 x Team after ...",
the arithmetic "29 of 29 days x 30.00" in Persian words and digits); what the label starts with
(``lead``: "Final invoice: ", a renewal's day "Mar 31, 2024: ") is read like any preview text.
Any other line is a preview text (``web/admin/form_words.py``'s lists and patterns).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, pass_context

from domain.adapters.i18n import display_of
from domain.adapters.line_text import arithmetic, describe
from domain.shared.display import Display
from domain.shared.periods import Period
from domain.support.actions.base import MoneyLine
from web.admin.form_words import text_to, value_to


@dataclass(frozen=True, slots=True)
class _Billed:
    """The line as ``line_text.describe`` reads one: its engine words and its period."""

    description: str
    shown_detail: str
    period: Period | None


def label_to(display: Display, line: MoneyLine, timezone: str) -> str:
    words = line.label.removeprefix(line.lead)
    if line.billed:
        said = describe(_Billed(words, line.detail, line.period), display, timezone)
    elif line.lead:
        said = text_to(display, words)  # "Discount", "Tax" after a day
    else:
        return text_to(display, line.label)
    if not line.lead:
        return said
    return f"{value_to(display, line.lead.removesuffix(': '))}: {said}"


def detail_to(display: Display, line: MoneyLine) -> str:
    if not line.billed:
        return text_to(display, line.detail)
    return arithmetic(line.detail, display)


def _timezone(context: Mapping[str, Any]) -> str:
    return str(context.get("timezone") or context.get("default_timezone") or "UTC")


@pass_context
def preview_label(context: Mapping[str, Any], line: MoneyLine) -> str:
    return label_to(display_of(context), line, _timezone(context))


@pass_context
def preview_detail(context: Mapping[str, Any], line: MoneyLine) -> str:
    return detail_to(display_of(context), line)


def install_preview_lines(env: Environment) -> None:
    env.globals["preview_label"] = preview_label
    env.globals["preview_detail"] = preview_detail

"""The suite-wide check (tests/support/reconciliation.py) can fail: it catches the issue's credit
note ("Subtotal $72.00, Tax $0.00, Total $57.60" and no discount line) and numbers that do not
add up, and lets a complete rendering through."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.billing.model import CreditNote, CreditNoteLine
from domain.documents.credit_note_document import CreditNoteDocument
from domain.notifications.model import EmailKind
from tests.support.emails import sample_context
from tests.support.reconciliation import credit_note_problems, shown_problems

pytestmark = pytest.mark.unit


def _usd_note() -> CreditNoteDocument:
    return sample_context(EmailKind.CREDIT_NOTE)["document"]  # 72.00 - 14.40 = 57.60 (EUR)


def test_the_issues_credit_note_page_is_caught() -> None:
    doc = _usd_note()
    old_page = "Unused time on Team €72.00 Subtotal €72.00 Tax €0.00 Total €57.60"
    problems = shown_problems(doc, old_page)
    assert any("'Discount' 14.40 EUR is not shown" in p for p in problems), problems


def test_a_complete_rendering_passes() -> None:
    doc = _usd_note()
    page = "Unused time on Team €72.00 Subtotal €72.00 Discount −€14.40 Total credited €57.60"
    assert shown_problems(doc, page) == []


def test_tax_0_percent_and_missing_lines_are_caught() -> None:
    doc = _usd_note()
    page = "Subtotal €72.00 Discount -€14.40 Tax 0% €0.00 Total €57.60"
    assert any('"Tax 0%" is printed' in p for p in shown_problems(doc, page))
    receipt = sample_context(EmailKind.RECEIPT)["document"]  # lines of €30.00 and €10.57
    page = "Team units €30.00 Subtotal €40.57 Discount -€5.00 Tax 19% €6.76 Total €42.33"
    problems = shown_problems(receipt, page)
    assert any("the line 'Team calls usage" in p for p in problems), problems


def test_figures_that_do_not_add_up_are_caught() -> None:
    note = CreditNote(
        "CN-1", sample_context(EmailKind.RECEIPT)["paid_at"], "INV-1",
        (CreditNoteLine("Unused time", 7200, ""),),
        subtotal=7200, discount=0, tax=0, total=5760, refunded=5760, credited=0,
    )  # fmt: skip
    assert any("is not the total 5760" in p for p in credit_note_problems(note))
    assert credit_note_problems(replace(note, discount=1440)) == []

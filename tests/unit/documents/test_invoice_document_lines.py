"""How the printable invoice shows proration lines: the engine's words, the arithmetic in days as
the quiet line under them, and no zero-amount proration lines (invoices stored before the engine
stopped issuing them may hold some)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from domain.billing.model import InvoiceLine, LineKind
from domain.documents.invoice_document import DEMO_SELLER, build_invoice_document
from tests.unit.documents._builders import FEB, issued_invoice, seat_line

pytestmark = pytest.mark.unit


def proration(amount: int, description: str, explanation: str, detail: str) -> InvoiceLine:
    return InvoiceLine(
        LineKind.PRORATION,
        description,
        Fraction(5),
        Fraction(1200),
        amount,
        FEB,
        explanation,
        detail,
    )


def test_proration_lines_read_in_words_with_days_under_them_and_zero_lines_are_left_out() -> None:
    credit = proration(
        -1450,
        "Unused time on 5 x Team after Feb 29, 2024",
        "1252800/2592000 x 5 x 12.00",
        "14.5 of 30 days x 5 x 12.00",
    )
    zero = proration(
        0, "Unused time on Team after Feb 29, 2024", "0/30 x 0.00", "0 of 30 days x 0.00"
    )
    doc = build_invoice_document(issued_invoice(seat_line(), zero, credit), DEMO_SELLER)
    assert [(line.description, line.explanation) for line in doc.lines] == [
        ("Team units (Feb 29 - Mar 31)", "3 x 10.00"),  # no detail: its explanation
        ("Unused time on 5 x Team after Feb 29, 2024", "14.5 of 30 days x 5 x 12.00"),
    ]

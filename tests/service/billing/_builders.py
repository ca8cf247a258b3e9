"""Deterministic billing builders for service and integration tests."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

from domain.billing.issued import CustomerSnapshot
from domain.billing.model import CreditNote, CreditNoteLine, InvoiceLine, LineKind
from domain.shared.periods import Period

ACME = CustomerSnapshot("Acme GmbH", "billing@acme.test", ("Hauptstr. 1",), "DE", "DE123456789")
JAN = Period(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC))


def line(amount: int, *, quantity: int = 1, description: str = "Consulting") -> InvoiceLine:
    return InvoiceLine(
        kind=LineKind.SUBSCRIPTION,
        description=description,
        quantity=Fraction(quantity),
        unit_amount=Fraction(amount, quantity),
        amount=amount,
        period=JAN,
        explanation="",
    )


def credit(total: int, *, refunded: int = 0, at: datetime | None = None) -> CreditNote:
    return CreditNote(
        number="",
        issued_at=at or datetime(2024, 2, 10, tzinfo=UTC),
        invoice="",
        lines=(CreditNoteLine("Goodwill credit", total, "staff correction", "as agreed"),),
        subtotal=total,
        discount=0,
        tax=0,
        total=total,
        refunded=refunded,
        credited=total - refunded,
    )

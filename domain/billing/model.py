"""Invoices and credit notes as the engine issues them (amounts in integer minor units)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from fractions import Fraction

from domain.shared.periods import Period


class LineKind(StrEnum):
    SUBSCRIPTION = "subscription"
    PRORATION = "proration"
    USAGE = "usage"
    SETUP_FEE = "setup_fee"


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PAID = "paid"
    VOID = "void"
    UNCOLLECTIBLE = "uncollectible"


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    kind: LineKind
    description: str
    quantity: Fraction
    unit_amount: Fraction  # minor units per unit, exact (usage prices may be sub-minor)
    amount: int  # minor units, rounded once
    period: Period
    explanation: str  # the arithmetic a subscriber checks: "15/30 x 30.00"
    detail: str = ""  # the same in human units, where they differ: "15 of 30 days x 30.00"

    @property
    def shown_detail(self) -> str:
        """The quiet second line under the description on invoices: the arithmetic in days."""
        return self.detail or self.explanation


@dataclass(frozen=True, slots=True)
class Invoice:
    number: str
    issued_at: datetime
    period: Period
    currency: str
    lines: tuple[InvoiceLine, ...]
    subtotal: int
    discount: int
    tax: int
    total: int
    credit_applied: int
    amount_due: int
    status: InvoiceStatus

    @property
    def shown_lines(self) -> tuple[InvoiceLine, ...]:
        """The lines a person is shown: all but zero-amount proration lines, which say nothing
        (the engine issues them, one line per charge as the simulator's rule 4 says). Zero usage
        and trial lines stay: they say what was measured and what was free."""
        return tuple(
            line for line in self.lines if line.kind is not LineKind.PRORATION or line.amount
        )


@dataclass(frozen=True, slots=True)
class CreditNoteLine:
    description: str
    amount: int
    explanation: str
    detail: str = ""  # as on ``InvoiceLine``

    @property
    def shown_detail(self) -> str:
        return self.detail or self.explanation


@dataclass(frozen=True, slots=True)
class CreditNote:
    number: str
    issued_at: datetime
    invoice: str
    lines: tuple[CreditNoteLine, ...]
    subtotal: int
    discount: int
    tax: int
    total: int
    refunded: int
    credited: int

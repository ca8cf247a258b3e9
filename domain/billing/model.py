"""Invoices and credit notes as the engine issues them (amounts in integer minor units)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
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
class TaxBasis:
    """How the invoice's tax was decided, kept with it so documents print what was applied (the
    amounts alone cannot tell 8.875% from 8.87% on small sums, nor a reverse charge from no tax).

    ``percentage``: the rate applied (``Decimal("8.875")``), ``None`` when no tax applies (no
    rate for the customer's country, tax exempt, reverse charge); ``note``: the sentence printed
    with it ("Reverse charge: VAT to be accounted for by the customer (DE123456789)")."""

    percentage: Decimal | None = None
    inclusive: bool = False
    reverse_charge: bool = False
    note: str | None = None
    name: str | None = None  # the rate's name ("VAT"), printed as at checkout; None: the seller's

    @property
    def applies(self) -> bool:
        """Whether the invoice has a tax line at all (a rate, or a reverse charge to state)."""
        return self.percentage is not None or self.reverse_charge


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
    # None only on invoices stored before the basis was kept (documents then work it out)
    tax_basis: TaxBasis | None = None

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

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
    explanation: str


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


@dataclass(frozen=True, slots=True)
class CreditNoteLine:
    description: str
    amount: int
    explanation: str


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

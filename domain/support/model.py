"""The search's rows and hits: who matched, and what about them matched."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.shared.money import Money


class MatchKind(StrEnum):
    """What a query was matched against, strongest first (a customer matched twice is labelled
    with the stronger)."""

    CUSTOMER_ID = "customer_id"
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    CARD = "card"
    EMAIL = "email"
    NAME = "name"


@dataclass(frozen=True, slots=True)
class CustomerMatch:
    """A customer a repository found, with the value it matched on (an invoice's number, a
    card's last four and brand; the e-mail or name themselves for text matches)."""

    customer_id: str
    name: str
    email: str
    country: str
    currency: str
    balance_minor: int
    kind: MatchKind
    matched: str = ""


@dataclass(frozen=True, slots=True)
class CustomerHit:
    """One line of the search results."""

    customer_id: str
    name: str
    email: str
    country: str
    balance: Money  # negative: credit the business owes the customer
    matched: str  # "Invoice INV-2026-000123", "E-mail", "Card •••• 4242 (visa)"
    kind: MatchKind
    subscriptions: str  # "2 active, 1 past due" or "No subscriptions"
    value: str = ""  # what matched, for a page in another language: "INV-2026-000123", "4242 visa"

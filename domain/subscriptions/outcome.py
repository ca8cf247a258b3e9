"""What a command on a subscription left behind."""

from __future__ import annotations

from dataclasses import dataclass

from domain.billing.issued import IssuedCreditNote, IssuedInvoice
from domain.subscriptions.model import Subscription


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a command left behind: the saved subscription and what it issued."""

    subscription: Subscription
    invoices: tuple[IssuedInvoice, ...]
    credit_notes: tuple[IssuedCreditNote, ...]

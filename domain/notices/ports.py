"""What composing a notice reads: every context's records, and the account's preferences."""

from __future__ import annotations

from typing import Protocol

from domain.accounts.ports import AccountsUnit
from domain.payments.ports import PaymentsUnit


class NoticesUnit(PaymentsUnit, AccountsUnit, Protocol):
    """A notice reads the customer, the invoice or credit note, the subscription, the dunning
    case and the account's notice preferences, and queues the e-mail in the outbox."""

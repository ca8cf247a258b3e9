"""What support's reads need from storage beyond the contexts they read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.accounts.ports import AccountsUnit
from domain.notifications.model import EmailSummary
from domain.payments.model import PaymentAttempt, Refund
from domain.payments.ports import PaymentsUnit
from domain.staff.ports import StaffUnit
from domain.support.model import CustomerMatch
from domain.support.record_model import InvoiceRow, StaffNote


class CustomerDirectory(Protocol):
    """``uow.directory``: finding customers, and the reads of a customer's record that no other
    context needs (every payment attempt, refund and e-mail of one customer)."""

    async def email_prefix(self, prefix: str, *, limit: int) -> list[CustomerMatch]:
        """Customers whose lower-cased e-mail starts with ``prefix`` (lower case)."""
        ...

    async def name_prefix(self, prefix: str, *, limit: int) -> list[CustomerMatch]:
        """Customers whose lower-cased name starts with ``prefix`` (lower case)."""
        ...

    async def containing(self, text: str, *, limit: int) -> list[CustomerMatch]:
        """Customers whose lower-cased e-mail or name contains ``text`` (lower case), in no
        particular order; ``kind`` says which matched (the e-mail when both do)."""
        ...

    async def by_id(self, customer_id: str) -> list[CustomerMatch]: ...

    async def by_invoice_number(self, number: str) -> list[CustomerMatch]: ...

    async def by_credit_note_number(self, number: str) -> list[CustomerMatch]: ...

    async def by_card_last4(self, last4: str, *, limit: int) -> list[CustomerMatch]:
        """Customers with a payment method (saved or removed) ending in ``last4``; ``matched``
        is ``"<last4> <brand>"``."""
        ...

    async def subscription_statuses(self, customer_ids: Sequence[str]) -> dict[str, list[str]]:
        """Each customer's subscriptions' statuses (customers without any are absent)."""
        ...

    async def invoices_of(
        self, customer_id: str, *, limit: int, offset: int = 0
    ) -> list[InvoiceRow]:
        """Finalized invoices, newest first (skipping the newest ``offset``)."""
        ...

    async def attempts_of(
        self, customer_id: str, *, limit: int, offset: int = 0
    ) -> tuple[list[PaymentAttempt], int]:
        """Payment attempts, newest first (skipping the newest ``offset``), and how many there
        are."""
        ...

    async def refunds_of(
        self, customer_id: str, *, limit: int, offset: int = 0
    ) -> tuple[list[Refund], int]:
        """Refunds, newest first (skipping the newest ``offset``), and how many there are."""
        ...

    async def emails_to(
        self, address: str, *, limit: int, offset: int = 0
    ) -> tuple[list[EmailSummary], int]:
        """Outbox e-mails to ``address``, newest first (skipping the newest ``offset``), and how
        many there are."""
        ...


class NoteRepository(Protocol):
    """``uow.notes``: staff notes on customers (added, never changed)."""

    async def add(self, note: StaffNote) -> None: ...

    async def for_customer(
        self, customer_id: str, *, limit: int, offset: int = 0
    ) -> tuple[list[StaffNote], int]:
        """A customer's notes, newest first (skipping the newest ``offset``), and how many."""
        ...


class SupportUnit(PaymentsUnit, AccountsUnit, StaffUnit, Protocol):
    """Support reads everything about a customer: payments (and through them subscriptions,
    billing and notifications) and accounts; staff (view as subscriber) and the audit log
    (notes, views) for what staff do."""

    @property
    def directory(self) -> CustomerDirectory: ...

    @property
    def notes(self) -> NoteRepository: ...


class ActionsUnit(SupportUnit, StaffUnit, Protocol):
    """Staff actions on a customer write through every context below and record the audit
    entry in the same transaction."""

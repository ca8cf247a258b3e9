"""The in-memory ``uow.directory`` (customer search and the customer record's reads), reading
the other in-memory repositories of its unit of work with the database's semantics: text is
compared lower-cased, numbers, ids and last fours exactly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from domain.billing.model import InvoiceStatus
from domain.customers.model import Customer
from domain.notifications.model import EmailSummary
from domain.payments.model import PaymentAttempt, Refund
from domain.support.model import CustomerMatch, MatchKind
from domain.support.record_model import InvoiceRow, StaffNote

if TYPE_CHECKING:
    from tests.fakes import InMemoryUnitOfWork


def _match(c: Customer, kind: MatchKind, matched: str = "") -> CustomerMatch:
    return CustomerMatch(
        c.id, c.name, c.email, c.country, c.currency, c.balance_minor, kind, matched
    )


class InMemoryCustomerDirectory:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    def _customers(self) -> list[Customer]:
        return list(self._uow.customers.rows.values())

    async def email_prefix(self, prefix: str, *, limit: int) -> list[CustomerMatch]:
        found = sorted(
            (c for c in self._customers() if c.email.lower().startswith(prefix)),
            key=lambda c: c.email.lower(),
        )
        return [_match(c, MatchKind.EMAIL) for c in found[:limit]]

    async def name_prefix(self, prefix: str, *, limit: int) -> list[CustomerMatch]:
        found = sorted(
            (c for c in self._customers() if c.name.lower().startswith(prefix)),
            key=lambda c: (c.name.lower(), c.id),
        )
        return [_match(c, MatchKind.NAME) for c in found[:limit]]

    async def containing(self, text: str, *, limit: int) -> list[CustomerMatch]:
        found = [
            _match(c, MatchKind.EMAIL if text in c.email.lower() else MatchKind.NAME)
            for c in self._customers()
            if text in c.email.lower() or text in c.name.lower()
        ]
        return found[:limit]

    async def by_id(self, customer_id: str) -> list[CustomerMatch]:
        c = self._uow.customers.rows.get(customer_id)
        return [_match(c, MatchKind.CUSTOMER_ID)] if c else []

    async def by_invoice_number(self, number: str) -> list[CustomerMatch]:
        rows = self._uow.customers.rows
        return [
            _match(rows[i.customer_id], MatchKind.INVOICE, number)
            for i in self._uow.invoices.invoices.values()
            if i.number == number and i.customer_id in rows
        ]

    async def by_credit_note_number(self, number: str) -> list[CustomerMatch]:
        rows = self._uow.customers.rows
        return [
            _match(rows[n.customer_id], MatchKind.CREDIT_NOTE, number)
            for n in self._uow.credit_notes.notes.values()
            if n.number == number and n.customer_id in rows
        ]

    async def by_card_last4(self, last4: str, *, limit: int) -> list[CustomerMatch]:
        rows = self._uow.customers.rows
        cards = sorted(
            (
                (m, gone)
                for m, _, gone in self._uow.payment_methods.rows.values()
                if m.last4 == last4
            ),
            key=lambda mg: (mg[1] is not None, -mg[0].created_at.timestamp()),
        )
        return [
            _match(rows[m.customer_id], MatchKind.CARD, f"{last4} {m.brand}")
            for m, _ in cards[:limit]
        ]

    async def subscription_statuses(self, customer_ids: Sequence[str]) -> dict[str, list[str]]:
        statuses: dict[str, list[str]] = {}
        for sub in self._uow.subscriptions.rows.values():
            if sub.customer_id in customer_ids:
                statuses.setdefault(sub.customer_id, []).append(sub.status.value)
        return statuses

    async def invoices_of(
        self, customer_id: str, *, limit: int, offset: int = 0
    ) -> list[InvoiceRow]:
        issued = sorted(
            (
                i
                for i in self._uow.invoices.invoices.values()
                if i.customer_id == customer_id and i.status is not InvoiceStatus.DRAFT
            ),
            key=lambda i: (i.invoice.issued_at, i.id),
            reverse=True,
        )
        return [
            InvoiceRow(
                id=i.id,
                number=i.number or "",
                status=i.status,
                currency=i.invoice.currency,
                total_minor=i.invoice.total,
                amount_due_minor=i.invoice.amount_due,
                issued_at=i.invoice.issued_at,
                subscription_id=i.subscription_id,
                paid_at=i.paid_at,
                voided_at=i.voided_at,
                marked_uncollectible_at=i.marked_uncollectible_at,
            )
            for i in issued[offset : offset + limit]
        ]

    async def attempts_of(
        self, customer_id: str, *, limit: int, offset: int = 0
    ) -> tuple[list[PaymentAttempt], int]:
        mine = sorted(
            (a for a in self._uow.payment_attempts.rows.values() if a.customer_id == customer_id),
            key=lambda a: (a.created_at, a.number),
            reverse=True,
        )
        return mine[offset : offset + limit], len(mine)

    async def refunds_of(
        self, customer_id: str, *, limit: int, offset: int = 0
    ) -> tuple[list[Refund], int]:
        mine = sorted(
            (r for r in self._uow.refunds.rows.values() if r.customer_id == customer_id),
            key=lambda r: (r.created_at, r.id),
            reverse=True,
        )
        return mine[offset : offset + limit], len(mine)

    async def emails_to(
        self, address: str, *, limit: int, offset: int = 0
    ) -> tuple[list[EmailSummary], int]:
        mine = sorted(
            (e for e in self._uow.emails.emails.values() if e.to == address),
            key=lambda e: (e.created_at, e.id),
            reverse=True,
        )
        summaries = [
            EmailSummary(
                e.id, e.kind, e.to, e.subject, e.status, e.attempts, e.created_at, e.sent_at
            )
            for e in mine[offset : offset + limit]
        ]
        return summaries, len(mine)


class InMemoryNoteRepository:
    """Staff notes: added, never changed."""

    def __init__(self) -> None:
        self.rows: list[StaffNote] = []

    async def add(self, note: StaffNote) -> None:
        self.rows.append(note)

    async def for_customer(
        self, customer_id: str, *, limit: int, offset: int = 0
    ) -> tuple[list[StaffNote], int]:
        mine = sorted(
            (n for n in self.rows if n.customer_id == customer_id),
            key=lambda n: (n.created_at, n.id),
            reverse=True,
        )
        return mine[offset : offset + limit], len(mine)

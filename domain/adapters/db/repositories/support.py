"""Finding customers and the reads of a customer's record, on Piccolo.

The text searches compare ``lower(email)`` and ``lower(name)``: prefixes as ranges on the
``text_pattern_ops`` expression indexes on PostgreSQL (``LIKE`` on SQLite), "contains" with
``LIKE`` (the typed text's ``%``, ``_`` and ``\\`` escaped) on the trigram (``pg_trgm``)
indexes (migration ``20261206_2100_customer_search_indexes``); SQLite has plain expression
indexes. Numbers, ids and
last fours are exact lookups on indexed columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.adapters.db.repositories.billing import _instant
from domain.adapters.db.repositories.payments import _attempt, _refund
from domain.adapters.db.tables import (
    CustomerTable,
    InvoiceTable,
    OutboxEmailTable,
    PaymentAttemptTable,
    RefundTable,
)
from domain.billing.model import InvoiceStatus
from domain.notifications.model import EmailKind, EmailStatus, EmailSummary
from domain.payments.model import PaymentAttempt, Refund
from domain.support.model import CustomerMatch, MatchKind
from domain.support.record_model import InvoiceRow

_COLUMNS = "c.id, c.email, c.name, c.country, c.currency, c.balance_minor"


def like_escape(text: str) -> str:
    """``text`` with LIKE's wildcards and the escape character taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _match(row: dict[str, Any], kind: MatchKind, matched: str = "") -> CustomerMatch:
    return CustomerMatch(
        customer_id=row["id"],
        name=row["name"],
        email=row["email"],
        country=row["country"] or "",
        currency=row["currency"],
        balance_minor=int(row["balance_minor"]),
        kind=kind,
        matched=matched,
    )


def prefix_bound(prefix: str) -> str | None:
    """The least string above every string starting with ``prefix`` in code point (UTF-8 byte)
    order, which ``text_pattern_ops`` sorts by; None when there is none to take."""
    last = ord(prefix[-1]) + 1
    if last == 0xD800:  # surrogates are not text: the next character is U+E000
        last = 0xE000
    return prefix[:-1] + chr(last) if last <= 0x10FFFF else None


class PiccoloCustomerDirectory:
    """``postgres``: prefixes are ranges on the ``text_pattern_ops`` indexes (``~>=~``, ``~<~``),
    which a prepared statement's generic plan still uses and reads in order (a ``LIKE $1``
    prefix needs the pattern at planning time); SQLite matches them with ``LIKE``."""

    def __init__(self, *, postgres: bool = False) -> None:
        self._postgres = postgres

    async def _prefix(self, column: str, prefix: str, limit: int) -> list[dict[str, Any]]:
        upper = prefix_bound(prefix) if self._postgres else None
        if upper is not None:
            return await CustomerTable.raw(
                f"SELECT {_COLUMNS} FROM customer c WHERE lower(c.{column}) ~>=~ {{}}"
                f" AND lower(c.{column}) ~<~ {{}} ORDER BY lower(c.{column}) USING ~<~ LIMIT {{}}",
                prefix,
                upper,
                limit,
            )
        return await CustomerTable.raw(
            f"SELECT {_COLUMNS} FROM customer c WHERE lower(c.{column}) LIKE {{}} ESCAPE '\\'"
            f" ORDER BY lower(c.{column}), c.id LIMIT {{}}",
            like_escape(prefix) + "%",
            limit,
        )

    async def email_prefix(self, prefix: str, *, limit: int) -> list[CustomerMatch]:
        return [_match(r, MatchKind.EMAIL) for r in await self._prefix("email", prefix, limit)]

    async def name_prefix(self, prefix: str, *, limit: int) -> list[CustomerMatch]:
        return [_match(r, MatchKind.NAME) for r in await self._prefix("name", prefix, limit)]

    async def containing(self, text: str, *, limit: int) -> list[CustomerMatch]:
        pattern = "%" + like_escape(text) + "%"
        rows = await CustomerTable.raw(
            f"SELECT {_COLUMNS}, lower(c.email) LIKE {{}} ESCAPE '\\' AS on_email"
            " FROM customer c WHERE lower(c.email) LIKE {} ESCAPE '\\'"
            " OR lower(c.name) LIKE {} ESCAPE '\\' LIMIT {}",
            pattern,
            pattern,
            pattern,
            limit,
        )
        return [_match(r, MatchKind.EMAIL if r["on_email"] else MatchKind.NAME) for r in rows]

    async def by_id(self, customer_id: str) -> list[CustomerMatch]:
        rows = await CustomerTable.raw(
            f"SELECT {_COLUMNS} FROM customer c WHERE c.id = {{}}", customer_id
        )
        return [_match(r, MatchKind.CUSTOMER_ID) for r in rows]

    async def by_invoice_number(self, number: str) -> list[CustomerMatch]:
        rows = await CustomerTable.raw(
            f"SELECT {_COLUMNS}, i.number AS doc FROM invoice i"
            " JOIN customer c ON c.id = i.customer_id WHERE i.number = {}",
            number,
        )
        return [_match(r, MatchKind.INVOICE, r["doc"]) for r in rows]

    async def by_credit_note_number(self, number: str) -> list[CustomerMatch]:
        rows = await CustomerTable.raw(
            f"SELECT {_COLUMNS}, n.number AS doc FROM credit_note n"
            " JOIN customer c ON c.id = n.customer_id WHERE n.number = {}",
            number,
        )
        return [_match(r, MatchKind.CREDIT_NOTE, r["doc"]) for r in rows]

    async def by_card_last4(self, last4: str, *, limit: int) -> list[CustomerMatch]:
        rows = await CustomerTable.raw(
            f"SELECT {_COLUMNS}, m.brand FROM payment_method m"
            " JOIN customer c ON c.id = m.customer WHERE m.last4 = {}"
            " ORDER BY m.removed_at IS NOT NULL, m.created_at DESC LIMIT {}",
            last4,
            limit,
        )
        return [_match(r, MatchKind.CARD, f"{last4} {r['brand']}") for r in rows]

    async def subscription_statuses(self, customer_ids: Sequence[str]) -> dict[str, list[str]]:
        if not customer_ids:
            return {}
        marks = ", ".join("{}" for _ in customer_ids)
        rows = await CustomerTable.raw(
            f"SELECT customer, status FROM subscription WHERE customer IN ({marks})",
            *customer_ids,
        )
        statuses: dict[str, list[str]] = {}
        for r in rows:
            statuses.setdefault(r["customer"], []).append(r["status"])
        return statuses

    async def invoices_of(
        self, customer_id: str, *, limit: int, offset: int = 0
    ) -> list[InvoiceRow]:
        t = InvoiceTable
        rows = await (
            t.select(
                t.id,
                t.number,
                t.status,
                t.currency,
                t.total_minor,
                t.amount_due_minor,
                t.issued_at,
                t.subscription_id,
                t.paid_at,
                t.voided_at,
                t.marked_uncollectible_at,
            )
            .where(t.customer_id == customer_id)
            .where(t.status != InvoiceStatus.DRAFT.value)
            .order_by(t.issued_at, ascending=False)
            .order_by(t.id, ascending=False)
            .limit(limit)
            .offset(offset)
        )
        return [
            InvoiceRow(
                id=r["id"],
                number=r["number"] or "",
                status=InvoiceStatus(r["status"]),
                currency=r["currency"],
                total_minor=int(r["total_minor"]),
                amount_due_minor=int(r["amount_due_minor"]),
                issued_at=_instant(r["issued_at"]),
                subscription_id=r["subscription_id"],
                paid_at=r["paid_at"],
                voided_at=r["voided_at"],
                marked_uncollectible_at=r["marked_uncollectible_at"],
            )
            for r in rows
        ]

    async def attempts_of(
        self, customer_id: str, *, limit: int, offset: int = 0
    ) -> tuple[list[PaymentAttempt], int]:
        t = PaymentAttemptTable
        rows = await (
            t.select()
            .where(t.customer_id == customer_id)
            .order_by(t.created_at, ascending=False)
            .order_by(t.number, ascending=False)
            .limit(limit)
            .offset(offset)
        )
        count = await t.count().where(t.customer_id == customer_id)
        return [_attempt(r) for r in rows], int(count)

    async def refunds_of(
        self, customer_id: str, *, limit: int, offset: int = 0
    ) -> tuple[list[Refund], int]:
        t = RefundTable
        rows = await (
            t.select()
            .where(t.customer_id == customer_id)
            .order_by(t.created_at, ascending=False)
            .order_by(t.id, ascending=False)
            .limit(limit)
            .offset(offset)
        )
        count = await t.count().where(t.customer_id == customer_id)
        return [_refund(r) for r in rows], int(count)

    async def emails_to(
        self, address: str, *, limit: int, offset: int = 0
    ) -> tuple[list[EmailSummary], int]:
        t = OutboxEmailTable
        rows = await (
            t.select(
                t.id, t.kind, t.recipient, t.subject, t.status, t.attempts, t.created_at, t.sent_at
            )
            .where(t.recipient == address)
            .order_by(t.created_at, ascending=False)
            .order_by(t.id, ascending=False)
            .limit(limit)
            .offset(offset)
        )
        count = await t.count().where(t.recipient == address)
        summaries = [
            EmailSummary(
                id=r["id"],
                kind=EmailKind(r["kind"]),
                to=r["recipient"],
                subject=r["subject"],
                status=EmailStatus(r["status"]),
                attempts=int(r["attempts"]),
                created_at=r["created_at"],
                sent_at=r["sent_at"],
            )
            for r in rows
        ]
        return summaries, int(count)

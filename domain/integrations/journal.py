"""The double-entry journal of the accounting documents (pure functions; docs/admin.md
"Accounting export" has the accounts and an example).

Each document event is a ``Posting`` whose lines balance to zero (debits equal credits):

- invoice issued: Dr receivables ``total``; Cr revenue ``total - tax`` (the subtotal less the
  discount for tax-exclusive prices); Cr tax payable ``tax``; and when customer credit paid part
  of it, Dr customer credits / Cr receivables ``credit_applied``.
- invoice voided: the issue posting reversed, dated when it was voided.
- invoice written off (uncollectible): Dr bad debts / Cr receivables ``amount_due``.
- payment (card or recorded offline): Dr cash / Cr receivables ``amount``.
- credit note: Dr revenue ``total - tax``; Dr tax payable ``tax``; Cr customer credits
  ``credited``; Cr receivables the rest (``total - credited``: the part refunded and the part
  that reduced what the invoice still owed).
- refund: Dr receivables / Cr cash ``amount`` (with the credit note's Cr receivables, a refunded
  credit note leaves receivables where they were and takes the cash out of the bank).

A line's amount is signed minor units: positive is a debit, negative a credit (a negative
invoice total turns its lines around). Nothing is converted between currencies: every line
carries its document's currency and each currency balances on its own."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.integrations.records import (
    CreditNoteRecord,
    InvoiceRecord,
    PaymentRecord,
    RefundRecord,
)


class Account(StrEnum):
    CASH = "1000"
    RECEIVABLES = "1100"
    TAX_PAYABLE = "2200"
    CUSTOMER_CREDITS = "2300"
    REVENUE = "4000"
    BAD_DEBTS = "6900"

    @property
    def label(self) -> str:
        return ACCOUNT_NAMES[self]


ACCOUNT_NAMES = {
    Account.CASH: "Cash (bank)",
    Account.RECEIVABLES: "Accounts receivable",
    Account.TAX_PAYABLE: "Tax payable",
    Account.CUSTOMER_CREDITS: "Customer credits",
    Account.REVENUE: "Revenue",
    Account.BAD_DEBTS: "Bad debts",
}


@dataclass(frozen=True, slots=True)
class Line:
    account: Account
    amount: int  # signed minor units: + debit, - credit

    @property
    def debit(self) -> int:
        return self.amount if self.amount > 0 else 0

    @property
    def credit(self) -> int:
        return -self.amount if self.amount < 0 else 0


@dataclass(frozen=True, slots=True)
class Posting:
    at: datetime
    document: str  # the document's number (a payment: its invoice's number)
    kind: str  # invoice | invoice_void | invoice_write_off | payment | credit_note | refund
    reference: str  # the record's id (a payment's or refund's own id)
    currency: str
    customer_id: str
    lines: tuple[Line, ...]

    @property
    def balance(self) -> int:
        return sum(line.amount for line in self.lines)


def _posting(at: datetime, document: str, kind: str, reference: str, currency: str,
             customer_id: str, *lines: tuple[Account, int]) -> Posting:  # fmt: skip
    kept = tuple(Line(account, amount) for account, amount in lines if amount)
    return Posting(at, document, kind, reference, currency, customer_id, kept)


def invoice_postings(inv: InvoiceRecord) -> list[Posting]:
    issued = _posting(
        inv.issued_at, inv.number, "invoice", inv.id, inv.currency, inv.customer_id,
        (Account.RECEIVABLES, inv.total),
        (Account.REVENUE, -(inv.total - inv.tax)),
        (Account.TAX_PAYABLE, -inv.tax),
        (Account.CUSTOMER_CREDITS, inv.credit_applied),
        (Account.RECEIVABLES, -inv.credit_applied),
    )  # fmt: skip
    out = [issued]
    if inv.voided_at is not None:
        reversed_lines = tuple(Line(line.account, -line.amount) for line in issued.lines)
        out.append(Posting(inv.voided_at, inv.number, "invoice_void", inv.id, inv.currency,
                           inv.customer_id, reversed_lines))  # fmt: skip
    if inv.written_off_at is not None:
        out.append(_posting(
            inv.written_off_at, inv.number, "invoice_write_off", inv.id, inv.currency,
            inv.customer_id, (Account.BAD_DEBTS, inv.amount_due),
            (Account.RECEIVABLES, -inv.amount_due),
        ))  # fmt: skip
    return out


def payment_posting(pay: PaymentRecord) -> Posting:
    return _posting(pay.paid_at, pay.invoice_number, "payment", pay.id, pay.currency,
                    pay.customer_id, (Account.CASH, pay.amount),
                    (Account.RECEIVABLES, -pay.amount))  # fmt: skip


def credit_note_posting(note: CreditNoteRecord) -> Posting:
    return _posting(
        note.issued_at, note.number, "credit_note", note.id, note.currency, note.customer_id,
        (Account.REVENUE, note.total - note.tax),
        (Account.TAX_PAYABLE, note.tax),
        (Account.CUSTOMER_CREDITS, -note.credited),
        (Account.RECEIVABLES, -(note.total - note.credited)),
    )  # fmt: skip


def refund_posting(refund: RefundRecord) -> Posting:
    return _posting(refund.refunded_at, refund.credit_note_number, "refund", refund.id,
                    refund.currency, refund.customer_id, (Account.RECEIVABLES, refund.amount),
                    (Account.CASH, -refund.amount))  # fmt: skip


def postings_in(postings: Iterable[Posting], start: datetime, end: datetime) -> Iterator[Posting]:
    """The postings dated in ``[start, end)``."""
    return (p for p in postings if start <= p.at < end)


def balances(postings: Iterable[Posting]) -> dict[tuple[str, Account], int]:
    """The signed sum per (currency, account): a trial balance of the postings."""
    out: dict[tuple[str, Account], int] = {}
    for posting in postings:
        for line in posting.lines:
            key = (posting.currency, line.account)
            out[key] = out.get(key, 0) + line.amount
    return out

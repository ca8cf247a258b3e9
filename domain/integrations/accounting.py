"""The accounting export (``EXPORT``: billing and owner): for a period of days (UTC), one CSV per
document kind (invoices, payments, credit notes, refunds) and the double-entry journal
(``journal.py``). Rows stream a page at a time, each page read in its own short read
transaction, so a large period never builds one huge string. Amounts are the exact minor units
written with the currency's decimals (``Money.to_decimal_string``); nothing is converted."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.integrations.journal import (
    credit_note_posting,
    invoice_postings,
    payment_posting,
    postings_in,
    refund_posting,
)
from domain.integrations.ports import AccountingReader, IntegrationsUnit
from domain.integrations.records import (
    CreditNoteRecord,
    InvoiceRecord,
    PaymentRecord,
    RefundRecord,
)
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require

PAGE = 1_000
MAX_DAYS = 3 * 366 + 1
BAD_PERIOD = "integrations.bad_period"
KINDS = ("invoices", "payments", "credit_notes", "refunds", "journal")
KIND_TITLES = {
    "invoices": "Invoices", "payments": "Payments", "credit_notes": "Credit notes",
    "refunds": "Refunds", "journal": "Journal",
}  # fmt: skip

INVOICE_COLUMNS = ("number", "issued_on", "paid_on", "voided_on", "customer_id", "customer_name",
                   "customer_email", "currency", "subtotal", "discount", "tax", "total",
                   "credit_applied", "amount_due", "status")  # fmt: skip
PAYMENT_COLUMNS = ("id", "paid_on", "invoice", "customer_id", "customer_name", "currency",
                   "amount", "method", "reference", "status")  # fmt: skip
CREDIT_NOTE_COLUMNS = ("number", "issued_on", "invoice", "customer_id", "customer_name",
                       "currency", "subtotal", "discount", "tax", "total", "refunded", "credited",
                       "reason")  # fmt: skip
REFUND_COLUMNS = ("id", "refunded_on", "credit_note", "invoice", "customer_id", "customer_name",
                  "currency", "amount", "status", "reference")  # fmt: skip
JOURNAL_COLUMNS = ("date", "document", "entry", "reference", "customer_id", "account",
                   "account_name", "debit", "credit", "currency")  # fmt: skip


@dataclass(frozen=True, slots=True)
class ExportPeriod:
    first: date
    last: date  # inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:  # exclusive
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=UTC)

    def file_name(self, kind: str) -> str:
        return f"{kind}-{self.first.isoformat()}-{self.last.isoformat()}.csv"


def _day(text: str, field: str, errors: dict[str, str]) -> date | None:
    text = text.strip()
    if not text:
        errors[field] = "Enter the date (YYYY-MM-DD)."
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        errors[field] = "Enter the date as YYYY-MM-DD."
    elif day.year < 2000:
        errors[field] = "Enter a date from 2000 on."
    return day


def check_period(first: str, last: str, *, today: date) -> ExportPeriod:
    errors: dict[str, str] = {}
    start, end = _day(first, "from", errors), _day(last, "to", errors)
    if start and end:
        if end < start:
            errors["to"] = "The end date is before the start date."
        elif (end - start).days + 1 > MAX_DAYS:
            errors["to"] = "Export at most three years at a time."
        elif start > today:
            errors["from"] = "The period starts in the future: nothing to export yet."
    if errors or start is None or end is None:
        raise ValidationFailed(errors, code=BAD_PERIOD)
    return ExportPeriod(start, end)


def amount(minor: int, currency: str) -> str:
    return Money.of_minor(minor, currency).to_decimal_string()


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe(text: str) -> str:
    """A text cell (a name, an e-mail, a reference) a spreadsheet will not run as a formula;
    amounts are written as they are (a negative amount starts with "-")."""
    return f"'{text}" if text.startswith(_FORMULA) else text


def _on(at: datetime | None) -> str:
    return at.astimezone(UTC).date().isoformat() if at is not None else ""


def invoice_row(inv: InvoiceRecord) -> list[str]:
    c = inv.currency
    return [inv.number, _on(inv.issued_at), _on(inv.paid_at), _on(inv.voided_at),
            inv.customer_id, safe(inv.customer_name), safe(inv.customer_email), c,
            amount(inv.subtotal, c), amount(inv.discount, c), amount(inv.tax, c), amount(inv.total, c),
            amount(inv.credit_applied, c), amount(inv.amount_due, c), inv.status]  # fmt: skip


def payment_row(pay: PaymentRecord) -> list[str]:
    return [pay.id, _on(pay.paid_at), pay.invoice_number, pay.customer_id,
            safe(pay.customer_name), pay.currency, amount(pay.amount, pay.currency), pay.method,
            safe(pay.reference),
            pay.status]  # fmt: skip


def credit_note_row(note: CreditNoteRecord) -> list[str]:
    c = note.currency
    return [note.number, _on(note.issued_at), note.invoice_number, note.customer_id,
            safe(note.customer_name), c, amount(note.subtotal, c), amount(note.discount, c),
            amount(note.tax, c), amount(note.total, c), amount(note.refunded, c),
            amount(note.credited, c), note.reason]  # fmt: skip


def refund_row(refund: RefundRecord) -> list[str]:
    return [refund.id, _on(refund.refunded_at), refund.credit_note_number, refund.invoice_number,
            refund.customer_id, safe(refund.customer_name), refund.currency,
            amount(refund.amount, refund.currency), refund.status, safe(refund.reference)]  # fmt: skip


def journal_rows(records: Iterable[Any], period: ExportPeriod) -> list[list[str]]:
    """The journal lines of ``records`` (any document kind) dated in the period."""
    postings = []
    for rec in records:
        if isinstance(rec, InvoiceRecord):
            postings += invoice_postings(rec)
        elif isinstance(rec, PaymentRecord):
            postings.append(payment_posting(rec))
        elif isinstance(rec, CreditNoteRecord):
            postings.append(credit_note_posting(rec))
        elif isinstance(rec, RefundRecord):
            postings.append(refund_posting(rec))
    rows = []
    for p in postings_in(postings, period.start, period.end):
        for line in p.lines:
            rows.append([_on(p.at), p.document, p.kind, p.reference, p.customer_id,
                         line.account.value, line.account.label,
                         amount(line.debit, p.currency) if line.debit else "",
                         amount(line.credit, p.currency) if line.credit else "",
                         p.currency])  # fmt: skip
    return rows


def _csv(rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()


def _cursor(rec: Any) -> tuple[datetime, str]:
    if isinstance(rec, InvoiceRecord):
        return rec.issued_at, rec.id
    if isinstance(rec, CreditNoteRecord):
        return rec.issued_at, rec.id
    if isinstance(rec, PaymentRecord):
        return rec.paid_at, rec.id
    return rec.refunded_at, rec.id


async def _pages(
    new_uow: Callable[[], IntegrationsUnit], pick: Callable[[AccountingReader], Any],
    period: ExportPeriod,
) -> AsyncIterator[list[Any]]:  # fmt: skip
    after: tuple[datetime, str] | None = None
    while True:
        async with new_uow() as uow:
            page = await pick(uow.accounting)(period.start, period.end, after=after, limit=PAGE)
        if page:
            yield page
        if len(page) < PAGE:
            return
        after = _cursor(page[-1])


_PICKERS: dict[str, Callable[[AccountingReader], Any]] = {
    "invoices": lambda r: r.invoices,
    "payments": lambda r: r.payments,
    "credit_notes": lambda r: r.credit_notes,
    "refunds": lambda r: r.refunds,
}


_FORMATS: dict[str, tuple[tuple[str, ...], Callable[[Any], list[str]]]] = {
    "invoices": (INVOICE_COLUMNS, invoice_row), "payments": (PAYMENT_COLUMNS, payment_row),
    "credit_notes": (CREDIT_NOTE_COLUMNS, credit_note_row),
    "refunds": (REFUND_COLUMNS, refund_row),
}  # fmt: skip


async def _stream(kind: str, period: ExportPeriod,
                  new_uow: Callable[[], IntegrationsUnit]) -> AsyncIterator[str]:  # fmt: skip
    if kind == "journal":
        yield _csv([JOURNAL_COLUMNS])
        for source in ("invoices", "payments", "credit_notes", "refunds"):
            async for page in _pages(new_uow, _PICKERS[source], period):
                yield _csv(journal_rows(page, period))
        return
    columns, row = _FORMATS[kind]
    yield _csv([columns])
    async for page in _pages(new_uow, _PICKERS[kind], period):
        if kind == "invoices":  # the reader also gives earlier invoices voided in the period
            page = [i for i in page if period.start <= i.issued_at < period.end]
        yield _csv([row(rec) for rec in page])


async def open_export(
    actor: SignedInStaff, kind: str, first: str, last: str, *,
    uow: IntegrationsUnit, new_uow: Callable[[], IntegrationsUnit], clock: Clock,
) -> tuple[str, AsyncIterator[str]]:  # fmt: skip
    """Check the permission and the period, audit the export (``accounting.exported``) and give
    the file name and its CSV text, streamed."""
    require(actor, Permission.EXPORT)
    if kind not in KINDS:
        raise ValidationFailed({"kind": "Choose what to export."}, code=BAD_PERIOD)
    now = clock.now()
    period = check_period(first, last, today=now.date())
    async with uow:
        await record(uow, new_entry(
            at=now, actor=Actor(actor.staff_id, actor.email), action="accounting.exported",
            object_type="accounting_export", object_id=kind,
            after={"kind": kind, "from": period.first.isoformat(), "to": period.last.isoformat()},
        ))  # fmt: skip
        await uow.commit()
    return period.file_name(kind), _stream(kind, period, new_uow)


def check_export_access(actor: SignedInStaff) -> None:
    require(actor, Permission.EXPORT)

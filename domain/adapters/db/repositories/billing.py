"""Invoices (drafts and issued), numbering series and credit notes on Piccolo."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from domain.adapters.db.tables import (
    CreditNoteLineTable,
    CreditNoteTable,
    InvoiceLineTable,
    InvoiceSeriesTable,
    InvoiceTable,
)
from domain.billing.issued import (
    BillingReason,
    CreditNoteReason,
    CustomerSnapshot,
    InvoiceSummary,
    IssuedCreditNote,
    IssuedInvoice,
    IssueErrorCode,
    OfflineMethod,
    OfflinePayment,
)
from domain.billing.model import (
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    TaxBasis,
)
from domain.pricing.charges import fmt_units
from domain.shared.errors import Conflict
from domain.shared.ids import new_id
from domain.shared.periods import Period


def _load(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _exact(value: Fraction) -> str:
    """The Fraction as an exact decimal string when its expansion terminates ("1234.5"), else as
    a ratio ("3/7"): an average unit price need not terminate, and nothing may be lost."""
    d = value.denominator
    for factor in (2, 5):
        while d % factor == 0:
            d //= factor
    return fmt_units(value) if d == 1 else f"{value.numerator}/{value.denominator}"


def _fraction(text: str) -> Fraction:
    return Fraction(text) if "/" in text else Fraction(Decimal(text))


def _basis_json(basis: TaxBasis | None) -> str | None:
    if basis is None:
        return None
    percentage = None if basis.percentage is None else str(basis.percentage)
    return json.dumps(asdict(basis) | {"percentage": percentage})


def _basis(data: dict[str, Any] | None) -> TaxBasis | None:
    """The stored tax basis; ``None`` for an invoice issued before it was kept."""
    if not data:
        return None
    raw = data.get("percentage")
    return TaxBasis(
        percentage=None if raw is None else Decimal(str(raw)),
        inclusive=bool(data.get("inclusive")),
        reverse_charge=bool(data.get("reverse_charge")),
        note=data.get("note"),
        name=data.get("name"),
    )


def _offline_json(paid: OfflinePayment | None) -> str | None:
    if paid is None:
        return None
    return json.dumps(
        {"method": paid.method.value, "reference": paid.reference,
         "received_on": paid.received_on.isoformat()}
    )  # fmt: skip


def _offline(data: dict[str, Any] | None) -> OfflinePayment | None:
    if not data:
        return None
    return OfflinePayment(
        method=OfflineMethod(data["method"]),
        reference=str(data.get("reference", "")),
        received_on=date.fromisoformat(data["received_on"]),
    )


def _is_cycle_clash(exc: Exception) -> bool:
    text = str(exc).lower()
    return "cycle_key" in text and ("unique" in text or "duplicate" in text)


_CHUNK = 500  # rows per multi-row INSERT (well under both databases' parameter limits)


def _raise_cycle_clash(exc: Exception) -> None:
    if _is_cycle_clash(exc):
        raise Conflict(
            "this subscription already has an invoice for that period",
            code=IssueErrorCode.DUPLICATE_CYCLE,
        ) from exc


def _invoice_row(issued: IssuedInvoice) -> InvoiceTable:
    inv = issued.invoice
    return InvoiceTable(
        id=issued.id,
        number=inv.number or None,
        subscription_id=issued.subscription_id,
        customer_id=issued.customer_id,
        billing_reason=issued.reason.value,
        cycle_key=issued.cycle_key,
        status=inv.status.value,
        currency=inv.currency,
        period_start=inv.period.start,
        period_end=inv.period.end,
        issued_at=inv.issued_at,
        subtotal_minor=inv.subtotal,
        discount_minor=inv.discount,
        tax_minor=inv.tax,
        total_minor=inv.total,
        credit_applied_minor=inv.credit_applied,
        amount_due_minor=inv.amount_due,
        customer_snapshot=json.dumps(asdict(issued.customer)),
        paid_at=issued.paid_at,
        voided_at=issued.voided_at,
        marked_uncollectible_at=issued.marked_uncollectible_at,
        tax_basis=_basis_json(inv.tax_basis),
        memo=issued.memo,
        po_number=issued.po_number,
        due_at=issued.due_at,
        offline_payment=_offline_json(issued.offline_payment),
    )


def _line_rows(issued: IssuedInvoice) -> list[InvoiceLineTable]:
    return [
        InvoiceLineTable(
            id=new_id(),
            invoice=issued.id,
            position=position,
            kind=line.kind.value,
            description=line.description,
            quantity=_exact(line.quantity),
            unit_amount_minor=_exact(line.unit_amount),
            amount_minor=line.amount,
            period_start=line.period.start,
            period_end=line.period.end,
            explanation=line.explanation,
            detail=line.detail,
        )
        for position, line in enumerate(issued.invoice.lines)
    ]


def _issued(row: dict[str, Any], lines: list[dict[str, Any]]) -> IssuedInvoice:
    return IssuedInvoice(
        id=row["id"],
        subscription_id=row["subscription_id"],
        customer_id=row["customer_id"],
        reason=BillingReason(row["billing_reason"]),
        customer=_customer(_load(row["customer_snapshot"])),
        invoice=Invoice(
            number=row["number"] or "",
            issued_at=row["issued_at"],
            period=Period(row["period_start"], row["period_end"]),
            currency=row["currency"],
            lines=tuple(
                InvoiceLine(
                    kind=LineKind(r["kind"]),
                    description=r["description"],
                    quantity=_fraction(r["quantity"]),
                    unit_amount=_fraction(r["unit_amount_minor"]),
                    amount=int(r["amount_minor"]),
                    period=Period(r["period_start"], r["period_end"]),
                    explanation=r["explanation"],
                    detail=r["detail"],
                )
                for r in lines
            ),
            subtotal=int(row["subtotal_minor"]),
            discount=int(row["discount_minor"]),
            tax=int(row["tax_minor"]),
            total=int(row["total_minor"]),
            credit_applied=int(row["credit_applied_minor"]),
            amount_due=int(row["amount_due_minor"]),
            status=InvoiceStatus(row["status"]),
            tax_basis=_basis(_load(row.get("tax_basis"))),
        ),
        paid_at=row["paid_at"],
        voided_at=row["voided_at"],
        marked_uncollectible_at=row["marked_uncollectible_at"],
        memo=row.get("memo") or "",
        po_number=row.get("po_number") or "",
        due_at=row.get("due_at"),
        offline_payment=_offline(_load(row.get("offline_payment"))),
    )


class PiccoloInvoiceRepository:
    def __init__(self, *, lock_rows: bool = False) -> None:
        # PostgreSQL locks the row (FOR UPDATE); SQLite has no row locks, and needs none: its
        # write transactions (BEGIN IMMEDIATE) already hold the database's single write lock
        self._lock_rows = lock_rows
        self._series: set[str] = set()  # series this unit of work has made sure exist

    def forget_reads(self) -> None:
        self._series.clear()

    async def next_number(self, prefix: str) -> int:
        if prefix not in self._series:
            await InvoiceSeriesTable.insert(
                InvoiceSeriesTable(id=new_id(), prefix=prefix, next_number=1)
            ).on_conflict(target=InvoiceSeriesTable.prefix, action="DO NOTHING")
            self._series.add(prefix)
        # the UPDATE takes the series row's lock until the issuing transaction ends
        rows = await InvoiceSeriesTable.raw(
            "UPDATE invoice_series SET next_number = next_number + 1 WHERE prefix = {}"
            " RETURNING next_number",
            prefix,
        )
        return int(rows[0]["next_number"]) - 1

    async def reserve_numbers(self, prefix: str, count: int) -> int:
        if prefix not in self._series:
            await InvoiceSeriesTable.insert(
                InvoiceSeriesTable(id=new_id(), prefix=prefix, next_number=1)
            ).on_conflict(target=InvoiceSeriesTable.prefix, action="DO NOTHING")
            self._series.add(prefix)
        rows = await InvoiceSeriesTable.raw(
            "UPDATE invoice_series SET next_number = next_number + {} WHERE prefix = {}"
            " RETURNING next_number",
            count,
            prefix,
        )
        return int(rows[0]["next_number"]) - count

    async def set_numbers(self, numbers: dict[str, str]) -> None:
        if not numbers:
            return
        if self._lock_rows:  # PostgreSQL: one statement for the batch
            await InvoiceTable.raw(
                "UPDATE invoice AS i SET number = v.number FROM (SELECT unnest({}::varchar[])"
                " AS id, unnest({}::varchar[]) AS number) AS v WHERE i.id = v.id",
                list(numbers),
                list(numbers.values()),
            )
            return
        for invoice_id, number in numbers.items():  # SQLite: local calls, one each
            await InvoiceTable.update({InvoiceTable.number: number}).where(
                InvoiceTable.id == invoice_id
            )

    async def add(self, issued: IssuedInvoice) -> None:
        try:
            await InvoiceTable.insert(_invoice_row(issued))
        except Exception as exc:
            _raise_cycle_clash(exc)
            raise
        if issued.invoice.lines:
            await InvoiceLineTable.insert(*_line_rows(issued))

    async def add_many(self, invoices: Sequence[IssuedInvoice]) -> None:
        rows = [_invoice_row(i) for i in invoices]
        lines = [line for i in invoices for line in _line_rows(i)]
        try:
            for start in range(0, len(rows), _CHUNK):
                await InvoiceTable.insert(*rows[start : start + _CHUNK])
        except Exception as exc:
            _raise_cycle_clash(exc)
            raise
        for start in range(0, len(lines), _CHUNK):
            await InvoiceLineTable.insert(*lines[start : start + _CHUNK])

    async def _load_one(self, row: dict[str, Any] | None) -> IssuedInvoice | None:
        if row is None:
            return None
        lines = await (
            InvoiceLineTable.select()
            .where(InvoiceLineTable.invoice == row["id"])
            .order_by(InvoiceLineTable.position)
        )
        return _issued(row, lines)

    async def get_many(self, invoice_ids: Sequence[str]) -> list[IssuedInvoice]:
        return await self._many(invoice_ids, lock=False)

    async def get_many_for_update(self, invoice_ids: Sequence[str]) -> list[IssuedInvoice]:
        return await self._many(invoice_ids, lock=self._lock_rows)

    async def _many(self, invoice_ids: Sequence[str], *, lock: bool) -> list[IssuedInvoice]:
        """The invoices with their lines in two queries, in id order (the order a batch locks
        them in, so two batches wait for each other instead of deadlocking)."""
        if not invoice_ids:
            return []
        query = (
            InvoiceTable.select()
            .where(InvoiceTable.id.is_in(list(invoice_ids)))
            .order_by(InvoiceTable.id)
        )
        if lock:
            query = query.lock_rows("UPDATE")
        rows = await query
        lines: dict[str, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
        if rows:
            for line in await (
                InvoiceLineTable.select()
                .where(InvoiceLineTable.invoice.is_in(list(lines)))
                .order_by(InvoiceLineTable.position)
            ):
                lines[line["invoice"]].append(line)
        return [_issued(row, lines[row["id"]]) for row in rows]

    async def existing_cycle_keys(self, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        found: set[str] = set()
        for start in range(0, len(keys), _CHUNK):
            rows = await InvoiceTable.select(InvoiceTable.cycle_key).where(
                InvoiceTable.cycle_key.is_in(list(keys[start : start + _CHUNK]))
            )
            found |= {r["cycle_key"] for r in rows}
        return found

    async def mark_paid_many(self, invoice_ids: Sequence[str], at: datetime) -> None:
        if invoice_ids:
            await InvoiceTable.update(
                {
                    InvoiceTable.status: InvoiceStatus.PAID.value,
                    InvoiceTable.paid_at: at,
                    InvoiceTable.offline_payment: None,
                }
            ).where(InvoiceTable.id.is_in(list(invoice_ids)))

    async def get(self, invoice_id: str) -> IssuedInvoice | None:
        return await self._load_one(
            await InvoiceTable.select().where(InvoiceTable.id == invoice_id).first()
        )

    async def get_for_update(self, invoice_id: str) -> IssuedInvoice | None:
        query = InvoiceTable.select().where(InvoiceTable.id == invoice_id)
        if self._lock_rows:
            query = query.lock_rows("UPDATE")
        return await self._load_one(await query.first())

    async def update_state(self, issued: IssuedInvoice) -> None:
        inv = issued.invoice
        await InvoiceTable.update(
            {
                InvoiceTable.status: inv.status.value,
                InvoiceTable.number: inv.number or None,
                InvoiceTable.issued_at: inv.issued_at,
                InvoiceTable.paid_at: issued.paid_at,
                InvoiceTable.voided_at: issued.voided_at,
                InvoiceTable.marked_uncollectible_at: issued.marked_uncollectible_at,
                InvoiceTable.offline_payment: _offline_json(issued.offline_payment),
                # a pre-payment credit note moves credit from amount due to credit applied
                InvoiceTable.credit_applied_minor: inv.credit_applied,
                InvoiceTable.amount_due_minor: inv.amount_due,
            }
        ).where(InvoiceTable.id == issued.id)

    async def get_cycle_invoice(
        self, subscription_id: str, period_start: datetime
    ) -> IssuedInvoice | None:
        key = f"{subscription_id}:{period_start.isoformat()}"
        return await self._load_one(
            await InvoiceTable.select().where(InvoiceTable.cycle_key == key).first()
        )

    async def history(self, customer_id: str, *, limit: int, offset: int) -> list[InvoiceSummary]:
        # one query: the page's rows from the (customer_id, issued_at) index
        rows = await InvoiceTable.raw(
            "SELECT i.id, i.number, i.issued_at, i.status, i.currency, i.total_minor,"
            " i.amount_due_minor"
            " FROM invoice i WHERE i.customer_id = {} AND i.status <> 'draft'"
            " ORDER BY i.issued_at DESC, i.id DESC LIMIT {} OFFSET {}",
            customer_id,
            limit,
            offset,
        )
        return [
            InvoiceSummary(
                id=r["id"],
                number=r["number"] or "",
                issued_at=_instant(r["issued_at"]),
                status=InvoiceStatus(r["status"]),
                currency=r["currency"],
                total=int(r["total_minor"]),
                amount_due=int(r["amount_due_minor"]),
            )
            for r in rows
        ]

    async def count_finalized(self, customer_id: str) -> int:
        rows = await InvoiceTable.raw(
            "SELECT COUNT(*) AS n FROM invoice WHERE customer_id = {} AND status <> 'draft'",
            customer_id,
        )
        return int(rows[0]["n"])


def _instant(value: Any) -> datetime:
    """Raw queries give SQLite's timestamps as text; typed queries convert them, raw ones don't."""
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    assert isinstance(value, datetime)
    return value


def _customer(data: dict[str, Any]) -> CustomerSnapshot:
    return CustomerSnapshot(
        name=data["name"],
        email=data["email"],
        address_lines=tuple(data.get("address_lines", ())),
        country=data.get("country", ""),
        tax_id=data.get("tax_id"),
    )


class PiccoloCreditNoteRepository:
    async def add(self, note: IssuedCreditNote) -> None:
        cn = note.note
        await CreditNoteTable.insert(
            CreditNoteTable(
                id=note.id,
                number=cn.number,
                invoice=note.invoice_id,
                customer_id=note.customer_id,
                subscription_id=note.subscription_id,
                reason=note.reason.value,
                currency=note.currency,
                issued_at=cn.issued_at,
                subtotal_minor=cn.subtotal,
                discount_minor=cn.discount,
                tax_minor=cn.tax,
                total_minor=cn.total,
                refunded_minor=cn.refunded,
                credited_minor=cn.credited,
            )
        )
        if cn.lines:
            await CreditNoteLineTable.insert(
                *(
                    CreditNoteLineTable(
                        id=new_id(),
                        credit_note=note.id,
                        position=position,
                        description=line.description,
                        amount_minor=line.amount,
                        explanation=line.explanation,
                        detail=line.detail,
                    )
                    for position, line in enumerate(cn.lines)
                )
            )

    async def _load(self, rows: list[dict[str, Any]]) -> list[IssuedCreditNote]:
        if not rows:
            return []
        numbers = {
            r["id"]: r["number"] or ""
            for r in await InvoiceTable.select(InvoiceTable.id, InvoiceTable.number).where(
                InvoiceTable.id.is_in(list({row["invoice"] for row in rows}))
            )
        }
        line_rows = await (
            CreditNoteLineTable.select()
            .where(CreditNoteLineTable.credit_note.is_in([row["id"] for row in rows]))
            .order_by(CreditNoteLineTable.position)
        )
        lines: dict[str, list[CreditNoteLine]] = {}
        for r in line_rows:
            lines.setdefault(r["credit_note"], []).append(
                CreditNoteLine(
                    description=r["description"],
                    amount=int(r["amount_minor"]),
                    explanation=r["explanation"],
                    detail=r["detail"],
                )
            )
        return [
            IssuedCreditNote(
                id=row["id"],
                invoice_id=row["invoice"],
                customer_id=row["customer_id"],
                subscription_id=row["subscription_id"],
                reason=CreditNoteReason(row["reason"]),
                currency=row["currency"],
                note=CreditNote(
                    number=row["number"],
                    issued_at=row["issued_at"],
                    invoice=numbers[row["invoice"]],
                    lines=tuple(lines.get(row["id"], ())),
                    subtotal=int(row["subtotal_minor"]),
                    discount=int(row["discount_minor"]),
                    tax=int(row["tax_minor"]),
                    total=int(row["total_minor"]),
                    refunded=int(row["refunded_minor"]),
                    credited=int(row["credited_minor"]),
                ),
            )
            for row in rows
        ]

    async def get(self, credit_note_id: str) -> IssuedCreditNote | None:
        rows = await CreditNoteTable.select().where(CreditNoteTable.id == credit_note_id)
        found = await self._load(rows)
        return found[0] if found else None

    async def list_for_invoice(self, invoice_id: str) -> list[IssuedCreditNote]:
        rows = await (
            CreditNoteTable.select()
            .where(CreditNoteTable.invoice == invoice_id)
            .order_by(CreditNoteTable.issued_at)
            .order_by(CreditNoteTable.number)
        )
        return await self._load(rows)

    async def list_for_customer(self, customer_id: str) -> list[IssuedCreditNote]:
        rows = await (
            CreditNoteTable.select()
            .where(CreditNoteTable.customer_id == customer_id)
            .order_by(CreditNoteTable.issued_at, ascending=False)
            .order_by(CreditNoteTable.number, ascending=False)
        )
        return await self._load(rows)

    async def total_for_invoice(self, invoice_id: str) -> int:
        rows = await CreditNoteTable.select(CreditNoteTable.total_minor).where(
            CreditNoteTable.invoice == invoice_id
        )
        return sum(int(r["total_minor"]) for r in rows)

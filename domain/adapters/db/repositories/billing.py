"""Issued invoices and numbering series on Piccolo."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from domain.adapters.db.tables import InvoiceLineTable, InvoiceSeriesTable, InvoiceTable
from domain.billing.issued import BillingReason, CustomerSnapshot, IssuedInvoice, IssueErrorCode
from domain.billing.model import Invoice, InvoiceLine, InvoiceStatus, LineKind
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


def _is_cycle_clash(exc: Exception) -> bool:
    text = str(exc).lower()
    return "cycle_key" in text and ("unique" in text or "duplicate" in text)


class PiccoloInvoiceRepository:
    async def next_number(self, prefix: str) -> int:
        await InvoiceSeriesTable.insert(
            InvoiceSeriesTable(id=new_id(), prefix=prefix, next_number=1)
        ).on_conflict(target=InvoiceSeriesTable.prefix, action="DO NOTHING")
        # the UPDATE takes the series row's lock until the issuing transaction ends
        rows = await InvoiceSeriesTable.raw(
            "UPDATE invoice_series SET next_number = next_number + 1 WHERE prefix = {}"
            " RETURNING next_number",
            prefix,
        )
        return int(rows[0]["next_number"]) - 1

    async def add(self, issued: IssuedInvoice) -> None:
        inv = issued.invoice
        try:
            await InvoiceTable.insert(
                InvoiceTable(
                    id=issued.id,
                    number=inv.number,
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
                )
            )
        except Exception as exc:
            if _is_cycle_clash(exc):
                raise Conflict(
                    "this subscription already has an invoice for that period",
                    code=IssueErrorCode.DUPLICATE_CYCLE,
                ) from exc
            raise
        if inv.lines:
            await InvoiceLineTable.insert(
                *(
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
                    )
                    for position, line in enumerate(inv.lines)
                )
            )

    async def _load_one(self, row: dict[str, Any] | None) -> IssuedInvoice | None:
        if row is None:
            return None
        lines = await (
            InvoiceLineTable.select()
            .where(InvoiceLineTable.invoice == row["id"])
            .order_by(InvoiceLineTable.position)
        )
        return IssuedInvoice(
            id=row["id"],
            subscription_id=row["subscription_id"],
            customer_id=row["customer_id"],
            reason=BillingReason(row["billing_reason"]),
            customer=_customer(_load(row["customer_snapshot"])),
            invoice=Invoice(
                number=row["number"],
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
            ),
        )

    async def get(self, invoice_id: str) -> IssuedInvoice | None:
        return await self._load_one(
            await InvoiceTable.select().where(InvoiceTable.id == invoice_id).first()
        )

    async def get_cycle_invoice(
        self, subscription_id: str, period_start: datetime
    ) -> IssuedInvoice | None:
        key = f"{subscription_id}:{period_start.isoformat()}"
        return await self._load_one(
            await InvoiceTable.select().where(InvoiceTable.cycle_key == key).first()
        )


def _customer(data: dict[str, Any]) -> CustomerSnapshot:
    return CustomerSnapshot(
        name=data["name"],
        email=data["email"],
        address_lines=tuple(data.get("address_lines", ())),
        country=data.get("country", ""),
        tax_id=data.get("tax_id"),
    )

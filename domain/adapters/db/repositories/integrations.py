"""The integrations on Piccolo: CRM imports (``uow.imports``), customers' external ids and bulk
customer reads (``uow.customer_refs``), and the accounting documents of a period
(``uow.accounting``, keyset pages in (instant, id) order)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from domain.adapters.db.repositories.subscriptions import (
    _customer_values,
    _locked,
    _to_customer,
)
from domain.adapters.db.tables import (
    CreditNoteTable,
    CustomerTable,
    InvoiceTable,
    PaymentAttemptTable,
    RefundTable,
    SubscriptionTable,
)
from domain.adapters.db.tables_integrations import CustomerExternalRefTable, CustomerImportTable
from domain.adapters.db.unique import conflict_on_duplicate
from domain.customers.model import Customer
from domain.integrations.model import CustomerImport, ImportStatus
from domain.integrations.records import (
    CreditNoteRecord,
    InvoiceRecord,
    PaymentRecord,
    RefundRecord,
)
from domain.integrations.rows import RowError
from domain.shared.ids import CustomerId

T = CustomerImportTable
R = CustomerExternalRefTable
CHUNK = 500  # ids per IN (...) query
ENDED = ("canceled", "incomplete_expired")


def _load(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _at(value: Any) -> datetime:
    parsed = _instant(value)
    assert parsed is not None
    return parsed


def _values(rec: CustomerImport) -> dict[Any, Any]:
    return {
        T.mapping: json.dumps(rec.mapping), T.with_subscriptions: rec.with_subscriptions,
        T.status: rec.status.value, T.done_rows: rec.done_rows, T.created: rec.created,
        T.updated: rec.updated, T.subscribed: rec.subscribed, T.error_count: rec.error_count,
        T.errors: json.dumps([[e.row, e.column, e.message] for e in rec.errors]),
        T.checked_at: rec.checked_at, T.started_at: rec.started_at,
        T.finished_at: rec.finished_at,
    }  # fmt: skip


def _import(row: dict[str, Any]) -> CustomerImport:
    return CustomerImport(
        id=row["id"], file_name=row["file_name"], source=row["source"],
        created_at=_at(row["created_at"]), created_by=row["created_by"],
        created_by_id=row["created_by_id"], header=tuple(_load(row["header"]) or ()),
        total_rows=row["total_rows"], mapping=dict(_load(row["mapping"]) or {}),
        with_subscriptions=bool(row["with_subscriptions"]), status=ImportStatus(row["status"]),
        done_rows=row["done_rows"], created=row["created"], updated=row["updated"],
        subscribed=row["subscribed"], error_count=row["error_count"],
        errors=tuple(RowError(int(n), str(c), str(m)) for n, c, m in _load(row["errors"]) or ()),
        checked_at=_instant(row["checked_at"]), started_at=_instant(row["started_at"]),
        finished_at=_instant(row["finished_at"]),
    )  # fmt: skip


_NO_CONTENT = [c for c in T._meta.columns if c._meta.name != "content"]


class PiccoloImportRepository:
    async def add(self, record: CustomerImport, content: bytes) -> None:
        values = {col._meta.name: v for col, v in _values(record).items()}
        await T.insert(T(
            id=record.id, file_name=record.file_name, source=record.source,
            created_at=record.created_at, created_by=record.created_by,
            created_by_id=record.created_by_id, header=json.dumps(list(record.header)),
            total_rows=record.total_rows, content=content, **values,
        ))  # fmt: skip

    async def get(self, import_id: str, *, lock: bool = False) -> CustomerImport | None:
        query = T.select(*_NO_CONTENT).where(T.id == import_id)
        rows = await (_locked(query, T) if lock else query)
        return _import(rows[0]) if rows else None

    async def content(self, import_id: str) -> bytes:
        row = await T.select(T.content).where(T.id == import_id).first()
        return bytes(row["content"]) if row else b""

    async def save(self, record: CustomerImport) -> None:
        await T.update(_values(record)).where(T.id == record.id)

    async def recent(self, limit: int) -> list[CustomerImport]:
        rows = await T.select(*_NO_CONTENT).order_by(T.created_at, ascending=False).limit(limit)
        return [_import(r) for r in rows]


def _chunks(values: Sequence[Any]) -> list[list[Any]]:
    unique = list(dict.fromkeys(values))
    return [unique[i : i + CHUNK] for i in range(0, len(unique), CHUNK)]


_PG_TYPES = {"id": "varchar", "created_at": "timestamptz", "email": "varchar",
             "name": "varchar", "currency": "varchar", "country": "varchar",
             "region": "varchar", "address_lines": "json", "tax_id": "varchar",
             "tax_exempt": "boolean", "timezone": "varchar", "balance_minor": "bigint",
             "test_clock_id": "varchar"}  # fmt: skip


async def _insert_customers_pg(customers: Sequence[Customer]) -> None:
    """One ``INSERT ... SELECT FROM unnest(arrays)``: a column per parameter, however many rows
    (Piccolo's multi-row insert binds a parameter per cell, slow to build for 500 rows)."""
    columns: dict[str, list[Any]] = {name: [] for name in _PG_TYPES}
    for c in customers:
        values = {col._meta.name: v for col, v in _customer_values(c).items()}
        values |= {"id": c.id, "created_at": c.created_at}
        for name in _PG_TYPES:
            columns[name].append(values[name])
    names = ", ".join(_PG_TYPES)
    arrays = ", ".join("{}::" + kind + "[]" for kind in _PG_TYPES.values())
    await CustomerTable.raw(f"INSERT INTO customer ({names}) SELECT * FROM unnest({arrays})",
                            *columns.values())  # fmt: skip


def _pg() -> bool:
    return bool(R._meta.db.engine_type == "postgres")


async def _customers_joined(column: str, values: list[str]) -> list[dict[str, Any]]:
    """Customers whose ``column`` is one of ``values``, joined against the array: an index
    lookup per value however stale the table's statistics (an ``IN (...)`` of 500 parameters
    right after a bulk load was planned as a sequential scan, a second per batch)."""
    if not values:
        return []
    rows: list[dict[str, Any]] = await CustomerTable.raw(
        f"SELECT c.* FROM unnest({{}}::varchar[]) AS k(v) JOIN customer c ON c.{column} = k.v",
        values,
    )
    return rows


class PiccoloCustomerRefRepository:
    async def find(self, source: str, external_ids: Sequence[str]) -> dict[str, CustomerId]:
        out: dict[str, CustomerId] = {}
        if _pg():
            rows = await R.raw(
                "SELECT r.external_id, r.customer_id FROM unnest({}::varchar[]) AS k(key) "
                "JOIN customer_external_ref r ON r.key = k.key",
                list(dict.fromkeys(f"{source}:{e}" for e in external_ids)),
            )  # fmt: skip
            return {r["external_id"]: CustomerId(r["customer_id"]) for r in rows}
        for chunk in _chunks([f"{source}:{e}" for e in external_ids]):
            rows = await R.select(R.external_id, R.customer_id).where(R.key.is_in(chunk))
            out.update({r["external_id"]: CustomerId(r["customer_id"]) for r in rows})
        return out

    async def add(
        self, source: str, external_id: str, customer_id: CustomerId, *, at: datetime
    ) -> None:
        await R.insert(R(key=f"{source}:{external_id}", source=source, external_id=external_id,
                         customer_id=customer_id, created_at=at))  # fmt: skip

    async def add_many(
        self, source: str, refs: Sequence[tuple[str, CustomerId]], *, at: datetime
    ) -> None:
        if not refs:
            return
        if _pg():  # one statement of five arrays, as customers
            await R.raw(
                "INSERT INTO customer_external_ref (key, source, external_id, customer_id, "
                "created_at) SELECT k, {}::varchar, e, c, {}::timestamptz "
                "FROM unnest({}::varchar[], {}::varchar[], {}::varchar[]) AS t(k, e, c)",
                source, at, [f"{source}:{e}" for e, _ in refs], [e for e, _ in refs],
                [c for _, c in refs],
            )  # fmt: skip
            return
        await R.insert(*[R(key=f"{source}:{e}", source=source, external_id=e, customer_id=c,
                           created_at=at) for e, c in refs])  # fmt: skip

    async def add_customers(self, customers: Sequence[Customer]) -> None:
        if not customers:
            return
        async with conflict_on_duplicate("A customer with this e-mail exists.",
                                         code="customer.email_taken"):  # fmt: skip
            if CustomerTable._meta.db.engine_type == "postgres":
                await _insert_customers_pg(customers)
                return
            await CustomerTable.insert(*[
                CustomerTable(id=c.id, created_at=c.created_at,
                              **{col._meta.name: v for col, v in _customer_values(c).items()})
                for c in customers
            ])  # fmt: skip

    async def customers(self, ids: Sequence[CustomerId]) -> dict[CustomerId, Customer]:
        out: dict[CustomerId, Customer] = {}
        if _pg():
            rows = await _customers_joined("id", list(dict.fromkeys(ids)))
            return {CustomerId(r["id"]): _to_customer(r) for r in rows}
        for chunk in _chunks(ids):
            for row in await CustomerTable.select().where(CustomerTable.id.is_in(chunk)):
                out[CustomerId(row["id"])] = _to_customer(row)
        return out

    async def by_emails(self, emails: Sequence[str]) -> dict[str, Customer]:
        out: dict[str, Customer] = {}
        if _pg():
            rows = await _customers_joined("email", list(dict.fromkeys(e.lower() for e in emails)))
            return {r["email"]: _to_customer(r) for r in rows}
        for chunk in _chunks([e.lower() for e in emails]):
            for row in await CustomerTable.select().where(CustomerTable.email.is_in(chunk)):
                out[row["email"]] = _to_customer(row)
        return out

    async def live_subscription_customers(self, ids: Sequence[CustomerId]) -> set[CustomerId]:
        S = SubscriptionTable
        out: set[CustomerId] = set()
        for chunk in _chunks(ids):
            rows = await S.select(S.customer).where(S.customer.is_in(chunk),
                                                     S.status.not_in(list(ENDED)))  # fmt: skip
            out.update(CustomerId(r["customer"]) for r in rows)
        return out


def _window(column: Any, start: datetime, end: datetime) -> Any:
    return (column >= start) & (column < end)


def _after(column: Any, id_column: Any, after: tuple[datetime, str] | None) -> Any:
    if after is None:
        return None
    at, last_id = after
    return (column > at) | ((column == at) & (id_column > last_id))


def _where(query: Any, *conditions: Any) -> Any:
    for condition in conditions:
        if condition is not None:
            query = query.where(condition)
    return query


def _snapshot(value: Any) -> dict[str, Any]:
    data = _load(value)
    return data if isinstance(data, dict) else {}


class PiccoloAccountingReader:
    async def invoices(
        self, start: datetime, end: datetime, *, after: tuple[datetime, str] | None, limit: int
    ) -> list[InvoiceRecord]:
        I = InvoiceTable  # noqa: E741
        in_period = (_window(I.issued_at, start, end) | _window(I.voided_at, start, end)
                     | _window(I.marked_uncollectible_at, start, end))  # fmt: skip
        query = _where(I.select().where(I.number.is_not_null(), I.status != "draft"),
                       in_period, _after(I.issued_at, I.id, after))  # fmt: skip
        rows = await query.order_by(I.issued_at).order_by(I.id).limit(limit)
        out = []
        for r in rows:
            who = _snapshot(r["customer_snapshot"])
            out.append(InvoiceRecord(
                id=r["id"], number=r["number"], customer_id=r["customer_id"] or "",
                customer_name=str(who.get("name", "")), customer_email=str(who.get("email", "")),
                currency=r["currency"], status=r["status"], issued_at=_at(r["issued_at"]),
                subtotal=r["subtotal_minor"], discount=r["discount_minor"], tax=r["tax_minor"],
                total=r["total_minor"], credit_applied=r["credit_applied_minor"],
                amount_due=r["amount_due_minor"], paid_at=_instant(r["paid_at"]),
                voided_at=_instant(r["voided_at"]),
                written_off_at=_instant(r["marked_uncollectible_at"]),
            ))  # fmt: skip
        return out

    async def payments(
        self, start: datetime, end: datetime, *, after: tuple[datetime, str] | None, limit: int
    ) -> list[PaymentRecord]:
        P = PaymentAttemptTable
        query = _where(
            P.select(P.id, P.customer_id, P.amount_minor, P.currency, P.finished_at, P.payment_ref,
                     P.invoice.number.as_alias("invoice_number"),
                     P.invoice.customer_snapshot.as_alias("snapshot")),
            P.status == "succeeded", _window(P.finished_at, start, end),
            _after(P.finished_at, P.id, after),
        )  # fmt: skip
        cards = [
            PaymentRecord(
                id=r["id"],
                invoice_number=r["invoice_number"] or "",
                customer_id=r["customer_id"],
                customer_name=str(_snapshot(r["snapshot"]).get("name", "")),
                currency=r["currency"],
                amount=r["amount_minor"],
                paid_at=_at(r["finished_at"]),
                method="card",
                reference=r["payment_ref"] or "",
            )
            for r in await query.order_by(P.finished_at).order_by(P.id).limit(limit)
        ]
        I = InvoiceTable  # noqa: E741
        offline_query = _where(
            I.select(I.id, I.number, I.customer_id, I.currency, I.paid_at, I.amount_due_minor,
                     I.offline_payment, I.customer_snapshot),
            I.offline_payment.is_not_null(), _window(I.paid_at, start, end),
            _after(I.paid_at, I.id, after),
        )  # fmt: skip
        offline = []
        for r in await offline_query.order_by(I.paid_at).order_by(I.id).limit(limit):
            how = _snapshot(r["offline_payment"])
            if not how:
                continue
            offline.append(PaymentRecord(
                id=r["id"], invoice_number=r["number"] or "", customer_id=r["customer_id"] or "",
                customer_name=str(_snapshot(r["customer_snapshot"]).get("name", "")),
                currency=r["currency"], amount=r["amount_due_minor"], paid_at=_at(r["paid_at"]),
                method=str(how.get("method", "other")), reference=str(how.get("reference", "")),
            ))  # fmt: skip
        merged = sorted(cards + offline, key=lambda p: (p.paid_at, p.id))
        return merged[:limit]

    async def credit_notes(
        self, start: datetime, end: datetime, *, after: tuple[datetime, str] | None, limit: int
    ) -> list[CreditNoteRecord]:
        C = CreditNoteTable
        query = _where(
            C.select(*C.all_columns(), C.invoice.number.as_alias("invoice_number"),
                     C.invoice.customer_snapshot.as_alias("snapshot")),
            _window(C.issued_at, start, end), _after(C.issued_at, C.id, after),
        )  # fmt: skip
        rows = await query.order_by(C.issued_at).order_by(C.id).limit(limit)
        return [
            CreditNoteRecord(
                id=r["id"],
                number=r["number"],
                invoice_number=r["invoice_number"] or "",
                customer_id=r["customer_id"] or "",
                customer_name=str(_snapshot(r["snapshot"]).get("name", "")),
                currency=r["currency"],
                reason=r["reason"],
                issued_at=_at(r["issued_at"]),
                subtotal=r["subtotal_minor"],
                discount=r["discount_minor"],
                tax=r["tax_minor"],
                total=r["total_minor"],
                refunded=r["refunded_minor"],
                credited=r["credited_minor"],
            )
            for r in rows
        ]

    async def refunds(
        self, start: datetime, end: datetime, *, after: tuple[datetime, str] | None, limit: int
    ) -> list[RefundRecord]:
        F = RefundTable
        query = _where(
            F.select().where(F.status == "succeeded"),
            _window(F.finished_at, start, end),
            _after(F.finished_at, F.id, after),
        )
        rows = await query.order_by(F.finished_at).order_by(F.id).limit(limit)
        notes: dict[str, dict[str, Any]] = {}
        for chunk in _chunks([r["credit_note_id"] for r in rows]):
            C = CreditNoteTable
            for n in await C.select(C.id, C.number, C.invoice.number.as_alias("invoice_number"),
                                    C.invoice.customer_snapshot.as_alias("snapshot")).where(
                C.id.is_in(chunk)
            ):  # fmt: skip
                notes[n["id"]] = n
        out = []
        for r in rows:
            note = notes.get(r["credit_note_id"], {})
            out.append(RefundRecord(
                id=r["id"], credit_note_number=note.get("number") or "",
                invoice_number=note.get("invoice_number") or "",
                customer_id=r["customer_id"] or "",
                customer_name=str(_snapshot(note.get("snapshot")).get("name", "")),
                currency=r["currency"], amount=r["amount_minor"], status=r["status"],
                refunded_at=_at(r["finished_at"]), reference=r["refund_ref"] or "",
            ))  # fmt: skip
        return out

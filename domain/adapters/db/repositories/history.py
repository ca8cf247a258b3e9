"""Subscription history and the MRR movement ledger on Piccolo: appended, read in the order they
were written (``id``), never updated (the ledger is replaced whole by the rebuild)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.adapters.db.bulk import fetch, insert_rows, update_reporting
from domain.adapters.db.repositories.subscriptions import _coupon_json, _coupon_of
from domain.adapters.db.tables_analytics import MrrMovementTable, SubscriptionHistoryTable
from domain.analytics.ledger import LedgerMovement
from domain.analytics.movements import MovementKind
from domain.analytics.read_model import LedgerQuery
from domain.pricing.proration import ProrationUnit
from domain.pricing.totals import TaxRate
from domain.shared.ids import CustomerId, PlanId, SubscriptionId
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.history import SubscriptionVersion
from domain.subscriptions.model import Subscription

H = SubscriptionHistoryTable
M = MrrMovementTable

_INSTANTS = (
    "anchor", "period_start", "period_end", "created_at", "pending_anchor", "scheduled_from",
    "resume_at", "paused_at", "incomplete_expires_at", "canceled_at",
)  # fmt: skip


def _instant(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _state_json(s: Subscription) -> str:
    data: dict[str, Any] = {
        "id": s.id, "customer_id": s.customer_id, "currency": s.currency,
        "timezone": s.timezone, "proration": s.proration.value, "plan_id": s.plan_id,
        "quantity": s.quantity, "status": s.status.value,
        "cancel_at_period_end": s.cancel_at_period_end,
        "scheduled_plan_id": s.scheduled_plan_id, "scheduled_quantity": s.scheduled_quantity,
        "coupon": _coupon_json(s.coupon), "addons": [[p, n] for p, n in s.addons],
        "version": s.version, "test_clock_id": s.test_clock_id,
    }  # fmt: skip
    for name in _INSTANTS:
        value = getattr(s, name)
        data[name] = value.isoformat() if value is not None else None
    return json.dumps(data, separators=(",", ":"))


def _state_of(text: str) -> Subscription:
    d = json.loads(text)
    at = {name: _instant(d[name]) if d[name] is not None else None for name in _INSTANTS}
    return Subscription(
        id=SubscriptionId(d["id"]), customer_id=CustomerId(d["customer_id"]),
        currency=d["currency"], timezone=d["timezone"],
        proration=ProrationUnit(d["proration"]), plan_id=PlanId(d["plan_id"]),
        quantity=int(d["quantity"]), status=SubscriptionStatus(d["status"]),
        anchor=at["anchor"], period_start=at["period_start"], period_end=at["period_end"],
        created_at=at["created_at"], pending_anchor=at["pending_anchor"],
        cancel_at_period_end=bool(d["cancel_at_period_end"]),
        scheduled_plan_id=PlanId(d["scheduled_plan_id"]) if d["scheduled_plan_id"] else None,
        scheduled_quantity=d["scheduled_quantity"], scheduled_from=at["scheduled_from"],
        resume_at=at["resume_at"], paused_at=at["paused_at"],
        incomplete_expires_at=at["incomplete_expires_at"], coupon=_coupon_of(d["coupon"]),
        addons=tuple((PlanId(p), int(n)) for p, n in d["addons"]),
        canceled_at=at["canceled_at"], version=int(d["version"]),
        test_clock_id=d["test_clock_id"],
    )  # fmt: skip


def _version(row: dict[str, Any]) -> SubscriptionVersion:
    tax = (
        TaxRate(row["tax_code"], Decimal(row["tax_percentage"]), bool(row["tax_inclusive"]))
        if row["tax_percentage"] is not None
        else None
    )
    return SubscriptionVersion(
        _state_of(row["state"]), _instant(row["at"]), tax, row["country"], id=int(row["id"])
    )


_HISTORY_COLUMNS = (
    "id", "at", "state", "country", "tax_code", "tax_percentage", "tax_inclusive",
)  # fmt: skip


def _version_row(version: SubscriptionVersion) -> H:
    sub, tax = version.subscription, version.tax_rate
    return H(
        subscription_id=sub.id, customer_id=sub.customer_id, version=sub.version,
        at=version.at, state=_state_json(sub), country=version.country,
        tax_code=tax.code if tax else None,
        tax_percentage=str(tax.percentage) if tax else None,
        tax_inclusive=bool(tax and tax.inclusive),
    )  # fmt: skip


class PiccoloSubscriptionHistoryRepository:
    async def add(self, version: SubscriptionVersion) -> None:
        await H.insert(_version_row(version))

    async def add_many(self, versions: Sequence[SubscriptionVersion]) -> None:
        rows = [_version_row(v) for v in versions]
        for start in range(0, len(rows), 500):  # in order: the ids keep the writing order
            await H.insert(*rows[start : start + 500])

    async def customers(self, *, after: str | None, limit: int) -> list[str]:
        query = H.select(H.customer_id).distinct().order_by(H.customer_id).limit(limit)
        if after is not None:
            query = query.where(H.customer_id > after)
        return [r["customer_id"] for r in await query]

    async def for_customers(self, customer_ids: list[str]) -> list[SubscriptionVersion]:
        """Plain rows on the transaction's connection when there is one: the ledger rebuild
        reads every version of every customer (over a million rows), where Piccolo's per-row
        dictionaries cost more than the read."""
        if not customer_ids:
            return []
        if H._meta.db.current_transaction.get() is None:  # outside a unit of work
            rows = await H.select().where(H.customer_id.is_in(customer_ids)).order_by(H.id)
            return [_version(r) for r in rows]
        marks = ", ".join("?" for _ in customer_ids)
        plain = await fetch(
            H,
            f"SELECT {', '.join(_HISTORY_COLUMNS)} FROM subscription_history"
            f" WHERE customer_id IN ({marks}) ORDER BY id",
            customer_ids,
        )
        return [_version(dict(zip(_HISTORY_COLUMNS, r, strict=True))) for r in plain]

    async def for_subscription(self, subscription_id: str) -> list[SubscriptionVersion]:
        rows = await H.select().where(H.subscription_id == subscription_id).order_by(H.id)
        return [_version(r) for r in rows]


def _movement(row: dict[str, Any]) -> LedgerMovement:
    return LedgerMovement(
        subscription_id=row["subscription_id"], customer_id=row["customer_id"],
        at=_instant(row["at"]), kind=MovementKind(row["kind"]),
        customer_kind=MovementKind(row["customer_kind"]),
        amount_minor=int(row["amount_minor"]), mrr_minor=int(row["mrr_minor"]),
        currency=row["currency"], plan_code=row["plan_code"], country=row["country"],
        version=int(row["version"]), reporting_currency=row["reporting_currency"],
        reporting_amount_minor=row["reporting_amount_minor"], id=int(row["id"]),
    )  # fmt: skip


def _movement_row(m: LedgerMovement) -> MrrMovementTable:
    return M(
        subscription_id=m.subscription_id, customer_id=m.customer_id, at=m.at,
        kind=m.kind.value, customer_kind=m.customer_kind.value,
        amount_minor=m.amount_minor, mrr_minor=m.mrr_minor, currency=m.currency,
        plan_code=m.plan_code, country=m.country, version=m.version,
        reporting_currency=m.reporting_currency,
        reporting_amount_minor=m.reporting_amount_minor,
    )  # fmt: skip


def _movement_record(m: LedgerMovement) -> tuple[Any, ...]:
    """``m`` as a row of ``_LEDGER_COLUMNS`` without the id (the sequence gives it)."""
    return (
        m.subscription_id, m.customer_id, m.at, m.kind.value, m.customer_kind.value,
        m.amount_minor, m.mrr_minor, m.currency, m.plan_code, m.country, m.version,
        m.reporting_currency, m.reporting_amount_minor,
    )  # fmt: skip


_BULK = 50  # rows from which an append is written in bulk (a live change writes one or two)
_LEDGER_COLUMNS = (
    "id", "subscription_id", "customer_id", "at", "kind", "customer_kind", "amount_minor",
    "mrr_minor", "currency", "plan_code", "country", "version", "reporting_currency",
    "reporting_amount_minor",
)  # fmt: skip


class PiccoloMrrLedgerRepository:
    async def for_customer(self, customer_id: str) -> list[LedgerMovement]:
        rows = await M.select().where(M.customer_id == customer_id).order_by(M.id)
        return [_movement(r) for r in rows]

    async def for_customers(self, customer_ids: list[str]) -> list[LedgerMovement]:
        if not customer_ids:
            return []
        rows = await M.select().where(M.customer_id.is_in(customer_ids)).order_by(M.id)
        return [_movement(r) for r in rows]

    async def for_subscription(self, subscription_id: str) -> list[LedgerMovement]:
        rows = await M.select().where(M.subscription_id == subscription_id).order_by(M.id)
        return [_movement(r) for r in rows]

    async def append(self, rows: list[LedgerMovement]) -> None:
        if len(rows) >= _BULK and M._meta.db.current_transaction.get() is not None:
            # the rebuild's batches: COPY (PostgreSQL) or executemany (SQLite), not Piccolo objects
            await insert_rows(M, _LEDGER_COLUMNS[1:], [_movement_record(m) for m in rows])
            return
        for start in range(0, len(rows), 1000):
            await M.insert(*[_movement_row(m) for m in rows[start : start + 1000]])

    async def all(self) -> list[LedgerMovement]:
        """Plain rows on the transaction's connection: the analytics refresh reads the whole
        ledger (a million rows), where Piccolo's per-row dictionaries cost more than the read."""
        if M._meta.db.current_transaction.get() is None:  # outside a unit of work
            return [_movement(r) for r in await M.select().order_by(M.id)]
        rows = await fetch(M, f"SELECT {', '.join(_LEDGER_COLUMNS)} FROM mrr_movement ORDER BY id",
                           [])  # fmt: skip
        return [_movement(dict(zip(_LEDGER_COLUMNS, r, strict=True))) for r in rows]

    async def clear(self) -> None:
        await M.delete(force=True)

    async def set_reporting(self, reporting: str, amounts: dict[int, int | None]) -> None:
        await update_reporting(M, reporting, sorted(amounts.items()))

    async def between(self, query: LedgerQuery) -> list[LedgerMovement]:
        q = M.select().where(M.at >= query.start, M.at < query.end)
        if query.kind is not None:
            column = M.kind if query.by_subscription_kind else M.customer_kind
            q = q.where(column == query.kind.value)
        if query.plan_code is not None:
            q = q.where(M.plan_code == query.plan_code)
        if query.currency is not None:
            q = q.where(M.currency == query.currency)
        if query.country is not None:
            q = q.where(M.country == query.country)
        rows = await q.order_by(M.at).order_by(M.id).limit(query.limit)
        return [_movement(r) for r in rows]

"""Usage events on Piccolo (``uow.usage``): one event at a time, a batch in one multi-row
statement, and a period's events summed by the database for the engine.

Values are stored as exact decimal text without an exponent (``format(value, "f")``). A batch
is one ``INSERT ... ON CONFLICT (subscription, idempotency_key) DO NOTHING RETURNING``
on the transaction's own connection: PostgreSQL takes the columns as arrays (``unnest``, seven
parameters whatever the batch's size; the ids are the database's ``gen_random_uuid()``), SQLite a
``VALUES`` list. The unique index
``usage_event_subscription_key`` decides duplicates, so two transactions sending one key store
it once (on PostgreSQL the second waits for the first and then skips it). Piccolo's own
``insert(...).on_conflict(...)`` builds a table object per row, which is most of the time a
1,000-event batch takes; the statement here is the same one it would send.

The sums (``totals``) are SQL on PostgreSQL (``SUM``/``MAX`` over ``value::numeric``, exact,
grouped by meter and key; then each meter's last event by the ``(subscription, at)`` index: the
value a ``last`` meter bills, carried by the group that holds it, the other groups carrying
their maximum, which no aggregation reads as a last value);
SQLite has no exact decimal type, so there the rows are read as plain tuples and summed in
Python with ``Decimal`` (SQLite is for development and tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.adapters.db.bulk import fetch
from domain.adapters.db.tables import UsageEventTable
from domain.adapters.db.transactions import is_postgres
from domain.shared.ids import SubscriptionId, new_id
from domain.subscriptions.model import UsageRecord, UsageTotal

_COLUMNS = "id, subscription, meter, value, at, key, idempotency_key"
_PG_INSERT = (  # the ids made by the database (random UUIDs too)
    f"INSERT INTO usage_event ({_COLUMNS}) "
    "SELECT gen_random_uuid()::varchar, * FROM unnest($1::varchar[], $2::varchar[], $3::text[], "
    "$4::timestamptz[], $5::varchar[], $6::varchar[]) "
    "ON CONFLICT (subscription, idempotency_key) DO NOTHING "
    "RETURNING subscription, idempotency_key"
)
_PG_TOTALS = (
    "SELECT meter, key, count(*), sum(value::numeric), max(value::numeric), max(at) "
    "FROM usage_event WHERE subscription = $1 AND at >= $2 AND at < $3 GROUP BY meter, key"
)
_PG_LAST = (  # a meter's last event: the (subscription, at) index read backwards
    "SELECT key, value, at FROM usage_event WHERE subscription = $1 AND at >= $2 AND at < $3 "
    "AND meter = $4 ORDER BY at DESC LIMIT 1"
)


def _connection() -> tuple[Any, bool]:
    engine = UsageEventTable._meta.db
    transaction = engine.current_transaction.get()
    if transaction is None:
        raise RuntimeError("usage batches are written inside a unit of work's transaction")
    return transaction.connection, is_postgres(engine)


def _instant(value: Any) -> datetime:
    """SQLite hands aggregates back as text (``str(datetime)`` in UTC, as Piccolo stores it)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


class PiccoloUsageRepository:
    async def add(self, record: UsageRecord) -> bool:
        if record.idempotency_key is not None:
            seen = await UsageEventTable.exists().where(
                (UsageEventTable.subscription == record.subscription_id)
                & (UsageEventTable.idempotency_key == record.idempotency_key)
            )
            if seen:
                return False
        await UsageEventTable.insert(
            UsageEventTable(
                id=new_id(),
                subscription=record.subscription_id,
                meter=record.meter,
                value=format(record.value, "f"),
                at=record.at,
                key=record.key,
                idempotency_key=record.idempotency_key,
            )
        )
        return True

    async def add_many(self, records: Sequence[UsageRecord]) -> set[tuple[SubscriptionId, str]]:
        if not records:
            return set()
        connection, postgres = _connection()
        if postgres:
            rows = await connection.fetch(
                _PG_INSERT,
                [r.subscription_id for r in records],
                [r.meter for r in records],
                [format(r.value, "f") for r in records],
                [r.at for r in records],
                [r.key for r in records],
                [r.idempotency_key for r in records],
            )
            return {(SubscriptionId(row[0]), row[1]) for row in rows}
        marks = ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(records))
        args: list[Any] = []
        for r in records:
            args += [new_id(), r.subscription_id, r.meter, format(r.value, "f"), r.at, r.key,
                     r.idempotency_key]  # fmt: skip
        cursor = await connection.execute(
            f"INSERT INTO usage_event ({_COLUMNS}) VALUES {marks} "
            "ON CONFLICT (subscription, idempotency_key) DO NOTHING "
            "RETURNING subscription, idempotency_key",
            args,
        )
        try:
            rows = await cursor.fetchall()
        finally:
            await cursor.close()
        pairs = (tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows)
        return {(SubscriptionId(sub), key) for sub, key in pairs}

    async def since(self, subscription_id: SubscriptionId, start: datetime) -> list[UsageRecord]:
        rows = await (
            UsageEventTable.select()
            .where(UsageEventTable.subscription == subscription_id)
            .where(UsageEventTable.at >= start)
            .order_by(UsageEventTable.at)
        )
        return [
            UsageRecord(
                subscription_id=SubscriptionId(r["subscription"]),
                meter=r["meter"],
                value=Decimal(r["value"]),
                at=r["at"],
                key=r["key"],
                idempotency_key=r["idempotency_key"],
            )
            for r in rows
        ]

    async def with_events_since(
        self, subscription_ids: Sequence[SubscriptionId], start: datetime
    ) -> set[SubscriptionId]:
        if not subscription_ids:
            return set()
        rows = await (
            UsageEventTable.select(UsageEventTable.subscription)
            .where(UsageEventTable.subscription.is_in(list(subscription_ids)))
            .where(UsageEventTable.at >= start)
            .distinct()
        )
        return {SubscriptionId(r["subscription"]) for r in rows}

    async def totals(
        self, subscription_id: SubscriptionId, start: datetime, before: datetime
    ) -> list[UsageTotal]:
        connection, postgres = _connection()
        if postgres:
            # a month of events is one scan; JIT compiling it would cost more than it saves
            await connection.execute("SET LOCAL jit = off")
            rows = await connection.fetch(_PG_TOTALS, subscription_id, start, before)
            last = {}
            for meter in {r[0] for r in rows}:
                key, value, at = await connection.fetchrow(
                    _PG_LAST, subscription_id, start, before, meter
                )
                last[meter] = (key, Decimal(value), at)
            totals = []
            for meter, key, n, total, peak, last_at in rows:
                last_key, last_value, at = last[meter]
                mine = key == last_key and last_at == at
                totals.append(UsageTotal(meter, key, n, total, peak, _instant(last_at),
                                         last_value if mine else peak))  # fmt: skip
            # the meter's last event last among its groups of one instant (the engine's sort
            # is stable): LAST reads only that one's value
            return sorted(totals, key=lambda t: (t.last_at, last[t.meter][0] == t.key))
        plain = await fetch(
            UsageEventTable,
            "SELECT meter, key, value, at FROM usage_event "
            "WHERE subscription = ? AND at >= ? AND at < ? ORDER BY at, id",
            (subscription_id, start, before),
        )
        groups: dict[tuple[str, str | None], list[Any]] = {}
        for row, (meter, key, text, at) in enumerate(plain):
            value = Decimal(text)
            group = groups.get((meter, key))
            if group is None:
                groups[(meter, key)] = [1, value, value, at, value, row]
            else:
                group[0] += 1
                group[1] += value
                group[2] = max(group[2], value)
                group[3], group[4], group[5] = at, value, row
        ordered = sorted(groups.items(), key=lambda item: item[1][5])  # by their last event
        return [
            UsageTotal(meter, key, n, total, peak, _instant(last_at), last)
            for (meter, key), (n, total, peak, last_at, last, _) in ordered
        ]

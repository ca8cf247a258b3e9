"""The analytics read model on Piccolo (``uow.analytics_read_model``): the daily aggregates,
replaced whole by each refresh, and the refresh's state (one row)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from piccolo.query.functions.aggregate import Sum

from domain.adapters.db.bulk import fetch, insert_rows, lock_for_replace
from domain.adapters.db.repositories.analytics_version import bump_analytics_version
from domain.adapters.db.tables_analytics import AnalyticsRefreshTable, MrrDailyAggregateTable
from domain.adapters.db.transactions import is_postgres
from domain.analytics.aggregate import DayAggregate, Dims, MissingRate
from domain.analytics.metrics import Bucket, Totals
from domain.analytics.read_model import Dimensions, RefreshState

A = MrrDailyAggregateTable
R = AnalyticsRefreshTable
STATE_ID = "mrr"
_SUMS = ("new", "expansion", "contraction", "churn", "reactivation", "customers",
         "subscribers", "new_customers", "churned_customers", "reactivated_customers",
         "movements")  # fmt: skip


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _instant(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _aggregate(row: dict[str, Any]) -> DayAggregate:
    return DayAggregate(
        _day(row["day"]), row["plan_code"], row["currency"], row["country"],
        **{k: int(row[k]) for k in _SUMS},
    )  # fmt: skip


def _slice(key: Dims) -> tuple[Any, ...]:
    return (A.plan_code == key[0], A.currency == key[1], A.country == key[2])


class PiccoloAnalyticsReadModelRepository:
    async def replace(self, days: list[DayAggregate], state: RefreshState) -> None:
        await lock_for_replace(A)
        await A.delete(force=True)
        await insert_rows(A, ("day", "plan_code", "currency", "country", *_SUMS), [
            (d.day, d.plan_code, d.currency, d.country, *(getattr(d, k) for k in _SUMS))
            for d in days
        ])  # fmt: skip
        missing = json.dumps([
            {"currency": m.currency, "first_day": m.first_day.isoformat(), "movements": m.movements}
            for m in state.missing
        ])  # fmt: skip
        dims = state.dimensions
        dimensions = json.dumps({"plans": dims.plans, "currencies": dims.currencies,
                                 "countries": dims.countries})  # fmt: skip
        values = {
            R.refreshed_at: state.refreshed_at, R.reporting_currency: state.reporting_currency,
            R.movements: state.movements, R.missing: missing, R.dimensions: dimensions,
        }  # fmt: skip
        if await R.exists().where(R.id == STATE_ID):
            await R.update(values).where(R.id == STATE_ID)
        else:
            await R.insert(R(
                id=STATE_ID, refreshed_at=state.refreshed_at,
                reporting_currency=state.reporting_currency, movements=state.movements,
                missing=missing, dimensions=dimensions,
            ))  # fmt: skip
        await bump_analytics_version()  # the pages' caches build anew after the commit

    async def state(self) -> RefreshState | None:
        row = await R.select().where(R.id == STATE_ID).first()
        if row is None:
            return None
        missing = [
            MissingRate(m["currency"], date.fromisoformat(m["first_day"]), int(m["movements"]))
            for m in json.loads(row["missing"] or "[]")
        ]
        dims = json.loads(row["dimensions"] or "{}")
        dimensions = Dimensions(dims.get("plans", []), dims.get("currencies", []),
                                dims.get("countries", []))  # fmt: skip
        return RefreshState(_instant(row["refreshed_at"]), row["reporting_currency"],
                            int(row["movements"]), missing, dimensions)  # fmt: skip

    async def totals_before(self, key: Dims, day: date) -> Totals:
        row = await A.select(
            Sum(A.new, alias="new"), Sum(A.expansion, alias="expansion"),
            Sum(A.contraction, alias="contraction"), Sum(A.churn, alias="churn"),
            Sum(A.reactivation, alias="reactivation"), Sum(A.customers, alias="customers"),
            Sum(A.subscribers, alias="subscribers"),
        ).where(A.day < day, *_slice(key)).first()  # fmt: skip
        row = row or {}

        def get(name: str) -> int:
            return int(row.get(name) or 0)

        mrr = sum(get(k) for k in ("new", "expansion", "contraction", "churn", "reactivation"))
        return Totals(mrr, get("customers"), get("subscribers"))

    async def bucket_sums(
        self, key: Dims, start: date, end: date, size: Bucket
    ) -> list[DayAggregate]:
        """Summed in the database per calendar month or ISO week (Monday), each dated on its
        first day in the range."""
        postgres = is_postgres(A._meta.db)
        if postgres:
            bucket = f"date_trunc('{size.value}', day)::date"
        elif size is Bucket.MONTH:
            bucket = "date(day, 'start of month')"
        else:  # the Monday on or before the day
            bucket = "date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')"
        sums = ", ".join(f"SUM({k})" for k in _SUMS)
        rows = await fetch(A, f"SELECT {bucket} AS bucket, {sums} FROM mrr_daily_aggregate "
                              "WHERE plan_code = ? AND currency = ? AND country = ? "
                              "AND day >= ? AND day <= ? GROUP BY 1 ORDER BY 1",
                           [*key, start, end])  # fmt: skip
        return [DayAggregate(max(_day(r[0]), start), *key, *(int(v or 0) for v in r[1:]))
                for r in rows]  # fmt: skip

    async def days(self, key: Dims, start: date, end: date) -> list[DayAggregate]:
        rows = await fetch(A, f"SELECT day, {', '.join(_SUMS)} FROM mrr_daily_aggregate "
                              "WHERE plan_code = ? AND currency = ? AND country = ? "
                              "AND day >= ? AND day <= ? ORDER BY day",
                           [*key, start, end])  # fmt: skip
        return [DayAggregate(_day(r[0]), *key, *(int(v) for v in r[1:])) for r in rows]

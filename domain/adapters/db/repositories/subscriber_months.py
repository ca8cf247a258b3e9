"""The subscriber metrics' read model on Piccolo (``uow.subscriber_months``): one row per segment
and month, replaced whole by the refresh job (written in batches of JSON rows, one statement
each: SQLite's ``json_each``, PostgreSQL's ``json_to_recordset``, as the cohort rows), read by
segment and month range by the page (an index lookup of at most one row per month)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from domain.adapters.db.bulk import lock_for_replace
from domain.adapters.db.repositories.analytics_version import bump_analytics_version
from domain.adapters.db.tables_analytics import SubscriberMonthTable, SubscriberRefreshTable
from domain.analytics_reports.ports import FilterChoices
from domain.analytics_reports.subscriber_metrics import MonthMetrics
from domain.analytics_reports.subscriber_read_model import SubscriberMonth, SubscriberRefresh
from domain.subscriptions.model import CancellationReason

M = SubscriberMonthTable
R = SubscriberRefreshTable
NAME = "subscribers"
BATCH = 5000
COUNTS = ("trials_ended", "trials_converted", "dunning_closed", "dunning_recovered", "refunds")
FIELDS = ("segment", "month", *COUNTS, "recovered_minor", "refunded_minor", "reasons",
          "missing")  # fmt: skip
_TYPES = {"segment": "text", "month": "date", "recovered_minor": "bigint",
          "refunded_minor": "bigint", "reasons": "text", "missing": "text"}  # fmt: skip
_PG = (
    f"INSERT INTO subscriber_month ({', '.join(FIELDS)}) SELECT {', '.join(FIELDS)} FROM "
    "json_to_recordset({}::json) AS x("
    + ", ".join(f"{f} {_TYPES.get(f, 'integer')}" for f in FIELDS)
    + ")"
)
_SQLITE = (
    f"INSERT INTO subscriber_month ({', '.join(FIELDS)}) SELECT "
    + ", ".join(f"json_extract(value, '$.{f}')" for f in FIELDS)
    + " FROM json_each({})"
)


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _instant(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _row(m: SubscriberMonth) -> dict[str, Any]:
    x = m.metrics
    return {
        "segment": m.segment, "month": x.month.isoformat(),
        **{f: getattr(x, f) for f in COUNTS},
        "recovered_minor": x.recovered_minor, "refunded_minor": x.refunded_minor,
        "reasons": json.dumps({r.value: n for r, n in x.reasons.items()}, sort_keys=True),
        "missing": json.dumps(sorted([c, d.isoformat()] for c, d in m.missing)),
    }  # fmt: skip


def _month(r: dict[str, Any]) -> SubscriberMonth:
    reasons = {CancellationReason(k): int(n) for k, n in json.loads(r["reasons"]).items()}
    metrics = MonthMetrics(
        _day(r["month"]), **{f: int(r[f]) for f in COUNTS},
        recovered_minor=None if r["recovered_minor"] is None else int(r["recovered_minor"]),
        refunded_minor=None if r["refunded_minor"] is None else int(r["refunded_minor"]),
        reasons=reasons,
    )  # fmt: skip
    missing = frozenset((c, date.fromisoformat(d)) for c, d in json.loads(r["missing"]))
    return SubscriberMonth(r["segment"], metrics, missing)


class PiccoloSubscriberMonths:
    def __init__(self, *, postgres: bool) -> None:
        self._insert = _PG if postgres else _SQLITE

    async def replace(self, months: list[SubscriberMonth], refresh: SubscriberRefresh) -> None:
        await lock_for_replace(M)  # two refreshes at once would double the rows
        await M.delete(force=True)
        rows = [_row(m) for m in months]
        for start in range(0, len(rows), BATCH):
            await M.raw(self._insert, json.dumps(rows[start : start + BATCH]))
        await R.delete().where(R.name == NAME)
        c = refresh.choices
        choices = {"plans": c.plans, "currencies": c.currencies, "countries": c.countries}
        await R.insert(R(name=NAME, refreshed_at=refresh.refreshed_at,
                         reporting_currency=refresh.reporting_currency,
                         choices=json.dumps(choices)))  # fmt: skip
        await bump_analytics_version()  # the pages' caches build anew after the commit

    async def refresh(self) -> SubscriberRefresh | None:
        row = await R.select().where(R.name == NAME).first()
        if row is None:
            return None
        c = json.loads(row["choices"] or "{}")
        choices = FilterChoices(list(c.get("plans", [])), list(c.get("currencies", [])),
                                list(c.get("countries", [])))  # fmt: skip
        return SubscriberRefresh(_instant(row["refreshed_at"]), row["reporting_currency"], choices)

    async def months(self, segment: str, start: date, end: date) -> list[SubscriberMonth]:
        rows = await M.select(*[getattr(M, f) for f in FIELDS]).where(
            (M.segment == segment) & (M.month >= start) & (M.month <= end)
        )
        return sorted((_month(r) for r in rows), key=lambda m: m.month)

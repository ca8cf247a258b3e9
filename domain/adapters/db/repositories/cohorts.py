"""The materialised cohort cells on Piccolo (``uow.cohorts``): one row per segment and cohort with
its cells as JSON (``[[month since, retained, mrr or null], ...]``), replaced whole by the refresh job (written in batches of JSON
rows, one statement each: SQLite's ``json_each``, PostgreSQL's ``json_to_recordset``), read by
segment and cohort range by the cohort page (an index lookup of one row per cohort)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from domain.adapters.db.bulk import lock_for_replace
from domain.adapters.db.repositories.analytics_version import bump_analytics_version
from domain.adapters.db.tables_analytics import CohortRefreshTable, CohortRowTable
from domain.analytics.cohort_filters import CohortFilters, CohortRefresh
from domain.analytics.cohorts import ANY, CohortCell

C = CohortRowTable
R = CohortRefreshTable
NAME = "cohorts"
BATCH = 5000
FIELDS = ("segment", "cohort", "plan_code", "currency", "country", "customers", "cells")
_PG = (
    f"INSERT INTO cohort_row ({', '.join(FIELDS)}) SELECT {', '.join(FIELDS)} FROM "
    "json_to_recordset({}::json) AS x(segment text, cohort date, plan_code text, "
    "currency text, country text, customers integer, cells text)"
)
_SQLITE = (
    f"INSERT INTO cohort_row ({', '.join(FIELDS)}) SELECT "
    + ", ".join(f"json_extract(value, '$.{f}')" for f in FIELDS)
    + " FROM json_each({})"
)


def segment(plan_code: str, currency: str, country: str) -> str:
    return f"{plan_code}|{currency}|{country}"


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _instant(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class PiccoloCohortStore:
    def __init__(self, *, postgres: bool) -> None:
        self._insert = _PG if postgres else _SQLITE

    async def replace(self, cells: list[CohortCell], refresh: CohortRefresh) -> None:
        await lock_for_replace(C)  # two refreshes at once would double the rows
        await C.delete(force=True)
        grouped: dict[tuple[str, date], dict[str, Any]] = {}
        for c in sorted(cells, key=lambda c: c.age):
            key = (segment(c.plan_code, c.currency, c.country), c.cohort)
            row = grouped.setdefault(key, {
                "segment": key[0], "cohort": c.cohort.isoformat(), "plan_code": c.plan_code,
                "currency": c.currency, "country": c.country, "customers": c.customers,
                "cells": [],
            })  # fmt: skip
            row["cells"].append([c.age, c.retained, c.mrr_minor])
        rows = [{**r, "cells": json.dumps(r["cells"], separators=(",", ":"))}
                for r in grouped.values()]  # fmt: skip
        for start in range(0, len(rows), BATCH):
            await C.raw(self._insert, json.dumps(rows[start : start + BATCH]))
        await R.delete().where(R.name == NAME)
        choices = {"plans": refresh.plans, "currencies": refresh.currencies,
                   "countries": refresh.countries}  # fmt: skip
        await R.insert(
            R(name=NAME, refreshed_at=refresh.refreshed_at, customers=refresh.customers,
              missing_rates=refresh.missing_rates,
              reporting_currency=refresh.reporting_currency, choices=json.dumps(choices))
        )  # fmt: skip
        await bump_analytics_version()  # the pages' caches build anew after the commit

    async def refresh(self) -> CohortRefresh | None:
        row = await R.select().where(R.name == NAME).first()
        if row is None:
            return None
        choices = json.loads(row["choices"] or "{}")
        return CohortRefresh(
            _instant(row["refreshed_at"]), int(row["customers"]), row["missing_rates"],
            row["reporting_currency"], tuple(choices.get("plans", ())),
            tuple(choices.get("currencies", ())), tuple(choices.get("countries", ())),
        )  # fmt: skip

    async def cells(self, filters: CohortFilters) -> list[CohortCell]:
        wanted = segment(filters.plan_code or ANY, filters.currency or ANY, filters.country or ANY)
        query = C.select(C.cohort, C.plan_code, C.currency, C.country, C.customers,
                         C.cells).where(C.segment == wanted)  # fmt: skip
        if filters.start:
            query = query.where(C.cohort >= filters.start)
        if filters.end:
            query = query.where(C.cohort <= filters.end)
        out: list[CohortCell] = []
        for r in await query:
            cohort, customers = _day(r["cohort"]), int(r["customers"])
            plan, currency, country = r["plan_code"], r["currency"], r["country"]
            out += [CohortCell(cohort, age, plan, currency, country, customers, kept, mrr)
                    for age, kept, mrr in json.loads(r["cells"])]  # fmt: skip
        return out

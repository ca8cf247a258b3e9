"""The materialised cohort cells on Piccolo (``uow.cohorts``): replaced whole by the refresh job,
read filtered by the cohort page (an indexed range of a small table)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain.adapters.db.tables_analytics import CohortCellTable, CohortRefreshTable
from domain.analytics.cohort_filters import CohortFilters, CohortRefresh
from domain.analytics.cohorts import ANY, CohortCell

C = CohortCellTable
R = CohortRefreshTable
NAME = "cohorts"


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
    async def replace(self, cells: list[CohortCell], refresh: CohortRefresh) -> None:
        await C.delete(force=True)
        rows = [
            C(segment=segment(c.plan_code, c.currency, c.country), cohort=c.cohort, age=c.age, plan_code=c.plan_code, currency=c.currency,
              country=c.country, customers=c.customers, retained=c.retained,
              mrr_minor=c.mrr_minor)
            for c in cells
        ]  # fmt: skip
        for start in range(0, len(rows), 1000):
            await C.insert(*rows[start : start + 1000])
        await R.delete().where(R.name == NAME)
        await R.insert(
            R(name=NAME, refreshed_at=refresh.refreshed_at, customers=refresh.customers,
              missing_rates=refresh.missing_rates,
              reporting_currency=refresh.reporting_currency)
        )  # fmt: skip

    async def refresh(self) -> CohortRefresh | None:
        row = await R.select().where(R.name == NAME).first()
        if row is None:
            return None
        return CohortRefresh(_instant(row["refreshed_at"]), int(row["customers"]),
                             row["missing_rates"], row["reporting_currency"])  # fmt: skip

    async def cells(self, filters: CohortFilters) -> list[CohortCell]:
        wanted = segment(filters.plan_code or ANY, filters.currency or ANY, filters.country or ANY)
        query = C.select().where(C.segment == wanted)
        if filters.start:
            query = query.where(C.cohort >= filters.start)
        if filters.end:
            query = query.where(C.cohort <= filters.end)
        return [
            CohortCell(_day(r["cohort"]), int(r["age"]), r["plan_code"], r["currency"],
                       r["country"], int(r["customers"]), int(r["retained"]),
                       None if r["mrr_minor"] is None else int(r["mrr_minor"]))
            for r in await query
        ]  # fmt: skip

    async def options(self) -> tuple[list[str], list[str], list[str]]:
        plans = await C.select(C.plan_code).distinct()
        currencies = await C.select(C.currency).distinct()
        countries = await C.select(C.country).distinct()
        return (
            sorted({r["plan_code"] for r in plans} - {ANY}),
            sorted({r["currency"] for r in currencies} - {ANY}),
            sorted({r["country"] for r in countries} - {ANY, ""}),
        )

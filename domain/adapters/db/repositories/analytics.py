"""Exchange rates on Piccolo (``uow.exchange_rates``): append and read, never update."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from domain.adapters.db.tables import PlanPriceTable
from domain.adapters.db.tables_analytics import ExchangeRateTable
from domain.analytics.exchange_rates import ExchangeRate, format_rate

T = ExchangeRateTable


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _instant(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rate(row: dict[str, Any]) -> ExchangeRate:
    return ExchangeRate(
        id=row["id"], currency=row["currency"], reporting=row["reporting"],
        rate=Decimal(row["rate"]), effective_on=_day(row["effective_on"]),
        entered_by=row["entered_by"], entered_at=_instant(row["entered_at"]),
    )  # fmt: skip


class PiccoloExchangeRateRepository:
    async def all(self) -> list[ExchangeRate]:
        rows = await T.select().order_by(T.effective_on).order_by(T.entered_at)
        return [_rate(r) for r in rows]

    async def add(self, rate: ExchangeRate) -> None:
        await T.insert(
            T(
                id=rate.id, currency=rate.currency, reporting=rate.reporting,
                rate=format_rate(rate.rate), effective_on=rate.effective_on,
                entered_by=rate.entered_by, entered_at=rate.entered_at,
            )
        )  # fmt: skip

    async def price_currencies(self) -> list[str]:
        rows = await PlanPriceTable.select(PlanPriceTable.currency).distinct()
        return sorted({r["currency"] for r in rows})

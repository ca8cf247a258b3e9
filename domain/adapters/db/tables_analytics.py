"""Piccolo tables of analytics (listed in ``tables.py``'s ``ALL_TABLES``): the exchange rates
staff enter (domain/analytics/exchange_rates.py). Append-only: a correction is a new row."""

from __future__ import annotations

from piccolo.columns import Date, Timestamptz, Varchar
from piccolo.table import Table


class ExchangeRateTable(Table, tablename="exchange_rate"):
    """One unit of ``currency`` is worth ``rate`` units of ``reporting`` from ``effective_on``;
    of several rows for one currency and date, the latest ``entered_at`` wins."""

    id = Varchar(length=36, primary_key=True)
    currency = Varchar(length=3, index=True)
    reporting = Varchar(length=3)
    rate = Varchar(length=32)  # exact decimal string, never a float
    effective_on = Date()
    entered_by = Varchar(length=254)
    entered_at = Timestamptz()


ANALYTICS_TABLES: tuple[type[Table], ...] = (ExchangeRateTable,)

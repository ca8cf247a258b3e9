"""Piccolo tables of analytics (listed in ``tables.py``'s ``ALL_TABLES``): the exchange rates
staff enter (domain/analytics/exchange_rates.py; append-only: a correction is a new row), the
subscriptions' stored history and the MRR movement ledger (domain/analytics/ledger.py)."""

from __future__ import annotations

from piccolo.columns import BigInt, BigSerial, Boolean, Date, Integer, Text, Timestamptz, Varchar
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


class SubscriptionHistoryTable(Table, tablename="subscription_history"):
    """A subscription's state after each saved change (append-only; ``id`` is the order the
    changes were written in): what the MRR ledger is rebuilt from. ``state`` is JSON of what
    MRR reads (plan, quantity, status, periods, schedule, pause, coupon, add-ons); ``tax_*``
    the rate the engine had in that transaction."""

    id = BigSerial(primary_key=True)
    subscription_id = Varchar(length=36, index=True)
    customer_id = Varchar(length=36, index=True)
    version = Integer()
    at = Timestamptz()
    state = Text()
    country = Varchar(length=2, null=True, default=None)
    tax_code = Varchar(length=64, null=True, default=None)
    tax_percentage = Varchar(length=32, null=True, default=None)
    tax_inclusive = Boolean(default=False)


class MrrMovementTable(Table, tablename="mrr_movement"):
    """The MRR movement ledger (append-only; rebuilt whole by ``analytics rebuild``)."""

    id = BigSerial(primary_key=True)
    subscription_id = Varchar(length=36, index=True)
    customer_id = Varchar(length=36, index=True)
    at = Timestamptz(index=True)
    kind = Varchar(length=12)
    customer_kind = Varchar(length=12)
    amount_minor = BigInt()
    mrr_minor = BigInt()
    currency = Varchar(length=3)
    plan_code = Varchar(length=64)
    country = Varchar(length=2, null=True, default=None)
    version = Integer()
    reporting_currency = Varchar(length=3, null=True, default=None)
    reporting_amount_minor = BigInt(null=True, default=None)


class CohortRowTable(Table, tablename="cohort_row"):
    """The cohort retention cells (domain/analytics/cohorts.py), replaced whole by the job
    ``analytics.refresh_cohorts``: one row per segment and cohort month, the segment being the
    first plan, currency and country ("*" for every one: "team|*|DE"), its cells as JSON
    (``[[month since, retained, mrr_minor or null], ...]``), so a page reads one row per cohort."""

    segment = Varchar(length=80, index=True)
    cohort = Date()
    plan_code = Varchar(length=64)
    currency = Varchar(length=3)
    country = Varchar(length=2, default="")
    customers = Integer()
    cells = Text()


class CohortRefreshTable(Table, tablename="cohort_refresh"):
    """The last cohort refresh (one row, ``name`` = ``cohorts``)."""

    name = Varchar(length=20, primary_key=True)
    refreshed_at = Timestamptz()
    customers = Integer()
    missing_rates = Text(default="")
    reporting_currency = Varchar(length=3)
    choices = Text(default="{}")  # JSON: the plans, currencies and countries filters offer


class AnalyticsEmailOptInTable(Table, tablename="analytics_email_opt_in"):
    """Staff who asked for the monthly analytics summary e-mail (a row while on)."""

    staff_id = Varchar(length=36, primary_key=True)
    since = Timestamptz()


class MrrDailyAggregateTable(Table, tablename="mrr_daily_aggregate"):
    """The analytics read model (domain/analytics/aggregate.py): one row per day and slice
    (plan, currency, country, each a value or ``*``), amounts in the reporting currency;
    replaced whole by the ``analytics.refresh`` job."""

    id = BigSerial(primary_key=True)
    day = Date(index=True)
    plan_code = Varchar(length=64)
    currency = Varchar(length=3)
    country = Varchar(length=2)
    new = BigInt(default=0)
    expansion = BigInt(default=0)
    contraction = BigInt(default=0)
    churn = BigInt(default=0)
    reactivation = BigInt(default=0)
    customers = Integer(default=0)
    subscribers = Integer(default=0)
    new_customers = Integer(default=0)
    churned_customers = Integer(default=0)
    reactivated_customers = Integer(default=0)
    movements = Integer(default=0)


class AnalyticsRefreshTable(Table, tablename="analytics_refresh"):
    """When the read model was last refreshed, into which reporting currency, the currencies
    left out for want of a rate and the filter values it holds (JSON)."""

    id = Varchar(length=16, primary_key=True)  # always "mrr"
    refreshed_at = Timestamptz()
    reporting_currency = Varchar(length=3)
    movements = BigInt(default=0)
    missing = Text(default="[]")
    dimensions = Text(default="{}")  # the filter values: {"plans": [...], ...}


class SubscriberMonthTable(Table, tablename="subscriber_month"):
    """The subscriber metrics' read model (domain/analytics_reports/subscriber_read_model.py),
    replaced whole by the job ``analytics.refresh_subscribers``: one row per segment (plan,
    currency, country, each a value or "*": "team|*|DE") and UTC month with an event; amounts in
    the reporting currency (null: a rate was missing, the days in ``missing``); ``reasons``
    JSON ``{"reason": count}``, ``missing`` JSON ``[["EUR", "2026-01-03"], ...]``."""

    segment = Varchar(length=80, index=True)
    month = Date()
    trials_ended = Integer(default=0)
    trials_converted = Integer(default=0)
    dunning_closed = Integer(default=0)
    dunning_recovered = Integer(default=0)
    recovered_minor = BigInt(null=True, default=None)
    refunds = Integer(default=0)
    refunded_minor = BigInt(null=True, default=None)
    reasons = Text(default="{}")
    missing = Text(default="[]")


class SubscriberRefreshTable(Table, tablename="subscriber_refresh"):
    """The last subscriber metrics refresh (one row, ``name`` = ``subscribers``)."""

    name = Varchar(length=20, primary_key=True)
    refreshed_at = Timestamptz()
    reporting_currency = Varchar(length=3)
    choices = Text(default="{}")  # JSON: the plans, currencies and countries filters offer


class AnalyticsVersionTable(Table, tablename="analytics_version"):
    """The analytics read models' version: one row (``id`` 1), raised in the transaction of every
    replace of a read model (the dashboard's, the cohorts', the subscriber metrics'; see
    ``repositories/analytics_version.py``); each process's cache of the analytics pages serves a
    built page only at the version it was built at (``web/admin/analytics_cache.py``). No row
    reads as 0."""

    id = Integer(primary_key=True)
    version = BigInt(default=0)


ANALYTICS_TABLES: tuple[type[Table], ...] = (
    ExchangeRateTable,
    SubscriptionHistoryTable,
    MrrMovementTable,
    CohortRowTable,
    CohortRefreshTable,
    AnalyticsEmailOptInTable,
    MrrDailyAggregateTable,
    AnalyticsRefreshTable,
    SubscriberMonthTable,
    SubscriberRefreshTable,
    AnalyticsVersionTable,
)

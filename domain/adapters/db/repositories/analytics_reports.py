"""The subscriber metrics' reads on Piccolo (``uow.subscriber_metrics``): trial histories,
closed dunning cases with their invoice's amount, succeeded refunds and cancellation reasons
over a time range, narrowed in SQL to a plan, a currency and a country (``SubscriberFilters``).
Months are bucketed in Python (timestamps differ between SQLite and
PostgreSQL); each read is one query shape."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain.adapters.db.repositories.history import H, _version
from domain.adapters.db.tables import (
    CancellationFeedbackTable,
    CustomerTable,
    DunningCaseTable,
    InvoiceTable,
    PlanTable,
    RefundTable,
    SubscriptionTable,
)
from domain.adapters.db.tables_analytics import AnalyticsEmailOptInTable
from domain.analytics_reports.ports import (
    ClosedDunningCase,
    FilterChoices,
    ReasonMonth,
    RefundRow,
    SubscriberFilters,
)
from domain.payments.dunning import DunningStatus
from domain.subscriptions.history import SubscriptionVersion
from domain.subscriptions.model import CancellationReason

TRIALING_STATE = '%"status":"trialing"%'  # the stored state's JSON (history.py, _state_json)


def _instant(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _subscriptions(filters: SubscriberFilters, *, plan: bool, currency: bool) -> Any:
    """A subquery of the ids of the subscriptions on ``filters.plan_code`` (when ``plan``) and
    in ``filters.currency`` (when ``currency``), or None when nothing narrows them."""
    s = SubscriptionTable
    where = []
    if plan and filters.plan_code is not None:
        where.append(s.plan.code == filters.plan_code)
    if currency and filters.currency is not None:
        where.append(s.currency == filters.currency)
    return s.select(s.id).where(*where) if where else None


def _customers(filters: SubscriberFilters) -> Any:
    c = CustomerTable
    return c.select(c.id).where(c.country == filters.country)


class PiccoloSubscriberMetricsReads:
    async def trial_versions(
        self, *, since: datetime, filters: SubscriberFilters
    ) -> list[SubscriptionVersion]:
        recent = H.select(H.subscription_id).where(H.at >= since)
        where = H.state.like(TRIALING_STATE) & H.subscription_id.is_in(recent)
        if filters.country is not None:
            where &= H.country == filters.country
        # the trial's plan may not be the subscription's now: trial_ends checks it
        if (subs := _subscriptions(filters, plan=False, currency=True)) is not None:
            where &= H.subscription_id.is_in(subs)
        ids = await H.select(H.subscription_id).where(where).distinct()
        wanted = [r["subscription_id"] for r in ids]
        out: list[SubscriptionVersion] = []
        for start in range(0, len(wanted), 500):
            rows = await H.select().where(H.subscription_id.is_in(wanted[start : start + 500]))
            out += [_version(r) for r in rows]
        return sorted(out, key=lambda v: v.id or 0)

    async def closed_dunning_cases(
        self, *, since: datetime, until: datetime, filters: SubscriberFilters
    ) -> list[ClosedDunningCase]:
        d = DunningCaseTable
        where = (d.closed_at >= since) & (d.closed_at < until) & d.test_clock_id.is_null()
        if filters.currency is not None:
            where &= d.invoice.currency == filters.currency
        if (subs := _subscriptions(filters, plan=True, currency=False)) is not None:
            where &= d.invoice.subscription_id.is_in(subs)
        if filters.country is not None:
            where &= d.customer_id.is_in(_customers(filters))
        rows = await d.select(
            d.closed_at, d.status, d.invoice.amount_due_minor, d.invoice.currency
        ).where(where)
        return [
            ClosedDunningCase(_instant(r["closed_at"]), r["status"] == DunningStatus.RECOVERED,
                              int(r["invoice.amount_due_minor"]), r["invoice.currency"])
            for r in rows
        ]  # fmt: skip

    async def refunds(
        self, *, since: datetime, until: datetime, filters: SubscriberFilters
    ) -> list[RefundRow]:
        t, i = RefundTable, InvoiceTable
        where = (t.status == "succeeded") & (t.finished_at >= since) & (t.finished_at < until)
        if filters.currency is not None:
            where &= t.currency == filters.currency
        if (subs := _subscriptions(filters, plan=True, currency=False)) is not None:
            where &= t.invoice_id.is_in(i.select(i.id).where(i.subscription_id.is_in(subs)))
        if filters.country is not None:  # the refund's customer, else its invoice's
            where &= t.customer_id.is_in(_customers(filters)) | (
                t.customer_id.is_null()
                & t.invoice_id.is_in(i.select(i.id).where(i.customer_id.is_in(_customers(filters))))
            )  # fmt: skip
        rows = await t.select(t.finished_at, t.amount_minor, t.currency).where(where)
        return [RefundRow(_instant(r["finished_at"]), int(r["amount_minor"]), r["currency"])
                for r in rows]  # fmt: skip

    async def reasons(
        self, *, since: datetime, until: datetime, filters: SubscriberFilters
    ) -> list[ReasonMonth]:
        t = CancellationFeedbackTable
        where = (t.created_at >= since) & (t.created_at < until)
        if filters.plan_code is not None:
            where &= t.subscription.plan.code == filters.plan_code
        if filters.currency is not None:
            where &= t.subscription.currency == filters.currency
        if filters.country is not None:
            where &= t.customer.country == filters.country
        rows = await t.select(t.reason, t.created_at).where(where)
        counts: dict[tuple[date, CancellationReason], int] = {}
        for r in rows:
            try:
                reason = CancellationReason(r["reason"])
            except ValueError:
                reason = CancellationReason.OTHER
            month = _instant(r["created_at"]).astimezone(UTC).date().replace(day=1)
            counts[(month, reason)] = counts.get((month, reason), 0) + 1
        return [ReasonMonth(m, reason, n) for (m, reason), n in sorted(counts.items())]

    async def plan_codes(self) -> dict[str, str]:
        return {r["id"]: r["code"] for r in await PlanTable.select(PlanTable.id, PlanTable.code)}

    async def choices(self) -> FilterChoices:
        p, s, c = PlanTable, SubscriptionTable, CustomerTable
        plans = await p.select(p.code).distinct()
        currencies = await s.select(s.currency).distinct()
        countries = await c.select(c.country).where(c.country != "").distinct()
        return FilterChoices(sorted(r["code"] for r in plans),
                             sorted(r["currency"] for r in currencies),
                             sorted(r["country"] for r in countries))  # fmt: skip


class PiccoloSummaryOptIns:
    async def is_on(self, staff_id: str) -> bool:
        t = AnalyticsEmailOptInTable
        return await t.exists().where(t.staff_id == staff_id)

    async def set(self, staff_id: str, *, on: bool, at: datetime) -> None:
        t = AnalyticsEmailOptInTable
        await t.delete().where(t.staff_id == staff_id)
        if on:
            await t.insert(t(staff_id=staff_id, since=at))

    async def staff_ids(self) -> list[str]:
        t = AnalyticsEmailOptInTable
        return sorted(r["staff_id"] for r in await t.select(t.staff_id))

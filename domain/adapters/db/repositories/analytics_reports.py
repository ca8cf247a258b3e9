"""The subscriber metrics' reads on Piccolo (``uow.subscriber_metrics``): trial histories,
closed dunning cases with their invoice's amount, succeeded refunds and cancellation reasons
over a time range, narrowed in SQL to a plan, a currency and a country (``SubscriberFilters``).
Months are bucketed in Python (timestamps differ between SQLite and
PostgreSQL); each read is one query shape. The ``all_*`` reads and ``versions_of`` are the
refresh's: every row, with its plan code and country looked up (in batches of the ids the rows
name) as the filtered reads join them."""

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

BATCH = 500
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


async def _in_batches(ids: set[str], read: Any) -> dict[str, Any]:
    """``read(batch)`` (rows of key, value) over ``ids`` 500 at a time, as one dict."""
    wanted, out = sorted(i for i in ids if i), {}
    for start in range(0, len(wanted), BATCH):
        out.update(await read(wanted[start : start + BATCH]))
    return out


async def _plans_of(subscription_ids: set[str]) -> dict[str, str]:
    s = SubscriptionTable

    async def read(batch: list[str]) -> dict[str, str]:
        rows = await s.select(s.id, s.plan.code).where(s.id.is_in(batch))
        return {r["id"]: r["plan.code"] for r in rows}

    return await _in_batches(subscription_ids, read)


async def _countries_of(customer_ids: set[str]) -> dict[str, str]:
    c = CustomerTable

    async def read(batch: list[str]) -> dict[str, str]:
        rows = await c.select(c.id, c.country).where(c.id.is_in(batch))
        return {r["id"]: r["country"] or None for r in rows}

    return await _in_batches(customer_ids, read)


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

    async def trialed_subscriptions(self) -> list[str]:
        rows = await H.select(H.subscription_id).where(H.state.like(TRIALING_STATE)).distinct()
        return sorted(r["subscription_id"] for r in rows)

    async def versions_of(self, subscription_ids: list[str]) -> list[SubscriptionVersion]:
        out: list[SubscriptionVersion] = []
        for start in range(0, len(subscription_ids), BATCH):
            batch = subscription_ids[start : start + BATCH]
            out += [_version(r) for r in await H.select().where(H.subscription_id.is_in(batch))]
        return sorted(out, key=lambda v: v.id or 0)

    async def all_closed_dunning_cases(self) -> list[ClosedDunningCase]:
        d = DunningCaseTable
        rows = await d.select(
            d.closed_at, d.status, d.invoice.amount_due_minor, d.invoice.currency,
            d.invoice.subscription_id, d.customer_id,
        ).where(d.closed_at.is_not_null() & d.test_clock_id.is_null())  # fmt: skip
        plans = await _plans_of({r["invoice.subscription_id"] or "" for r in rows})
        countries = await _countries_of({r["customer_id"] for r in rows})
        return [
            ClosedDunningCase(_instant(r["closed_at"]), r["status"] == DunningStatus.RECOVERED,
                              int(r["invoice.amount_due_minor"]), r["invoice.currency"],
                              plans.get(r["invoice.subscription_id"] or ""),
                              countries.get(r["customer_id"]))
            for r in rows
        ]  # fmt: skip

    async def all_refunds(self) -> list[RefundRow]:
        t, i = RefundTable, InvoiceTable
        rows = await t.select(t.finished_at, t.amount_minor, t.currency, t.invoice_id,
                              t.customer_id).where((t.status == "succeeded")
                                                   & t.finished_at.is_not_null())  # fmt: skip

        async def invoices(batch: list[str]) -> dict[str, tuple[str | None, str | None]]:
            found = await i.select(i.id, i.subscription_id, i.customer_id).where(i.id.is_in(batch))
            return {r["id"]: (r["subscription_id"], r["customer_id"]) for r in found}

        of_invoice = await _in_batches({r["invoice_id"] for r in rows}, invoices)
        subs = [of_invoice.get(r["invoice_id"], (None, None))[0] for r in rows]
        # the refund's customer, else its invoice's (as ``refunds`` filters)
        owners = [r["customer_id"] if r["customer_id"] is not None
                  else of_invoice.get(r["invoice_id"], (None, None))[1] for r in rows]  # fmt: skip
        plans = await _plans_of({s or "" for s in subs})
        countries = await _countries_of({c or "" for c in owners})
        return [RefundRow(_instant(r["finished_at"]), int(r["amount_minor"]), r["currency"],
                          plans.get(sub or ""), countries.get(owner or ""))
                for r, sub, owner in zip(rows, subs, owners, strict=True)]  # fmt: skip

    async def all_reasons(self) -> list[ReasonMonth]:
        t = CancellationFeedbackTable
        rows = await t.select(
            t.reason, t.created_at, t.subscription.plan.code, t.subscription.currency,
            t.customer.country,
        ).where(t.created_at.is_not_null())  # fmt: skip
        Key = tuple[date, CancellationReason, str | None, str | None, str | None]
        counts: dict[Key, int] = {}
        for r in rows:
            try:
                reason = CancellationReason(r["reason"])
            except ValueError:
                reason = CancellationReason.OTHER
            month = _instant(r["created_at"]).astimezone(UTC).date().replace(day=1)
            key = (month, reason, r["subscription.plan.code"], r["subscription.currency"],
                   r["customer.country"] or None)  # fmt: skip
            counts[key] = counts.get(key, 0) + 1
        return [ReasonMonth(m, reason, n, plan, currency, country)
                for (m, reason, plan, currency, country), n in sorted(counts.items(),
                                                                      key=lambda kv: str(kv[0]))]  # fmt: skip


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

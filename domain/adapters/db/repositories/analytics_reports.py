"""The subscriber metrics' reads on Piccolo (``uow.subscriber_metrics``): trial histories,
closed dunning cases with their invoice's amount, succeeded refunds and cancellation reasons
over a time range. Months are bucketed in Python (timestamps differ between SQLite and
PostgreSQL); each read is one query shape."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain.adapters.db.repositories.history import H, _version
from domain.adapters.db.tables import (
    CancellationFeedbackTable,
    DunningCaseTable,
    RefundTable,
)
from domain.adapters.db.tables_analytics import AnalyticsEmailOptInTable
from domain.analytics_reports.ports import ClosedDunningCase, ReasonMonth, RefundRow
from domain.payments.dunning import DunningStatus
from domain.subscriptions.history import SubscriptionVersion
from domain.subscriptions.model import CancellationReason

TRIALING_STATE = '%"status":"trialing"%'  # the stored state's JSON (history.py, _state_json)


def _instant(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class PiccoloSubscriberMetricsReads:
    async def trial_versions(self, *, since: datetime) -> list[SubscriptionVersion]:
        recent = H.select(H.subscription_id).where(H.at >= since)
        ids = (
            await H.select(H.subscription_id)
            .where(H.state.like(TRIALING_STATE) & H.subscription_id.is_in(recent))
            .distinct()
        )
        wanted = [r["subscription_id"] for r in ids]
        out: list[SubscriptionVersion] = []
        for start in range(0, len(wanted), 500):
            rows = await H.select().where(H.subscription_id.is_in(wanted[start : start + 500]))
            out += [_version(r) for r in rows]
        return sorted(out, key=lambda v: v.id or 0)

    async def closed_dunning_cases(
        self, *, since: datetime, until: datetime
    ) -> list[ClosedDunningCase]:
        d = DunningCaseTable
        rows = await d.select(
            d.closed_at, d.status, d.invoice.amount_due_minor, d.invoice.currency
        ).where(
            (d.closed_at >= since) & (d.closed_at < until) & d.test_clock_id.is_null()
        )  # fmt: skip
        return [
            ClosedDunningCase(_instant(r["closed_at"]), r["status"] == DunningStatus.RECOVERED,
                              int(r["invoice.amount_due_minor"]), r["invoice.currency"])
            for r in rows
        ]  # fmt: skip

    async def refunds(self, *, since: datetime, until: datetime) -> list[RefundRow]:
        t = RefundTable
        rows = await t.select(t.finished_at, t.amount_minor, t.currency).where(
            (t.status == "succeeded") & (t.finished_at >= since) & (t.finished_at < until)
        )
        return [RefundRow(_instant(r["finished_at"]), int(r["amount_minor"]), r["currency"])
                for r in rows]  # fmt: skip

    async def reasons(self, *, since: datetime, until: datetime) -> list[ReasonMonth]:
        t = CancellationFeedbackTable
        rows = await t.select(t.reason, t.created_at).where(
            (t.created_at >= since) & (t.created_at < until)
        )
        counts: dict[tuple[date, CancellationReason], int] = {}
        for r in rows:
            try:
                reason = CancellationReason(r["reason"])
            except ValueError:
                reason = CancellationReason.OTHER
            month = _instant(r["created_at"]).astimezone(UTC).date().replace(day=1)
            counts[(month, reason)] = counts.get((month, reason), 0) + 1
        return [ReasonMonth(m, reason, n) for (m, reason), n in sorted(counts.items())]


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

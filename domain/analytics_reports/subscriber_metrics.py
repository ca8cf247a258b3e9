"""Subscriber metrics per UTC month (docs/analytics.md, "Subscriber metrics"), pure and exact:

- **Trial-to-paid conversion**: a trial ends when its subscription first leaves ``trialing``; it
  converted when it left for a paying state (``active``, ``past_due``, ``unpaid``: the ledger's
  ``new``), otherwise (cancelled, expired, incomplete, paused) it did not. Its month is the
  trial's end: the trialing period's end when it ran to it, the change's instant when it ended
  early. Test-clock subscriptions are left out.
- **Dunning recovery**: dunning cases closed in the month; recovered when the invoice was paid,
  lost when retries ran out or the invoice was voided or written off; the amount recovered is
  the recovered invoices' amount due, in the reporting currency at the close's day.
- **Refunds**: succeeded refunds finished in the month, counted, and their amount in the
  reporting currency at the refund's day.
- **Cancellation reasons**: the feedback given when cancelling, counted per reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise

from domain.analytics.cohorts import month_of, tenths_of_percent
from domain.analytics_reports.ports import (
    ClosedDunningCase,
    ReasonMonth,
    RefundRow,
    SubscriberFilters,
)
from domain.subscriptions.engine import SubscriptionStatus
from domain.subscriptions.history import SubscriptionVersion
from domain.subscriptions.model import CancellationReason

PAYING = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE,
                    SubscriptionStatus.UNPAID})  # fmt: skip


@dataclass(frozen=True, slots=True)
class TrialEnd:
    subscription_id: str
    at: datetime
    converted: bool
    plan_id: str | None = None  # the trial's (its last trialing version's)
    currency: str | None = None
    country: str | None = None


def trial_ends(
    versions: Iterable[SubscriptionVersion],
    filters: SubscriberFilters = SubscriberFilters(),
    plan_codes: Mapping[str, str] | None = None,
) -> list[TrialEnd]:
    """Each trial's end (a subscription may have several: a trial started again later) whose
    trial (its last trialing version) had ``filters``' plan (codes from ``plan_codes``, plan id to
    code), currency and customer's country."""

    def wanted(trial: SubscriptionVersion) -> bool:
        sub = trial.subscription
        return ((filters.plan_code is None
                 or (plan_codes or {}).get(sub.plan_id) == filters.plan_code)
                and filters.currency in (None, sub.currency)
                and filters.country in (None, trial.country))  # fmt: skip

    by_sub: dict[str, list[SubscriptionVersion]] = {}
    for v in versions:
        if v.subscription.test_clock_id is None:
            by_sub.setdefault(v.subscription.id, []).append(v)
    ends: list[TrialEnd] = []
    for sub_id, history in by_sub.items():
        for before, after in pairwise(history):
            if (before.subscription.status is SubscriptionStatus.TRIALING
                    and after.subscription.status is not SubscriptionStatus.TRIALING
                    and wanted(before)):  # fmt: skip
                planned = before.subscription.period_end
                at = min(planned, after.at) if planned is not None else after.at
                ends.append(TrialEnd(sub_id, at, after.subscription.status in PAYING,
                                     before.subscription.plan_id, before.subscription.currency,
                                     before.country))  # fmt: skip
    return sorted(ends, key=lambda e: (e.at, e.subscription_id))


ToReporting = Callable[[int, str, date], int | None]  # minor, currency, day -> reporting minor


@dataclass
class MonthMetrics:
    month: date
    trials_ended: int = 0
    trials_converted: int = 0
    dunning_closed: int = 0
    dunning_recovered: int = 0
    recovered_minor: int | None = 0  # reporting currency; None: a rate was missing
    refunds: int = 0
    refunded_minor: int | None = 0
    reasons: dict[CancellationReason, int] = field(default_factory=dict)

    @property
    def conversion_tenths(self) -> int | None:
        return tenths_of_percent(self.trials_converted, self.trials_ended)

    @property
    def recovery_tenths(self) -> int | None:
        return tenths_of_percent(self.dunning_recovered, self.dunning_closed)

    @property
    def trials_lost(self) -> int:
        return self.trials_ended - self.trials_converted

    @property
    def dunning_lost(self) -> int:
        return self.dunning_closed - self.dunning_recovered

    @property
    def cancellations(self) -> int:
        return sum(self.reasons.values())


def _add(total: int | None, amount: int | None) -> int | None:
    return None if total is None or amount is None else total + amount


# One event added to its month's row: the one rule shared by the direct computation
# (``monthly_metrics``) and the read model's fold (``subscriber_read_model.py``).


def add_trial(row: MonthMetrics, t: TrialEnd) -> None:
    row.trials_ended += 1
    row.trials_converted += 1 if t.converted else 0


def add_case(row: MonthMetrics, c: ClosedDunningCase, amount: int | None) -> None:
    """``amount``: the recovered amount in the reporting currency (None: no rate; ignored when
    the case was lost)."""
    row.dunning_closed += 1
    if c.recovered:
        row.dunning_recovered += 1
        row.recovered_minor = _add(row.recovered_minor, amount)


def add_refund(row: MonthMetrics, amount: int | None) -> None:
    row.refunds += 1
    row.refunded_minor = _add(row.refunded_minor, amount)


def add_reason(row: MonthMetrics, reason: ReasonMonth) -> None:
    row.reasons[reason.reason] = row.reasons.get(reason.reason, 0) + reason.count


def monthly_metrics(
    months: list[date],
    *,
    trials: Iterable[TrialEnd],
    cases: Iterable[ClosedDunningCase],
    refunds: Iterable[RefundRow],
    reasons: Iterable[ReasonMonth],
    to_reporting: ToReporting,
) -> list[MonthMetrics]:
    """One row per month of ``months`` (first days, in order); anything outside is ignored."""
    rows = {m: MonthMetrics(m) for m in months}
    for t in trials:
        if (row := rows.get(month_of(t.at))) is not None:
            add_trial(row, t)
    for c in cases:
        if (row := rows.get(month_of(c.closed_at))) is not None:
            amount = (to_reporting(c.amount_minor, c.currency, c.closed_at.date())
                      if c.recovered else None)  # fmt: skip
            add_case(row, c, amount)
    for r in refunds:
        if (row := rows.get(month_of(r.at))) is not None:
            add_refund(row, to_reporting(r.amount_minor, r.currency, r.at.date()))
    for reason in reasons:
        if (row := rows.get(reason.month)) is not None:
            add_reason(row, reason)
    return [rows[m] for m in months]


def totals(rows: list[MonthMetrics]) -> MonthMetrics:
    """The whole range as one row (its ``month`` the first month's)."""
    out = MonthMetrics(rows[0].month if rows else date.min)
    for r in rows:
        out.trials_ended += r.trials_ended
        out.trials_converted += r.trials_converted
        out.dunning_closed += r.dunning_closed
        out.dunning_recovered += r.dunning_recovered
        out.recovered_minor = _add(out.recovered_minor, r.recovered_minor)
        out.refunds += r.refunds
        out.refunded_minor = _add(out.refunded_minor, r.refunded_minor)
        for reason, n in r.reasons.items():
            out.reasons[reason] = out.reasons.get(reason, 0) + n
    return out

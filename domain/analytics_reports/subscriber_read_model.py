"""The subscriber metrics' read model (docs/analytics.md, "Subscriber metrics"), pure: every
event (a trial's end, a closed dunning case, a refund, a cancellation reason) folded into one
``MonthMetrics`` per UTC month and **segment**, where a segment is each of the eight
combinations of the event's plan code, currency and country, each either its value or ``*``
(any), so the page reads one stored row per month whatever the filters. Each event is added with
the same functions as the direct computation (``subscriber_metrics.add_*``), its amount converted
once at its own day's rate; a missing rate makes the row's amount unknown and is kept with the
row (currency, day) so the page can name it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from itertools import product

from domain.analytics.cohorts import month_of
from domain.analytics_reports.ports import (
    ClosedDunningCase,
    FilterChoices,
    ReasonMonth,
    RefundRow,
    SubscriberFilters,
)
from domain.analytics_reports.subscriber_metrics import (
    MonthMetrics,
    ToReporting,
    TrialEnd,
    add_case,
    add_reason,
    add_refund,
    add_trial,
)

ANY = "*"
Missing = frozenset[tuple[str, date]]  # (currency, day) without an exchange rate


def segment(plan_code: str, currency: str, country: str) -> str:
    """``plan|currency|country``, each a value, ``""`` (none: a one-off invoice's plan, a
    customer without a country) or ``*``."""
    return f"{plan_code}|{currency}|{country}"


def segment_of(filters: SubscriberFilters) -> str:
    """The stored segment that holds exactly the events ``filters`` ask for."""
    return segment(filters.plan_code or ANY, filters.currency or ANY, filters.country or ANY)


def segments(plan_code: str | None, currency: str | None, country: str | None) -> list[str]:
    """The eight segments an event with these values counts in."""
    values = [(plan_code or "", ANY), (currency or "", ANY), (country or "", ANY)]
    return [segment(p, c, k) for p, c, k in product(*values)]


@dataclass(frozen=True, slots=True)
class SubscriberMonth:
    """One stored row: a segment's figures for one month and the rates it lacked."""

    segment: str
    metrics: MonthMetrics
    missing: Missing = frozenset()

    @property
    def month(self) -> date:
        return self.metrics.month


@dataclass(frozen=True, slots=True)
class SubscriberRefresh:
    """The last refresh: when, into which reporting currency, and what the filters offer."""

    refreshed_at: datetime
    reporting_currency: str
    choices: FilterChoices


class SubscriberFold:
    """Events in, ``SubscriberMonth`` rows out (``months()``); amounts converted with
    ``to_reporting`` (None: no rate)."""

    def __init__(self, to_reporting: ToReporting, plan_codes: Mapping[str, str]) -> None:
        self._to_reporting = to_reporting
        self._plan_codes = plan_codes
        self._rows: dict[tuple[str, date], MonthMetrics] = {}
        self._missing: dict[tuple[str, date], set[tuple[str, date]]] = {}

    def _rows_of(
        self, month: date, plan: str | None, currency: str | None, country: str | None
    ) -> list[tuple[str, MonthMetrics]]:
        out = []
        for seg in segments(plan, currency, country):
            row = self._rows.get((seg, month))
            if row is None:
                row = self._rows[(seg, month)] = MonthMetrics(month)
            out.append((seg, row))
        return out

    def _convert(self, minor: int, currency: str, at: datetime,
                 keys: list[tuple[str, MonthMetrics]]) -> int | None:  # fmt: skip
        amount = self._to_reporting(minor, currency, at.date())
        if amount is None:
            for seg, row in keys:
                self._missing.setdefault((seg, row.month), set()).add((currency, at.date()))
        return amount

    def trials(self, ends: Iterable[TrialEnd]) -> None:
        for t in ends:
            plan = self._plan_codes.get(t.plan_id) if t.plan_id is not None else None
            for _, row in self._rows_of(month_of(t.at), plan, t.currency, t.country):
                add_trial(row, t)

    def cases(self, cases: Iterable[ClosedDunningCase]) -> None:
        for c in cases:
            keys = self._rows_of(month_of(c.closed_at), c.plan_code, c.currency, c.country)
            amount = (self._convert(c.amount_minor, c.currency, c.closed_at, keys)
                      if c.recovered else None)  # fmt: skip
            for _, row in keys:
                add_case(row, c, amount)

    def refunds(self, refunds: Iterable[RefundRow]) -> None:
        for r in refunds:
            keys = self._rows_of(month_of(r.at), r.plan_code, r.currency, r.country)
            amount = self._convert(r.amount_minor, r.currency, r.at, keys)
            for _, row in keys:
                add_refund(row, amount)

    def reasons(self, reasons: Iterable[ReasonMonth]) -> None:
        for reason in reasons:
            for _, row in self._rows_of(reason.month, reason.plan_code, reason.currency,
                                        reason.country):  # fmt: skip
                add_reason(row, reason)

    def months(self) -> list[SubscriberMonth]:
        return [
            SubscriberMonth(seg, row, frozenset(self._missing.get((seg, month), ())))
            for (seg, month), row in sorted(self._rows.items())
        ]

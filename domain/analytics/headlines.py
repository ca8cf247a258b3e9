"""A month's headline figures from the MRR ledger, for the monthly summary e-mail
(docs/analytics.md, "Monthly summary e-mail"): MRR at the month's end, net new MRR (the month's
movements summed), new and churned customers (customer-level ``new`` and ``churn`` movements in
the month) and logo churn (churned customers over the customers paying at the month's start).
Amounts are in the reporting currency, each movement at its own UTC day's rate, as the cohorts
convert them; exact integers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from domain.analytics.cohorts import add_months, tenths_of_percent
from domain.analytics.ledger import LedgerMovement
from domain.analytics.movements import MovementKind


@dataclass(frozen=True, slots=True)
class MonthHeadlines:
    month: date  # its first day
    mrr_minor: int | None  # at the month's end; None: an amount could not be converted
    net_new_mrr_minor: int | None
    new_customers: int
    churned_customers: int
    paying_at_start: int
    logo_churn_tenths: int | None  # churned / paying at start, tenths of a percent


def _start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def month_headlines(
    ledger: Iterable[LedgerMovement],
    month: date,
    *,
    to_reporting: Callable[[LedgerMovement], int | None],
) -> MonthHeadlines:
    start, end = _start(month), _start(add_months(month, 1))
    mrr: int | None = 0
    net: int | None = 0
    new = churned = 0
    at_start: dict[tuple[str, str], int] = {}  # (customer, currency) -> MRR before the month
    for row in ledger:
        if row.at >= end:
            continue
        amount = to_reporting(row)
        mrr = None if mrr is None or amount is None else mrr + amount
        if row.at < start:
            key = (row.customer_id, row.currency)
            at_start[key] = at_start.get(key, 0) + row.amount_minor
            continue
        net = None if net is None or amount is None else net + amount
        new += 1 if row.customer_kind is MovementKind.NEW else 0
        churned += 1 if row.customer_kind is MovementKind.CHURN else 0
    paying = len({customer for (customer, _), v in at_start.items() if v > 0})
    return MonthHeadlines(month, mrr, net, new, churned, paying,
                          tenths_of_percent(churned, paying))  # fmt: skip

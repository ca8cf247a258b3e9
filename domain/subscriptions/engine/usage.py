"""Usage lines: a meter's events in a period, aggregated and priced, one line per metered charge."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from fractions import Fraction

from domain.billing.model import InvoiceLine, LineKind
from domain.catalog.model import Plan
from domain.pricing.charges import price_charge
from domain.pricing.model import Aggregation
from domain.shared.money import round_minor
from domain.shared.periods import Period
from domain.subscriptions.engine.checks import plan_price
from domain.subscriptions.engine.values import BillingSettings, UsageEvent
from domain.subscriptions.engine.wording import period_dates


def aggregate(events: list[UsageEvent], aggregation: Aggregation) -> Fraction:
    match aggregation:
        case Aggregation.SUM:
            return sum((e.sum for e in events), Fraction(0))
        case Aggregation.COUNT:
            return Fraction(sum(e.count for e in events))
        case Aggregation.MAX:
            return max((e.maximum for e in events), default=Fraction(0))
        case Aggregation.UNIQUE_COUNT:
            return Fraction(len({e.key for e in events}))
        case Aggregation.LAST:
            return events[-1].value if events else Fraction(0)
    raise AssertionError(aggregation)  # pragma: no cover


def usage_lines(
    settings: BillingSettings,
    usage: Sequence[UsageEvent],
    plan: Plan,
    period: Period,
    *,
    through: datetime | None = None,
) -> list[InvoiceLine]:
    """One usage line per metered charge: its events in ``period`` (half-open), or, with
    ``through``, from the period start up to and including that instant (a cancellation bills
    usage recorded at its own instant, before it in the event list)."""
    price = plan_price(plan, settings.currency)
    lines = []
    for charge in price.charges:
        if charge.meter is None:
            continue
        events = [
            e
            for e in usage
            if e.meter == charge.meter.name
            and period.start <= e.at
            and (e.at <= through if through is not None else e.at < period.end)
        ]
        units = aggregate(events, charge.meter.aggregation)
        quote = price_charge(charge, units, settings.currency)
        lines.append(
            InvoiceLine(
                kind=LineKind.USAGE,
                description=f"{plan.name} {charge.meter.name} usage ({period_dates(period, settings.tz)})",
                quantity=units,
                unit_amount=quote.unit_amount,
                amount=round_minor(quote.amount, settings.rounding),
                period=period,
                explanation=quote.explanation,
            )
        )
    return lines

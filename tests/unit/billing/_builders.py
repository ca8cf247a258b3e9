"""Plain builders for the billing-engine tests: plans, settings and engines with fixed defaults.

Amounts are minor units (USD cents); usage prices are ``Decimal`` minor units, as the scenario
parser builds them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.billing.model import Invoice, InvoiceLine, LineKind
from domain.catalog.model import Plan, PlanPrice
from domain.pricing.model import Charge, ChargeModel, Meter, Tier
from domain.pricing.proration import ProrationUnit
from domain.pricing.totals import TaxRate, TaxRounding
from domain.shared.ids import PlanId
from domain.shared.money import Currency, Rounding
from domain.shared.periods import Interval, IntervalUnit
from domain.subscriptions.engine import BillingSettings, SubscriptionEngine

USD = Currency.of("USD")
EUR = Currency.of("EUR")
UTC_TZ = ZoneInfo("UTC")


def flat(amount_minor: int) -> Charge:
    return Charge(ChargeModel.FLAT, amount_minor=amount_minor)


def per_unit(unit_minor: int) -> Charge:
    return Charge(ChargeModel.PER_UNIT, unit_minor=Decimal(unit_minor))


def api_calls() -> Charge:
    """The spec's usage charge: 100 calls at 0.10, then 0.05, billed in arrears."""
    return Charge(
        ChargeModel.GRADUATED,
        tiers=(Tier(Decimal(100), Decimal(10)), Tier(None, Decimal(5))),
        meter=Meter("api_calls"),
    )


def make_plan(
    code: str = "team",
    *,
    charges: Sequence[Charge] | None = None,
    interval: IntervalUnit = IntervalUnit.MONTH,
    interval_count: int = 1,
    trial_days: int = 0,
    setup_fee_minor: int = 0,
    currency: Currency = USD,
) -> Plan:
    """By default 30.00 flat + 10.00 per seat, monthly, in USD."""
    return Plan(
        id=PlanId(code),
        code=code,
        name=code.replace("_", " ").title(),
        description="",
        interval=Interval(interval, interval_count),
        prices=(
            PlanPrice(
                currency,
                tuple(charges) if charges is not None else (flat(3000), per_unit(1000)),
                setup_fee_minor,
            ),
        ),
        trial_days=trial_days,
    )


def make_settings(
    *,
    tz: ZoneInfo = UTC_TZ,
    proration: ProrationUnit = ProrationUnit.DAY,
    rounding: Rounding = Rounding.HALF_UP,
    tax_rounding: TaxRounding = TaxRounding.PER_INVOICE,
    tax_rate: TaxRate | None = None,
) -> BillingSettings:
    return BillingSettings(
        currency=USD,
        tz=tz,
        proration=proration,
        rounding=rounding,
        tax_rounding=tax_rounding,
        tax_rate=tax_rate,
    )


def make_engine(*plans: Plan, settings: BillingSettings | None = None) -> SubscriptionEngine:
    return SubscriptionEngine(
        settings=settings or make_settings(), plans={p.code: p for p in plans or (make_plan(),)}
    )


def lines_of(invoice: Invoice, kind: LineKind) -> list[InvoiceLine]:
    return [line for line in invoice.lines if line.kind is kind]


def amounts(lines: Sequence[InvoiceLine]) -> list[int]:
    return [line.amount for line in lines]


def spans(invoices: Sequence[Invoice]) -> list[tuple[datetime, datetime, datetime]]:
    """(issued_at, period start, period end) of each invoice."""
    return [(i.issued_at, i.period.start, i.period.end) for i in invoices]

"""How the engine's lines name things: a period's dates, a day, an amount, a charge's label."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from functools import lru_cache
from zoneinfo import ZoneInfo

from domain.catalog.model import Plan, PlanPrice
from domain.pricing.charges import fmt_amount
from domain.pricing.model import Charge, ChargeModel
from domain.shared.money import Currency
from domain.shared.periods import Period


@lru_cache(maxsize=4096)  # every renewal line of a period names it; formatting "%b" is slow
def period_dates(period: Period, tz: ZoneInfo) -> str:
    """ "Jan 31 - Feb 29", with the years when the period crosses one."""
    start = period.start.astimezone(tz)
    end = period.end.astimezone(tz)
    if start.year != end.year:
        return f"{start:%b} {start.day}, {start.year} - {end:%b} {end.day}, {end.year}"
    return f"{start:%b} {start.day} - {end:%b} {end.day}"


def day(at: datetime, tz: ZoneInfo) -> str:
    """ "Apr 16, 2024" """
    local = at.astimezone(tz)
    return f"{local:%b} {local.day}, {local.year}"


def amount(minor: Fraction | int, currency: Currency) -> str:
    return fmt_amount(Fraction(minor), currency)


def charge_label(plan: Plan, charge: Charge, price: PlanPrice) -> str:
    """The plan's name for its first licensed charge, "<plan> <unit>s" for a later per-unit one."""
    licensed = [c for c in price.charges if not c.is_usage]
    if len(licensed) <= 1 or charge is licensed[0]:
        return plan.name
    return (
        f"{plan.name} {charge.unit_label}s" if charge.model is not ChargeModel.FLAT else plan.name
    )

"""Building invoice lines: licensed charges in advance, prorations (credits, charges, stubs),
a renewal's lines in catalog order, setup fees, trials and the add-ons' share of each.

Every function is pure: it prices what it is given with the subscription's settings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from fractions import Fraction

from domain.billing.model import InvoiceLine, LineKind
from domain.catalog.model import Plan
from domain.pricing.charges import fmt_units, price_charge
from domain.pricing.model import Charge, ChargeModel
from domain.pricing.proration import ProrationUnit, Share, remaining_share
from domain.shared.money import round_minor
from domain.shared.periods import Period
from domain.subscriptions.engine.checks import plan_price
from domain.subscriptions.engine.periods import stub_base
from domain.subscriptions.engine.usage import usage_lines
from domain.subscriptions.engine.values import AddOnItem, BillingSettings, UsageEvent
from domain.subscriptions.engine.wording import amount, charge_label, day, period_dates


def units_of(charge: Charge, quantity: int) -> Fraction:
    """The units a licensed charge bills: one for a flat fee, else the quantity."""
    return Fraction(1) if charge.model is ChargeModel.FLAT else Fraction(quantity)


def advance_lines(
    settings: BillingSettings, plan: Plan, quantity: int, period: Period
) -> list[InvoiceLine]:
    """One line per licensed charge of ``plan``, billed in advance for ``period``."""
    price = plan_price(plan, settings.currency)
    lines = []
    for charge in price.charges:
        if charge.is_usage:
            continue
        quote = price_charge(charge, units_of(charge, quantity), settings.currency)
        lines.append(
            InvoiceLine(
                kind=LineKind.SUBSCRIPTION,
                description=f"{charge_label(plan, charge, price)} ({period_dates(period, settings.tz)})",
                quantity=quote.units,
                unit_amount=quote.unit_amount,
                amount=round_minor(quote.amount, settings.rounding),
                period=period,
                explanation=quote.explanation,
            )
        )
    return lines


def prorated_lines(
    settings: BillingSettings,
    plan: Plan,
    quantity: int,
    period: Period,
    share: Share,
    *,
    credit: bool,
    stub: bool = False,
    verb: str | None = None,
) -> list[InvoiceLine]:
    """One line per licensed charge for ``share`` of it over ``period`` (negative if credit).

    A line that comes to zero (a free component, no time left) is kept, as the simulator's
    rule 4 has one line per charge; what a person is shown leaves it out (``shown_lines``). The description
    is in words, as Stripe writes it ("Unused time on 5 x Team after Apr 16, 2024"; a stub
    names its dates like a renewal), the explanation is the arithmetic ("15/30 x 5 x 12.00")
    and the detail the same in days ("15 of 30 days x 5 x 12.00")."""
    currency = settings.currency
    price = plan_price(plan, currency)
    lines = []
    sign = -1 if credit else 1
    for charge in price.charges:
        if charge.is_usage:
            continue
        units = units_of(charge, quantity)
        quote = price_charge(charge, units, currency)
        line_amount = round_minor(sign * share.fraction * quote.amount, settings.rounding)
        if charge.model is ChargeModel.FLAT:
            priced = amount(quote.amount, currency)
        elif charge.model is ChargeModel.PER_UNIT:
            priced = f"{fmt_units(units)} x {amount(quote.unit_amount, currency)}"
        else:
            priced = f"({quote.explanation})"
        label = charge_label(plan, charge, price)
        if stub:
            text = f"{label} ({period_dates(period, settings.tz)})"
        else:
            counted = f"{fmt_units(units)} x {label}" if units != 1 else label
            said = verb or ("Unused time on" if credit else "Remaining time on")
            text = f"{said} {counted} after {day(period.start, settings.tz)}"
        lines.append(
            InvoiceLine(
                kind=LineKind.PRORATION,
                description=text,
                quantity=quote.units,
                unit_amount=quote.unit_amount,
                amount=line_amount,
                period=period,
                explanation=f"{share} x {priced}",
                detail=f"{share.in_words()} x {priced}",
            )
        )
    return lines


def addon_lines(
    settings: BillingSettings, addons: Iterable[AddOnItem], period: Period
) -> list[InvoiceLine]:
    """Each add-on's charges in advance for ``period``, after the base plan's."""
    return [
        line
        for item in addons
        for line in advance_lines(settings, item.plan, item.quantity, period)
    ]


def addon_prorated(
    settings: BillingSettings,
    addons: Iterable[AddOnItem],
    period: Period,
    share: Share,
    *,
    credit: bool,
    stub: bool = False,
    verb: str | None = None,
) -> list[InvoiceLine]:
    """Each add-on's prorated lines, as ``prorated_lines`` for the base plan."""
    return [
        line
        for item in addons
        for line in prorated_lines(
            settings, item.plan, item.quantity, period, share, credit=credit, stub=stub, verb=verb
        )
    ]


def setup_fee_lines(settings: BillingSettings, plan: Plan, period: Period) -> list[InvoiceLine]:
    """The plan's one-time setup fee, on the first invoice (none without one)."""
    price = plan_price(plan, settings.currency)
    if not price.setup_fee_minor:
        return []
    return [
        InvoiceLine(
            kind=LineKind.SETUP_FEE,
            description=f"{plan.name} setup fee",
            quantity=Fraction(1),
            unit_amount=Fraction(price.setup_fee_minor),
            amount=price.setup_fee_minor,
            period=period,
            explanation=f"1 x {amount(price.setup_fee_minor, settings.currency)}",
        )
    ]


def trial_lines(
    settings: BillingSettings,
    plan: Plan,
    quantity: int,
    addons: Iterable[AddOnItem],
    period: Period,
    days: int,
) -> list[InvoiceLine]:
    """The trial invoice's free lines: each licensed charge (and add-on's) at zero."""
    return [
        InvoiceLine(
            kind=LineKind.SUBSCRIPTION,
            description=f"Trial period for {plan.name} ({period_dates(period, settings.tz)})",
            quantity=line.quantity,
            unit_amount=Fraction(0),
            amount=0,
            period=period,
            explanation=f"free trial: {days} days",
        )
        for line in advance_lines(settings, plan, quantity, period)
        + addon_lines(settings, addons, period)
    ]


def stub_lines(
    settings: BillingSettings,
    plan: Plan,
    quantity: int,
    addons: Iterable[AddOnItem],
    start: datetime,
    anchor: datetime,
) -> list[InvoiceLine]:
    """The stub ``[start, anchor)`` priced as its share of the full period ending at the anchor."""
    if settings.proration is ProrationUnit.NONE:
        return []
    share = remaining_share(
        stub_base(plan, anchor, settings.tz), start, settings.proration, settings.tz
    )
    stub = Period(start, anchor)
    return prorated_lines(
        settings, plan, quantity, stub, share, credit=False, stub=True
    ) + addon_prorated(settings, addons, stub, share, credit=False, stub=True)


def renewal_lines(
    settings: BillingSettings,
    usage: Sequence[UsageEvent],
    addons: Iterable[AddOnItem],
    usage_plan: Plan,
    ending: Period | None,
    plan: Plan,
    quantity: int,
    period: Period,
) -> list[InvoiceLine]:
    """The charges of a renewal invoice in catalog order: each usage charge for the ending
    period (``ending`` None: no usage is billed, as after a trial), each licensed charge in
    advance for the new period. After a period-end plan change the old plan's usage comes
    first, then the new plan's charges."""
    used = usage_lines(settings, usage, usage_plan, ending) if ending is not None else []
    advance = advance_lines(settings, plan, quantity, period)
    added = addon_lines(settings, addons, period)
    if usage_plan is not plan:
        return used + advance + added
    used_left, advance_left = iter(used), iter(advance)
    return [
        next(used_left) if charge.is_usage else next(advance_left)
        for charge in plan_price(plan, settings.currency).charges
        if not charge.is_usage or ending is not None
    ] + added

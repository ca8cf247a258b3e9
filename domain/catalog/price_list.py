"""The public price list as a read model: plan families side by side for one billing interval
and currency, the annual saving, per-seat totals, tier tables and the feature comparison matrix.
Seats and their totals are in ``quantities.py``, usage-bill estimates in ``usage_estimate.py``.

Rounding (the price list rounds nowhere else):

- A price for N seats is ``quantities.licensed_total``: each licensed charge priced and rounded
  once, half-up, exactly as an invoice line is rounded.
- The annual saving is ``12 x monthly - annual``, in minor units, exact. Its percentage is
  rounded *down* to a whole percent (a saving of 16.67% shows "Save 16%"), so the page never
  promises more than the customer saves; a saving under 1% is not advertised. "N months free"
  is shown only when the saving is exactly N monthly prices.
- The monthly equivalent of an annual price (``annual / 12``) is for display only, half-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from domain.catalog.errors import CatalogErrorCode
from domain.catalog.feature_matrix import FeatureRow, feature_rows
from domain.catalog.model import Plan
from domain.catalog.quantities import (
    DEFAULT_MAX_SEATS,
    MAX_USAGE_UNITS,
    is_per_seat,
    licensed_total,
    max_seats,
    seats_error_message,
    units_error_message,
    whole_number,
)
from domain.catalog.usage_estimate import UsageEstimate, estimate_usage, usage_charge
from domain.catalog.views import ChargeView, PlanCard, PriceView
from domain.shared.errors import ValidationFailed
from domain.shared.money import Currency, Money, round_minor
from domain.shared.periods import IntervalUnit

FAMILY_KEY = "family"  # plan metadata pairing a family's monthly and annual plans


class BillingInterval(StrEnum):
    MONTH = "month"
    YEAR = "year"


# -- the saving rule -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AnnualSaving:
    """What paying yearly saves against twelve monthly payments for the same quantity."""

    amount: Money
    percent: int  # rounded down
    months_free: int | None  # only when the saving is a whole number of monthly prices
    compared_to: Money  # twelve monthly payments


def annual_saving(monthly: Money, annual: Money) -> AnnualSaving | None:
    """The saving of ``annual`` over twelve payments of ``monthly``; ``None`` when there is
    none to advertise (annual costs as much or more, or saves under 1%, or monthly is free).

    The percentage is rounded down: 3,800 saved of 22,800 is 16.67%, shown as 16%."""
    twelve = monthly * 12
    saved = twelve - annual
    if monthly.minor <= 0 or saved.minor <= 0:
        return None
    percent = saved.minor * 100 // twelve.minor
    if percent < 1:
        return None
    whole_months = saved.minor // monthly.minor if saved.minor % monthly.minor == 0 else None
    return AnnualSaving(saved, percent, whole_months, twelve)


def monthly_equivalent(annual: Money) -> Money:
    """An annual amount spread over twelve months, for display ("$15.83 a month")."""
    return Money(round_minor(Fraction(annual.minor, 12)), annual.currency)


def _interval_of(plan: Plan) -> BillingInterval | None:
    if plan.interval.count != 1:
        return None
    if plan.interval.unit is IntervalUnit.MONTH:
        return BillingInterval.MONTH
    if plan.interval.unit is IntervalUnit.YEAR:
        return BillingInterval.YEAR
    return None


@dataclass(frozen=True, slots=True)
class PricingQuery:
    """The pricing page's inputs, checked."""

    interval: BillingInterval
    seats: int
    estimate_plan: str | None
    estimate_units: int | None


def check_pricing_query(
    *,
    interval: str | None,
    seats: int | str | None,
    estimate_plan: str | None,
    estimate_units: int | str | None,
    seat_limit: int,
    usage_plans: Sequence[str],
) -> PricingQuery:
    """Check every input at once and raise ``ValidationFailed`` naming each bad field:
    ``interval`` is "month" or "year" (default month); ``seats`` 1..``seat_limit`` (default 1);
    ``units`` 0..10^9 or empty (no estimate); ``plan`` one of ``usage_plans`` or empty (the
    page's first usage plan)."""
    errors: dict[str, str] = {}
    chosen = BillingInterval.MONTH
    if interval:
        try:
            chosen = BillingInterval(interval.strip().lower())
        except ValueError:
            errors["interval"] = "Choose monthly or annual billing."
    seat_count: int | None = 1
    try:
        seat_count = 1 if seats is None else whole_number(seats)
    except ValueError:
        seat_count = None
    if seat_count is None or not 1 <= seat_count <= seat_limit:
        errors["seats"] = seats_error_message(seat_limit)
    units: int | None = None
    try:
        units = whole_number(estimate_units)
    except ValueError:
        errors["units"] = units_error_message()
    if units is not None and not 0 <= units <= MAX_USAGE_UNITS:
        errors["units"] = units_error_message()
    plan = (estimate_plan or "").strip() or None
    if plan is not None and plan not in usage_plans:
        errors["plan"] = "Choose a plan with usage pricing."
    if errors:
        raise ValidationFailed(errors, code=CatalogErrorCode.INVALID_PRICING_INPUT)
    return PricingQuery(chosen, seat_count or 1, plan, units)


# -- the page ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PlanColumn:
    """One plan family as a card: the plan billed at the chosen interval or, when the family
    has none (``offered`` false), its plan at the other interval, shown with a note."""

    family: str
    name: str
    plan: PlanCard
    offered: bool
    price: PriceView | None  # in the page's currency; None when the plan is not sold in it
    per_seat: bool
    quantity: int  # what the price and the checkout link are for: the seats, or 1
    max_seats: int | None
    total: Money | None
    monthly_equivalent: Money | None  # annual plans
    saving: AnnualSaving | None  # annual plans, against the family's monthly plan
    usage: ChargeView | None


@dataclass(frozen=True, slots=True)
class EstimateChoice:
    code: str
    name: str
    unit_label: str
    interval: str


@dataclass(frozen=True, slots=True)
class PriceList:
    currency: str
    currencies: tuple[str, ...]
    interval: BillingInterval
    intervals: tuple[BillingInterval, ...]  # offered by at least one family
    seats: int
    seat_limit: int
    columns: tuple[PlanColumn, ...]
    best_annual_saving: int | None  # percent, for "Save up to N%"
    features: tuple[FeatureRow, ...]
    estimate_choices: tuple[EstimateChoice, ...]
    estimate_plan: str | None
    estimate_units: int | None
    estimate: UsageEstimate | None


def choose_currency(requested: str | None, default: str, offered: Sequence[str]) -> str:
    """The requested currency when the catalog sells in it; else the store's default, or the
    first currency the catalog has."""
    wanted = (requested or "").strip().upper()
    if wanted in offered:
        return wanted
    if default in offered or not offered:
        return default
    return offered[0]


def plan_families(plans: Sequence[Plan]) -> dict[str, dict[BillingInterval, Plan]]:
    """Public base plans grouped by ``metadata["family"]`` (a plan without one is a family of
    its own), in display order; plans billed other than every month or every year are left out."""
    families: dict[str, dict[BillingInterval, Plan]] = {}
    for plan in plans:
        interval = _interval_of(plan)
        if interval is None:
            continue
        members = families.setdefault(plan.metadata.get(FAMILY_KEY) or plan.code, {})
        members.setdefault(interval, plan)
    return families


def seat_limit_of(plans: Sequence[Plan]) -> int:
    """The seat count the page accepts: the smallest limit among its per-seat plans."""
    limits = [max_seats(p) for p in plans if p.prices and is_per_seat(p.prices[0])]
    return min(limits, default=DEFAULT_MAX_SEATS)


def usage_plan_codes(plans: Sequence[Plan], currency: str) -> list[str]:
    wanted = Currency.of(currency)
    codes = []
    for plan in plans:
        price = plan.price_in(wanted)
        if price is not None and usage_charge(price) is not None:
            codes.append(plan.code)
    return codes


def build_price_list(
    plans: Sequence[Plan],
    query: PricingQuery,
    *,
    currency: str,
    currencies: Sequence[str],
) -> PriceList:
    """The page for checked inputs (``check_pricing_query``) over the public base plans."""
    families = plan_families(plans)
    money_currency = Currency.of(currency)
    columns = [_column(key, members, query, money_currency) for key, members in families.items()]
    savings = [
        s.percent
        for members in families.values()
        if (s := _family_saving(members, query.seats, money_currency)) is not None
    ]
    intervals = tuple(
        i for i in BillingInterval if any(i in members for members in families.values())
    )
    shown = [c.plan for c in columns]
    # the estimator offers the usage plans on show, and a usage plan asked for by code
    usage_plans = [
        p for p in _shown_plans(families, query.interval) if _usage_in(p, money_currency)
    ]
    requested = next((p for p in plans if p.code == query.estimate_plan), None)
    if (
        requested is not None
        and requested not in usage_plans
        and _usage_in(requested, money_currency)
    ):
        usage_plans.append(requested)
    choices = tuple(_choice(p, money_currency) for p in usage_plans)
    estimate_plan = query.estimate_plan or (choices[0].code if choices else None)
    estimate = None
    if query.estimate_units is not None and estimate_plan is not None:
        plan = next(p for p in usage_plans if p.code == estimate_plan)
        estimate = estimate_usage(plan, money_currency, query.estimate_units)
    return PriceList(
        currency=currency,
        currencies=tuple(currencies),
        interval=query.interval,
        intervals=intervals,
        seats=query.seats,
        seat_limit=seat_limit_of(plans),
        columns=tuple(columns),
        best_annual_saving=max(savings, default=None),
        features=_feature_rows(shown),
        estimate_choices=choices,
        estimate_plan=estimate_plan,
        estimate_units=query.estimate_units,
        estimate=estimate,
    )


def _usage_in(plan: Plan, currency: Currency) -> bool:
    price = plan.price_in(currency)
    return price is not None and usage_charge(price) is not None


def _choice(plan: Plan, currency: Currency) -> EstimateChoice:
    price = plan.price_in(currency)
    charge = usage_charge(price) if price is not None else None
    unit_label = charge.unit_label if charge is not None else "unit"
    return EstimateChoice(plan.code, plan.name, unit_label, plan.interval.unit.value)


def _shown_plans(
    families: Mapping[str, Mapping[BillingInterval, Plan]], interval: BillingInterval
) -> list[Plan]:
    return [members.get(interval) or next(iter(members.values())) for members in families.values()]


def _family_name(members: Mapping[BillingInterval, Plan]) -> str:
    return (members.get(BillingInterval.MONTH) or next(iter(members.values()))).name


def _family_saving(
    members: Mapping[BillingInterval, Plan], seats: int, currency: Currency
) -> AnnualSaving | None:
    monthly, annual = members.get(BillingInterval.MONTH), members.get(BillingInterval.YEAR)
    if monthly is None or annual is None:
        return None
    monthly_price, annual_price = monthly.price_in(currency), annual.price_in(currency)
    if monthly_price is None or annual_price is None:
        return None
    quantity = seats if is_per_seat(annual_price) else 1
    return annual_saving(
        licensed_total(monthly_price, quantity), licensed_total(annual_price, quantity)
    )


def _column(
    family: str,
    members: Mapping[BillingInterval, Plan],
    query: PricingQuery,
    currency: Currency,
) -> PlanColumn:
    offered = query.interval in members
    plan = members[query.interval] if offered else next(iter(members.values()))
    card = PlanCard.of(plan)
    price = plan.price_in(currency)
    price_view = next((p for p in card.prices if p.currency == currency.code), None)
    per_seat = price is not None and is_per_seat(price)
    quantity = query.seats if per_seat else 1
    total = licensed_total(price, quantity) if price is not None else None
    yearly = _interval_of(plan) is BillingInterval.YEAR
    usage = None
    if price_view is not None:
        usage = next((c for c in price_view.charges if c.is_usage), None)
    return PlanColumn(
        family=family,
        name=_family_name(members),
        plan=card,
        offered=offered,
        price=price_view,
        per_seat=per_seat,
        quantity=quantity,
        max_seats=max_seats(plan) if per_seat else None,
        total=total,
        monthly_equivalent=monthly_equivalent(total) if yearly and total is not None else None,
        saving=_family_saving(members, query.seats, currency) if yearly else None,
        usage=usage,
    )


def _feature_rows(plans: Sequence[PlanCard]) -> tuple[FeatureRow, ...]:
    """Every feature of the shown plans, a row each, one wording per plan where they differ
    ("Projects": 1, Unlimited, Unlimited; see ``domain/catalog/feature_matrix.py``)."""
    return feature_rows([p.features for p in plans])

"""The demo catalog that `make run` loads into an empty database: three plan families (one per
billing model), each sold monthly and, where it makes sense, yearly; and two add-ons for the
monthly plans. ``metadata["family"]`` pairs a family's monthly and annual plans (the pricing page's
monthly/annual switch)."""

from __future__ import annotations

from decimal import Decimal

from domain.catalog.model import Plan, PlanKind, PlanPrice
from domain.pricing.model import Aggregation, Charge, ChargeModel, Meter, Tier
from domain.shared.ids import PlanId
from domain.shared.money import Currency
from domain.shared.periods import Interval, IntervalUnit

USD, EUR = Currency.of("USD"), Currency.of("EUR")
MONTH, YEAR = Interval(IntervalUnit.MONTH), Interval(IntervalUnit.YEAR)


def _flat(currency: Currency, minor: int) -> PlanPrice:
    return PlanPrice(currency, (Charge(ChargeModel.FLAT, amount_minor=minor),))


def _seats(currency: Currency, base: int, per_seat: int) -> PlanPrice:
    return PlanPrice(
        currency,
        (
            Charge(ChargeModel.FLAT, amount_minor=base),
            Charge(ChargeModel.PER_UNIT, unit_minor=Decimal(per_seat), unit_label="seat"),
        ),
    )


def _usage(currency: Currency, base: int) -> PlanPrice:
    calls = Meter("api_calls", Aggregation.SUM)
    return PlanPrice(
        currency,
        (
            Charge(ChargeModel.FLAT, amount_minor=base),
            Charge(
                ChargeModel.GRADUATED,
                meter=calls,
                unit_label="API call",
                tiers=(
                    Tier(Decimal(10_000), Decimal(0)),
                    Tier(Decimal(100_000), Decimal("0.2")),
                    Tier(None, Decimal("0.1")),
                ),
            ),
        ),
    )


# Families share features so the pricing page's comparison matrix compares something.
STARTER_FEATURES = ("1 project", "Hosted checkout", "Customer portal", "E-mail support")
TEAM_FEATURES = (
    "Unlimited projects",
    "Hosted checkout",
    "Customer portal",
    "Per-seat billing",
    "Dunning automation",
    "Priority support",
)
SCALE_FEATURES = (
    "Unlimited projects",
    "Hosted checkout",
    "Customer portal",
    "Dunning automation",
    "Priority support",
    "10,000 API calls included",
    "Graduated usage pricing",
    "SSO",
    "99.9% uptime SLA",
)


def _storage(currency: Currency, per_block: int) -> PlanPrice:
    return PlanPrice(
        currency,
        (Charge(ChargeModel.PER_UNIT, unit_minor=Decimal(per_block), unit_label="100 GB"),),
    )


MONTHLY_BASE_CODES = ("starter-monthly", "team-monthly", "scale-monthly")


def demo_plans() -> list[Plan]:
    """Three plan families: Starter monthly and annual (flat), Team monthly and annual (per seat),
    Scale monthly (tiered usage); and two monthly add-ons for the monthly plans: Priority support
    (flat) and Extra storage (per 100 GB).

    Annual prices are ten months' worth ("two months free"). Scale has no annual plan, on purpose,
    as Stripe-style pricing pages do with metered plans: usage is billed monthly, in arrears. An
    annual Scale plan would either bill a year of API calls against tiers whose bounds are monthly
    volumes (10,000 free calls a year instead of a month) or need a second, yearly set of bounds
    for the same product. The pricing page shows Scale in annual mode at its monthly price, marked
    "Monthly only"."""
    return [*_base_plans(), *_addons()]


def _addons() -> list[Plan]:
    return [
        Plan(
            PlanId("demo-priority-support"),
            "priority-support",
            "Priority support",
            "Answers within four business hours, by e-mail and chat.",
            MONTH,
            (_flat(USD, 4900), _flat(EUR, 4500)),
            ("4-hour first response", "Chat support"),
            sort_order=100,
            kind=PlanKind.ADDON,
            attaches_to=MONTHLY_BASE_CODES,
        ),
        Plan(
            PlanId("demo-extra-storage"),
            "extra-storage",
            "Extra storage",
            "More room for files and exports, in blocks of 100 GB.",
            MONTH,
            (_storage(USD, 500), _storage(EUR, 450)),
            ("Billed per 100 GB block",),
            sort_order=110,
            kind=PlanKind.ADDON,
            attaches_to=MONTHLY_BASE_CODES,
        ),
    ]


def _base_plans() -> list[Plan]:
    return [
        Plan(
            PlanId("demo-starter-monthly"),
            "starter-monthly",
            "Starter",
            "Everything a new subscription business needs.",
            MONTH,
            (_flat(USD, 1900), _flat(EUR, 1700)),
            STARTER_FEATURES,
            trial_days=14,
            sort_order=10,
            metadata={"family": "starter"},
        ),
        Plan(
            PlanId("demo-starter-annual"),
            "starter-annual",
            "Starter (annual)",
            "Starter billed yearly: two months free.",
            YEAR,
            (_flat(USD, 19000), _flat(EUR, 17000)),
            STARTER_FEATURES,
            trial_days=14,
            sort_order=11,
            metadata={"family": "starter"},
        ),
        Plan(
            PlanId("demo-team-monthly"),
            "team-monthly",
            "Team",
            "Per-seat pricing for growing teams.",
            MONTH,
            (_seats(USD, 0, 1200), _seats(EUR, 0, 1100)),
            TEAM_FEATURES,
            sort_order=20,
            highlighted=True,
            metadata={"family": "team"},
        ),
        Plan(
            PlanId("demo-team-annual"),
            "team-annual",
            "Team (annual)",
            "Team billed yearly: two months free.",
            YEAR,
            (_seats(USD, 0, 12000), _seats(EUR, 0, 11000)),
            TEAM_FEATURES,
            sort_order=21,
            highlighted=True,
            metadata={"family": "team"},
        ),
        Plan(
            PlanId("demo-scale-monthly"),
            "scale-monthly",
            "Scale",
            "A platform fee plus graduated API usage.",
            MONTH,
            (_usage(USD, 9900), _usage(EUR, 8900)),
            SCALE_FEATURES,
            sort_order=30,
            metadata={"family": "scale"},
        ),
    ]

"""Catalog entities: a plan has an interval, one price per currency (a list of charges) and features.

Unit prices are ``Decimal`` amounts of *minor* units because usage prices are often fractions of
a cent (0.05 cents per API call); whole-invoice amounts are always rounded through
``domain.shared.money.round_minor``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.shared.errors import ValidationFailed
from domain.shared.ids import PlanId
from domain.shared.money import Currency, Money
from domain.shared.periods import Interval


class ChargeModel(StrEnum):
    FLAT = "flat"
    PER_UNIT = "per_unit"
    GRADUATED = "graduated"
    VOLUME = "volume"
    PACKAGE = "package"


class PlanKind(StrEnum):
    """A base plan is subscribed to on its own; an add-on is attached to a base plan."""

    BASE = "base"
    ADDON = "addon"


class Aggregation(StrEnum):
    SUM = "sum"
    COUNT = "count"
    MAX = "max"
    UNIQUE_COUNT = "unique_count"
    LAST = "last"


@dataclass(frozen=True, slots=True)
class Tier:
    """A price tier; ``up_to`` is inclusive and ``None`` means "and above"."""

    up_to: Decimal | None
    unit_minor: Decimal
    flat_minor: int = 0


@dataclass(frozen=True, slots=True)
class Meter:
    """What a usage charge counts: events of ``name`` aggregated over the billing period."""

    name: str
    aggregation: Aggregation = Aggregation.SUM


@dataclass(frozen=True, slots=True)
class Charge:
    """One priced component of a plan. Without a ``meter`` it is billed in advance."""

    model: ChargeModel
    amount_minor: int = 0
    unit_minor: Decimal = Decimal(0)
    tiers: tuple[Tier, ...] = ()
    package_size: int = 0
    free_units: int = 0
    meter: Meter | None = None
    unit_label: str = "unit"

    def __post_init__(self) -> None:
        if self.model in (ChargeModel.GRADUATED, ChargeModel.VOLUME):
            if not self.tiers:
                raise ValidationFailed({"tiers": "tiered charges need at least one tier"})
            if self.tiers[-1].up_to is not None:
                raise ValidationFailed({"tiers": "the last tier must be open-ended"})
            bounds = [t.up_to for t in self.tiers[:-1]]
            if any(b is None for b in bounds) or bounds != sorted(bounds):  # type: ignore[type-var]
                raise ValidationFailed({"tiers": "tier bounds must increase"})
        if self.model is ChargeModel.PACKAGE and self.package_size < 1:
            raise ValidationFailed({"package_size": "must be at least 1"})

    @property
    def is_usage(self) -> bool:
        return self.meter is not None


@dataclass(frozen=True, slots=True)
class PlanPrice:
    """What a plan costs in one currency."""

    currency: Currency
    charges: tuple[Charge, ...]
    setup_fee_minor: int = 0

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)


@dataclass(frozen=True, slots=True)
class Plan:
    """One version of a plan. Versions share a ``code``; a subscription keeps the version (``id``)
    it was sold, so a price change is a new version, never an edit (grandfathering). The current
    version of a code is the one not retired; ``attaches_to`` lists the base plan codes an add-on
    may be attached to (empty: any base plan with the same interval)."""

    id: PlanId
    code: str
    name: str
    description: str
    interval: Interval
    prices: tuple[PlanPrice, ...]
    features: tuple[str, ...] = ()
    trial_days: int = 0
    is_public: bool = True
    sort_order: int = 0
    highlighted: bool = False
    metadata: dict[str, str] = field(default_factory=dict)
    version: int = 1
    retired_at: datetime | None = None
    kind: PlanKind = PlanKind.BASE
    attaches_to: tuple[str, ...] = ()

    @property
    def is_current(self) -> bool:
        return self.retired_at is None

    @property
    def is_addon(self) -> bool:
        return self.kind is PlanKind.ADDON

    def __post_init__(self) -> None:
        if not isinstance(self.version, int) or self.version < 1:
            raise ValidationFailed({"version": "must be a whole number of at least 1"})
        if self.attaches_to and self.kind is not PlanKind.ADDON:
            raise ValidationFailed({"attaches_to": "only an add-on is attached to other plans"})

    def price_in(self, currency: Currency) -> PlanPrice | None:
        return next((p for p in self.prices if p.currency == currency), None)

    @property
    def currencies(self) -> tuple[Currency, ...]:
        return tuple(p.currency for p in self.prices)

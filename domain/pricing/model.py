"""Charges: the five pricing models (flat, per unit, graduated, volume, package) and the meter a
usage charge counts. A plan's price (``domain.catalog.model.PlanPrice``) is a list of charges;
``domain.pricing.charges`` computes what a charge costs for a quantity.

Unit prices are ``Decimal`` amounts of *minor* units because usage prices are often fractions of
a cent; whole-invoice amounts are always rounded through ``domain.shared.money.round_minor``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.shared.errors import ValidationFailed


class ChargeModel(StrEnum):
    FLAT = "flat"
    PER_UNIT = "per_unit"
    GRADUATED = "graduated"
    VOLUME = "volume"
    PACKAGE = "package"


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

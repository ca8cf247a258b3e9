"""Catalog entities: a plan has an interval, one price per currency (a list of charges, whose
pricing models are in ``domain.pricing.model``) and features."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from domain.pricing.model import Charge
from domain.shared.errors import ValidationFailed
from domain.shared.ids import PlanId
from domain.shared.money import Currency, Money
from domain.shared.periods import Interval


class PlanKind(StrEnum):
    """A base plan is subscribed to on its own; an add-on is attached to a base plan."""

    BASE = "base"
    ADDON = "addon"


@dataclass(frozen=True, slots=True)
class PlanPrice:
    """What a plan costs in one currency."""

    currency: Currency
    charges: tuple[Charge, ...]
    setup_fee_minor: int = 0

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)


@dataclass(frozen=True, slots=True)
class PlanDetails:
    """What a plan shows rather than what it charges: edited in place on every version of a
    code (as Stripe edits a product), where prices, trial and interval make a new version.
    ``family`` pairs a monthly and an annual plan on the pricing page (``metadata["family"]``)."""

    name: str
    description: str
    features: tuple[str, ...]
    is_public: bool
    sort_order: int
    highlighted: bool
    family: str


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

    @property
    def details(self) -> PlanDetails:
        return PlanDetails(self.name, self.description, self.features, self.is_public,
                           self.sort_order, self.highlighted, self.metadata.get("family", ""))  # fmt: skip

    def with_details(self, details: PlanDetails) -> Plan:
        """This version showing ``details`` (prices, trial and interval unchanged)."""
        metadata = {k: v for k, v in self.metadata.items() if k != "family"}
        if details.family:
            metadata["family"] = details.family
        return replace(self, name=details.name, description=details.description,
                       features=details.features, is_public=details.is_public,
                       sort_order=details.sort_order, highlighted=details.highlighted,
                       metadata=metadata)  # fmt: skip

    def price_in(self, currency: Currency) -> PlanPrice | None:
        return next((p for p in self.prices if p.currency == currency), None)

    @property
    def currencies(self) -> tuple[Currency, ...]:
        return tuple(p.currency for p in self.prices)

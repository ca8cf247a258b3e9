"""Read models of the admin's catalog pages: prices charge by charge with exact amounts
(``Money`` for whole amounts, ``UnitPrice`` for prices per unit, formatted by the templates),
subscriber counts per version, and a new version's changes against the current one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.catalog.features import Feature, FeatureGrant
from domain.catalog.model import Plan, PlanPrice
from domain.catalog.views import TierView
from domain.pricing.model import Charge, ChargeModel
from domain.shared.money import Money, UnitPrice

MODEL_LABELS = {
    ChargeModel.FLAT: "Flat fee",
    ChargeModel.PER_UNIT: "Per unit",
    ChargeModel.GRADUATED: "Graduated tiers",
    ChargeModel.VOLUME: "Volume tiers",
    ChargeModel.PACKAGE: "Package",
}


@dataclass(frozen=True, slots=True)
class ChargeLine:
    model: str
    label: str
    amount: Money | None  # flat fee, package price
    unit_price: UnitPrice | None  # per unit
    detail: str  # "per seat", "per 100 GB, 10 free", "metered: api_calls (sum)"
    tiers: tuple[TierView, ...]
    is_usage: bool


@dataclass(frozen=True, slots=True)
class PriceLines:
    currency: str
    setup_fee: Money | None
    charges: tuple[ChargeLine, ...]


@dataclass(frozen=True, slots=True)
class VersionRow:
    plan: Plan
    subscribers: int
    prices: tuple[PriceLines, ...]

    @property
    def is_current(self) -> bool:
        return self.plan.is_current


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One plan code in the catalog list: its current version and every version's count."""

    current: Plan
    prices: tuple[PriceLines, ...]
    versions: tuple[VersionRow, ...]

    @property
    def subscribers(self) -> int:
        return sum(v.subscribers for v in self.versions)


@dataclass(frozen=True, slots=True)
class GrantRow:
    """A feature a plan code grants, with the feature's name."""

    grant: FeatureGrant
    name: str


@dataclass(frozen=True, slots=True)
class PlanPage:
    current: Plan
    versions: tuple[VersionRow, ...]  # oldest first
    grants: tuple[GrantRow, ...] = ()  # the features the code grants, by key
    features: tuple[Feature, ...] = ()  # every feature in the catalog (the grant form's choices)

    @property
    def subscribers(self) -> int:
        return sum(v.subscribers for v in self.versions)


@dataclass(frozen=True, slots=True)
class PriceChange:
    """One currency of a new version against the current one."""

    currency: str
    change: str  # "added", "removed", "changed", "unchanged"
    before: PriceLines | None
    after: PriceLines | None


@dataclass(frozen=True, slots=True)
class VersionPreview:
    current: Plan
    next_version: int
    changes: tuple[PriceChange, ...]
    trial_before: int
    trial_after: int
    subscribers: int  # stay on their versions (grandfathered)

    @property
    def changes_anything(self) -> bool:
        return self.trial_before != self.trial_after or any(
            c.change != "unchanged" for c in self.changes
        )


def interval_text(plan: Plan) -> str:
    unit = plan.interval.unit.value
    return f"every {unit}" if plan.interval.count == 1 else f"every {plan.interval.count} {unit}s"


def _tiers(charge: Charge, price: PlanPrice) -> tuple[TierView, ...]:
    rows, lower = [], Decimal(1)
    for tier in charge.tiers:
        rows.append(
            TierView(
                first_unit=f"{lower:,}",
                last_unit=None if tier.up_to is None else f"{tier.up_to:,}",
                unit_price=UnitPrice(tier.unit_minor, price.currency),
                flat_fee=price.money(tier.flat_minor) if tier.flat_minor else None,
            )
        )
        if tier.up_to is not None:
            lower = tier.up_to + 1 if tier.up_to == tier.up_to.to_integral() else tier.up_to
    return tuple(rows)


def charge_line(charge: Charge, price: PlanPrice) -> ChargeLine:
    label = charge.unit_label
    details = []
    amount = unit = None
    match charge.model:
        case ChargeModel.FLAT:
            amount = price.money(charge.amount_minor)
        case ChargeModel.PER_UNIT:
            unit = UnitPrice(charge.unit_minor, price.currency)
            details.append(f"per {label}")
        case ChargeModel.PACKAGE:
            amount = price.money(charge.amount_minor)
            details.append(f"per {charge.package_size:,} {label}")
            if charge.free_units:
                details.append(f"{charge.free_units:,} free")
        case _:
            details.append(f"per {label}")
    if charge.meter:
        details.append(f"metered: {charge.meter.name} ({charge.meter.aggregation.value})")
    return ChargeLine(
        model=charge.model.value,
        label=MODEL_LABELS[charge.model],
        amount=amount,
        unit_price=unit,
        detail=", ".join(details),
        tiers=_tiers(charge, price),
        is_usage=charge.is_usage,
    )


def price_lines(price: PlanPrice) -> PriceLines:
    return PriceLines(
        currency=price.currency.code,
        setup_fee=price.money(price.setup_fee_minor) if price.setup_fee_minor else None,
        charges=tuple(charge_line(c, price) for c in price.charges),
    )


def plan_prices(plan: Plan) -> tuple[PriceLines, ...]:
    return tuple(price_lines(p) for p in plan.prices)


def price_changes(
    before: tuple[PlanPrice, ...], after: tuple[PlanPrice, ...]
) -> tuple[PriceChange, ...]:
    old = {p.currency.code: p for p in before}
    new = {p.currency.code: p for p in after}
    changes = []
    for code in [*old, *(c for c in new if c not in old)]:
        was, now = old.get(code), new.get(code)
        kind = (
            "added" if was is None
            else "removed" if now is None
            else "unchanged" if was == now
            else "changed"
        )  # fmt: skip
        changes.append(
            PriceChange(
                currency=code,
                change=kind,
                before=price_lines(was) if was else None,
                after=price_lines(now) if now else None,
            )
        )
    return tuple(changes)

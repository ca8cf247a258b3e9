"""Pure catalog rules: what a new plan version may change, and which add-ons attach to which plans."""

from __future__ import annotations

from domain.catalog.errors import CatalogErrorCode
from domain.catalog.model import Plan, PlanKind, PlanPrice
from domain.shared.errors import ValidationFailed
from domain.shared.periods import Interval


def check_version_interval(current: Plan, interval: Interval) -> None:
    """A new version keeps its plan's billing interval: subscribers of older versions renew on the
    same cadence, and an interval change is a different plan (a new code), not a new price."""
    if interval != current.interval:
        raise ValidationFailed(
            {"interval": f"stays {current.interval}; a new interval needs a new plan"},
            message=(
                f"{current.name} is billed every {current.interval}; to bill every {interval}, "
                "create a new plan instead of a new version."
            ),
            code=CatalogErrorCode.INTERVAL_CHANGE,
        )


def check_version_prices(prices: tuple[PlanPrice, ...]) -> None:
    """A version is sold in at least one currency, with exactly one price per currency."""
    if not prices:
        raise ValidationFailed(
            {"prices": "give at least one price"},
            message="A plan version needs a price in at least one currency.",
            code=CatalogErrorCode.PRICES_REQUIRED,
        )
    codes = [p.currency.code for p in prices]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ValidationFailed(
            {"prices": f"one price per currency ({', '.join(duplicates)} given twice)"},
            message=f"A plan has one price per currency; {', '.join(duplicates)} was given twice.",
            code=CatalogErrorCode.DUPLICATE_CURRENCY,
        )


def check_addon_attachable(base: Plan, addon: Plan) -> None:
    """An add-on attaches to a base plan when it is an add-on, the base plan is not, the add-on
    allows that base plan's code (an empty ``attaches_to`` allows every base plan) and both bill on
    the same interval, so they renew together."""
    if not addon.is_addon:
        raise ValidationFailed(
            {"addon": f"{addon.code} is not an add-on"},
            message=f"{addon.name} is a plan of its own, not an add-on.",
            code=CatalogErrorCode.NOT_AN_ADDON,
        )
    if base.kind is not PlanKind.BASE:
        raise ValidationFailed(
            {"plan": f"{base.code} is an add-on, not a base plan"},
            message=f"Add-ons are attached to a plan; {base.name} is itself an add-on.",
            code=CatalogErrorCode.NOT_A_BASE_PLAN,
        )
    if addon.attaches_to and base.code not in addon.attaches_to:
        raise ValidationFailed(
            {"addon": f"{addon.code} cannot be attached to {base.code}"},
            message=f"{addon.name} is not available with the {base.name} plan.",
            code=CatalogErrorCode.ADDON_NOT_ALLOWED,
        )
    if addon.interval != base.interval:
        raise ValidationFailed(
            {"addon": f"billed every {addon.interval}, the plan every {base.interval}"},
            message=(
                f"{addon.name} is billed every {addon.interval} and {base.name} every "
                f"{base.interval}; an add-on must renew with its plan."
            ),
            code=CatalogErrorCode.ADDON_INTERVAL_MISMATCH,
        )


def is_addon_attachable(base: Plan, addon: Plan) -> bool:
    try:
        check_addon_attachable(base, addon)
    except ValidationFailed:
        return False
    return True

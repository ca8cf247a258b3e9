"""Catalog use cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from domain.catalog.change_policy import (
    ChangePolicy,
    ChangeProration,
    ChangeTiming,
    PlanChangeRule,
    default_change_policy,
)
from domain.catalog.demo import demo_plans
from domain.catalog.errors import CatalogErrorCode
from domain.catalog.model import Plan, PlanKind, PlanPrice
from domain.catalog.ports import CatalogUnit
from domain.catalog.price_list import (
    PriceList,
    build_price_list,
    check_pricing_query,
    choose_currency,
    plan_families,
    seat_limit_of,
    usage_plan_codes,
)
from domain.catalog.quantities import check_usage_units
from domain.catalog.rules import check_version_interval, check_version_prices, is_addon_attachable
from domain.catalog.snapshot import CatalogReader
from domain.catalog.usage_estimate import UsageEstimate, estimate_usage
from domain.catalog.views import PlanCard
from domain.shared.clock import Clock
from domain.shared.errors import NotFound, ValidationFailed
from domain.shared.ids import PlanId, new_id
from domain.shared.money import Currency
from domain.shared.periods import Interval

__all__ = [
    "CatalogErrorCode",
    "PriceList",
    "StorefrontView",
    "UsageEstimate",
    "estimate_cached_usage_bill",
    "estimate_usage_bill",
    "get_public_plan",
    "list_addons_for",
    "list_plan_versions",
    "list_public_plans",
    "load_demo_catalog",
    "pricing_page_of",
    "publish_plan_version",
    "publish_version_in",
    "remove_plan_change_rule",
    "resolve_change_policy",
    "set_plan_change_rule",
    "show_cached_pricing_page",
    "show_storefront",
]


def _not_found(code: str) -> NotFound:
    return NotFound(f"no plan with code {code!r}", code=CatalogErrorCode.PLAN_NOT_FOUND)


async def list_public_plans(*, uow: CatalogUnit) -> list[PlanCard]:
    """The plans a visitor may buy, in display order, as read models for the storefront: the
    current version of each public base plan (add-ons are offered with a plan, not on their own)."""
    async with uow:
        plans = await uow.plans.list_public(kind=PlanKind.BASE)
    return [PlanCard.of(p) for p in plans]


async def load_demo_catalog(*, uow: CatalogUnit) -> int:
    """Load the demo catalog when the catalog is empty; returns how many plans (base plans and
    add-ons) were added.

    Running it again (or from two processes at once) adds nothing: the check and the insert share
    one write transaction, and a plan code has one row per version.
    """
    async with uow:
        if await uow.plans.count() > 0:
            return 0
        plans = demo_plans()
        for plan in plans:
            await uow.plans.add(plan)
        await uow.commit()
    return len(plans)


@dataclass(frozen=True, slots=True)
class StorefrontView:
    plans: list[PlanCard]
    currencies: list[str]
    currency: str


async def show_storefront(
    *, requested_currency: str | None, default_currency: str, uow: CatalogUnit
) -> StorefrontView:
    """Public plans priced in the requested currency when the catalog sells in it; otherwise the
    store's default currency, or the first currency the catalog has."""
    plans = await list_public_plans(uow=uow)
    currencies = sorted({price.currency for plan in plans for price in plan.prices})
    currency = choose_currency(requested_currency, default_currency, currencies)
    return StorefrontView(plans=plans, currencies=currencies, currency=currency)


async def show_cached_pricing_page(
    *,
    requested_currency: str | None,
    interval: str | None,
    seats: int | str | None,
    estimate_plan: str | None = None,
    estimate_units: int | str | None = None,
    default_currency: str,
    catalog: CatalogReader,
) -> PriceList:
    """The pricing page from the catalog snapshot (``cache.py``: memory, checked against the
    catalog version): built once per snapshot and set of inputs, since it depends on nothing
    else (the visitor's inputs are the key; errors are raised each time)."""
    snapshot = await catalog.snapshot()
    key = ("pricing", requested_currency, interval, seats, estimate_plan, estimate_units,
           default_currency)  # fmt: skip
    return snapshot.memo(
        key,
        lambda: pricing_page_of(
            snapshot.plans, requested_currency=requested_currency, interval=interval,
            seats=seats, estimate_plan=estimate_plan, estimate_units=estimate_units,
            default_currency=default_currency,
        ),
    )  # fmt: skip


def pricing_page_of(
    plans: Sequence[Plan],
    *,
    requested_currency: str | None,
    interval: str | None,
    seats: int | str | None,
    estimate_plan: str | None = None,
    estimate_units: int | str | None = None,
    default_currency: str,
) -> PriceList:
    """The public pricing page of ``plans`` (the current public base plans, display order): each
    plan family (``metadata["family"]``) as a column, priced for ``interval`` ("month" or
    "year") in the requested currency (an unknown one falls back as on the storefront), per-seat
    plans for ``seats``, the annual saving (rule and rounding in
    ``domain/catalog/price_list.py``), the feature matrix, and an estimate of ``estimate_units``
    of usage on ``estimate_plan`` (default: the first usage plan) when given.

    ``ValidationFailed`` (``catalog.invalid_pricing_input``) names every bad input at once:
    an interval other than month/year, seats outside 1..the per-seat plans' limit (10,000
    unless a plan's ``max_seats`` metadata says less), usage outside 0..10^9, or an estimate plan
    that is not a usage plan of the page."""
    currencies = sorted({p.currency.code for plan in plans for p in plan.prices})
    currency = choose_currency(requested_currency, default_currency, currencies)
    families = plan_families(list(plans))
    listed = [plan for members in families.values() for plan in members.values()]
    query = check_pricing_query(
        interval=interval,
        seats=seats,
        estimate_plan=estimate_plan,
        estimate_units=estimate_units,
        seat_limit=seat_limit_of(listed),
        usage_plans=usage_plan_codes(listed, currency),
    )
    return build_price_list(listed, query, currency=currency, currencies=currencies)


async def estimate_usage_bill(
    plan_code: str, currency: str, units: int | str | None, *, uow: CatalogUnit
) -> UsageEstimate:
    """``usage_estimate_of`` the current version of ``plan_code`` read in a transaction."""
    quantity = check_usage_units(units)
    async with uow:
        plan = await uow.plans.get_by_code(plan_code)
    return usage_estimate_of(plan, plan_code, currency, quantity)


async def estimate_cached_usage_bill(
    plan_code: str, currency: str, units: int | str | None, *, catalog: CatalogReader
) -> UsageEstimate:
    """``estimate_usage_bill`` on the catalog snapshot (``cache.py``)."""
    quantity = check_usage_units(units)
    snapshot = await catalog.snapshot()
    return usage_estimate_of(snapshot.public_plan(plan_code), plan_code, currency, quantity)


def usage_estimate_of(
    plan: Plan | None, plan_code: str, currency: str, quantity: int
) -> UsageEstimate:
    """What ``quantity`` units of usage in one billing period cost on a public plan, tier by
    tier, with the charge functions invoices use (graduated and volume tiers exact, rounded
    once), plus the plan's fee billed in advance. ``NotFound`` for an unknown or private plan
    or an add-on; ``ValidationFailed`` for a plan without usage pricing
    (``catalog.not_a_usage_plan``) or a currency the plan is not sold in. (Usage outside
    0..10^9 is refused before: ``check_usage_units``, ``catalog.invalid_usage``.)"""
    if plan is None or not plan.is_public or plan.is_addon:
        raise _not_found(plan_code)
    try:
        wanted = Currency.of(currency)
    except ValidationFailed as exc:
        raise ValidationFailed(
            {"currency": f"{currency!r} is not a currency"},
            code=CatalogErrorCode.CURRENCY_NOT_OFFERED,
        ) from exc
    return estimate_usage(plan, wanted, quantity)


async def get_public_plan(code: str, *, uow: CatalogUnit) -> PlanCard:
    """The current version of a public base plan; an add-on or a private plan is not found."""
    async with uow:
        plan = await uow.plans.get_by_code(code)
    if plan is None or not plan.is_public or plan.is_addon:
        raise _not_found(code)
    return PlanCard.of(plan)


async def publish_plan_version(
    code: str,
    *,
    prices: tuple[PlanPrice, ...],
    uow: CatalogUnit,
    clock: Clock,
    name: str | None = None,
    description: str | None = None,
    features: tuple[str, ...] | None = None,
    trial_days: int | None = None,
    interval: Interval | None = None,
) -> Plan:
    """Publish new prices for a plan as its next version; returns the new version.

    A sold plan is never edited: the new version is a new row (new id, same code, version N+1)
    that copies what is not given (name, description, features, trial, kind, add-on targets,
    display settings) from the current version, which is retired at the clock's instant in the same
    transaction. Subscriptions keep the version they reference (grandfathering); new sales, the
    storefront and ``get_by_code`` see the new one. The interval cannot change (a new interval is a
    new plan: ``catalog.interval_change``). Publishers of one code take turns (a row lock on
    PostgreSQL, the write lock on SQLite): each publishes the version after the one committed before
    it. The unique indexes stay the backstop: a clash there is ``Conflict``.
    """
    async with uow:
        _, new = await publish_version_in(
            uow, code, prices=prices, clock=clock, name=name, description=description,
            features=features, trial_days=trial_days, interval=interval,
        )  # fmt: skip
        await uow.commit()
    return new


async def publish_version_in(
    uow: CatalogUnit,
    code: str,
    *,
    prices: tuple[PlanPrice, ...],
    clock: Clock,
    name: str | None = None,
    description: str | None = None,
    features: tuple[str, ...] | None = None,
    trial_days: int | None = None,
    interval: Interval | None = None,
) -> tuple[Plan, Plan]:
    """``publish_plan_version``'s work inside the caller's open transaction (the admin records
    its audit entry in the same one); returns the retired version and the new one."""
    check_version_prices(prices)
    if trial_days is not None and trial_days < 0:
        raise ValidationFailed({"trial_days": "cannot be negative"})
    await uow.plans.hold_code(code)
    current = await uow.plans.get_by_code(code)
    if current is None:
        raise _not_found(code)
    if interval is not None:
        check_version_interval(current, interval)
    latest = max(p.version for p in await uow.plans.versions(code))
    new = replace(
        current,
        id=PlanId(new_id()),
        version=latest + 1,
        retired_at=None,
        prices=prices,
        name=current.name if name is None else name,
        description=current.description if description is None else description,
        features=current.features if features is None else features,
        trial_days=current.trial_days if trial_days is None else trial_days,
        metadata=dict(current.metadata),
    )
    await uow.plans.retire(current.id, clock.now())
    await uow.plans.add(new)
    return current, new


async def list_plan_versions(code: str, *, uow: CatalogUnit) -> list[Plan]:
    """Every version of a plan, oldest first (``NotFound`` for an unknown code)."""
    async with uow:
        versions = await uow.plans.versions(code)
    if not versions:
        raise _not_found(code)
    return versions


async def list_addons_for(
    plan_code: str, currency: Currency | str, *, uow: CatalogUnit
) -> list[Plan]:
    """The public add-ons (current versions, display order) that may be attached to the current
    version of ``plan_code`` and are priced in ``currency``. ``NotFound`` for an unknown plan,
    ``ValidationFailed`` (``catalog.not_a_base_plan``) when ``plan_code`` is itself an add-on."""
    wanted = currency if isinstance(currency, Currency) else Currency.of(currency)
    async with uow:
        base = await uow.plans.get_by_code(plan_code)
        if base is None:
            raise _not_found(plan_code)
        addons = await uow.plans.list_public(kind=PlanKind.ADDON)
    if base.is_addon:
        raise ValidationFailed(
            {"plan": f"{plan_code} is an add-on, not a base plan"},
            message=f"{base.name} is an add-on; add-ons are attached to a plan.",
            code=CatalogErrorCode.NOT_A_BASE_PLAN,
        )
    return [a for a in addons if a.price_in(wanted) is not None and is_addon_attachable(base, a)]


async def resolve_change_policy(
    old_plan: Plan,
    old_quantity: int | Decimal,
    new_plan: Plan,
    new_quantity: int | Decimal,
    currency: Currency | str,
    *,
    uow: CatalogUnit,
) -> ChangePolicy:
    """How a change from ``old_plan`` to ``new_plan`` applies: the rule stored for the pair of
    plan codes (whatever their versions) when there is one, else ``default_change_policy``. Both
    plans must be sold in ``currency`` and quantities must not be negative, override or not."""
    default = default_change_policy(old_plan, old_quantity, new_plan, new_quantity, currency)
    async with uow:
        rule = await uow.plan_change_rules.get(old_plan.code, new_plan.code)
    return default if rule is None else rule.policy


async def set_plan_change_rule(
    from_code: str,
    to_code: str,
    *,
    timing: ChangeTiming,
    proration: ChangeProration,
    uow: CatalogUnit,
) -> PlanChangeRule:
    """Override the default policy for changes from one plan code to another (or to itself, for
    quantity changes); replaces any rule for the pair. Both codes must exist. A change at period end
    has nothing to prorate, so it takes ``proration=none``."""
    timing, proration = ChangeTiming(timing), ChangeProration(proration)
    if timing is ChangeTiming.PERIOD_END and proration is not ChangeProration.NONE:
        raise ValidationFailed(
            {"proration": "a change at period end has nothing to prorate; use none"},
            message="A change at the end of the period is not prorated; choose no proration.",
            code=CatalogErrorCode.INVALID_CHANGE_RULE,
        )
    rule = PlanChangeRule(from_code, to_code, ChangePolicy(timing, proration))
    async with uow:
        for field, code in (("from_code", from_code), ("to_code", to_code)):
            if await uow.plans.get_by_code(code) is None:
                raise ValidationFailed(
                    {field: f"no plan with code {code!r}"},
                    message=f"There is no plan with code {code!r}.",
                    code=CatalogErrorCode.PLAN_NOT_FOUND,
                )
        await uow.plan_change_rules.put(rule)
        await uow.commit()
    return rule


async def remove_plan_change_rule(from_code: str, to_code: str, *, uow: CatalogUnit) -> None:
    """Remove the override of a pair of codes; changes between them use the default again.
    ``NotFound`` (``catalog.change_rule_not_found``) when the pair has no rule."""
    async with uow:
        removed = await uow.plan_change_rules.remove(from_code, to_code)
        if not removed:
            raise NotFound(
                f"no change rule from {from_code!r} to {to_code!r}",
                code=CatalogErrorCode.CHANGE_RULE_NOT_FOUND,
            )
        await uow.commit()

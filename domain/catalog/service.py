"""Catalog use cases."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.catalog.demo import demo_plans
from domain.catalog.views import PlanCard
from domain.shared.errors import NotFound
from domain.unit_of_work import UnitOfWork


class CatalogErrorCode(StrEnum):
    PLAN_NOT_FOUND = "catalog.plan_not_found"


async def list_public_plans(*, uow: UnitOfWork) -> list[PlanCard]:
    """The plans a visitor may buy, in display order, as read models for the storefront."""
    async with uow:
        plans = await uow.plans.list_public()
    return [PlanCard.of(p) for p in plans]


async def load_demo_catalog(*, uow: UnitOfWork) -> int:
    """Load the demo catalog when the catalog is empty; returns how many plans were added.

    Running it again (or from two processes at once) adds nothing: the check and the insert share
    one write transaction, and plan codes are unique.
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
    *, requested_currency: str | None, default_currency: str, uow: UnitOfWork
) -> StorefrontView:
    """Public plans priced in the requested currency when the catalog sells in it; otherwise the
    store's default currency, or the first currency the catalog has."""
    plans = await list_public_plans(uow=uow)
    currencies = sorted({price.currency for plan in plans for price in plan.prices})
    wanted = (requested_currency or "").strip().upper()
    if wanted in currencies:
        currency = wanted
    elif default_currency in currencies or not currencies:
        currency = default_currency
    else:
        currency = currencies[0]
    return StorefrontView(plans=plans, currencies=currencies, currency=currency)


async def get_public_plan(code: str, *, uow: UnitOfWork) -> PlanCard:
    async with uow:
        plan = await uow.plans.get_by_code(code)
    if plan is None or not plan.is_public:
        raise NotFound(f"no plan with code {code!r}", code=CatalogErrorCode.PLAN_NOT_FOUND)
    return PlanCard.of(plan)

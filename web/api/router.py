"""/api/v1: small JSON endpoints (plans, and the payment webhooks in webhooks.py). Never used by templates."""

from __future__ import annotations

from typing import Any

from litestar import Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from domain.catalog.service import get_public_plan, list_public_plans
from domain.catalog.views import PlanCard
from domain.unit_of_work import UnitOfWork
from web.api.webhooks import receive_webhook


def _plan_json(plan: PlanCard) -> dict[str, Any]:
    return {
        "code": plan.code,
        "name": plan.name,
        "description": plan.description,
        "interval": plan.interval,
        "interval_count": plan.interval_count,
        "trial_days": plan.trial_days,
        "features": list(plan.features),
        "prices": [
            {
                "currency": p.currency,
                "headline_minor": p.headline.minor,
                "headline": p.headline.to_decimal_string(),
                "suffix": p.headline_suffix,
            }
            for p in plan.prices
        ],
    }


@get("/plans", name="api.plans")
async def list_plans(read_uow: NamedDependency[UnitOfWork]) -> dict[str, Any]:
    return {"data": [_plan_json(p) for p in await list_public_plans(uow=read_uow)]}


@get("/plans/{code:str}", name="api.plan")
async def show_plan(code: FromPath[str], read_uow: NamedDependency[UnitOfWork]) -> dict[str, Any]:
    return {"data": _plan_json(await get_public_plan(code, uow=read_uow))}


router = Router(path="/api/v1", route_handlers=[list_plans, show_plan, receive_webhook])

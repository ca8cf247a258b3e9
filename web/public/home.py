"""The home page: the business's name and its public plans (the full pricing page comes later)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from domain.catalog.service import show_storefront
from domain.unit_of_work import UnitOfWork
from web.settings import Settings
from web.templating import render


@get("/", name="home")
async def show_home(
    request: Request[Any, Any, Any],
    read_uow: NamedDependency[UnitOfWork],
    settings: NamedDependency[Settings],
    currency: FromQuery[str | None] = None,
) -> Template:
    storefront = await show_storefront(
        requested_currency=currency, default_currency=settings.default_currency, uow=read_uow
    )
    context = {
        "plans": storefront.plans,
        "currencies": storefront.currencies,
        "currency": storefront.currency,
    }
    return render(request, "public/home.html", "public/_plan_grid.html", context)

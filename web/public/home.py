"""The home page: the storefront's plans, one card per plan family with the monthly/annual and
currency switches and the comparison matrix. It is the pricing page's read model and region
(``web/public/pricing.py``, ``templates/public/_pricing.html``) at ``/``, without the usage
estimator, which stays on ``/pricing``."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from web.deps import Storefront
from web.forms import number_text
from web.public.pricing import PricingParams, pricing_page


@get("/", name="home")
async def show_home(
    request: Request[Any, Any, Any],
    storefront: NamedDependency[Storefront],
    currency: FromQuery[str | None] = None,
    interval: FromQuery[str | None] = None,
    seats: FromQuery[str | None] = None,
) -> Template | Response[bytes]:
    params = PricingParams(currency, interval, number_text(seats))
    return await pricing_page(
        request, storefront.catalog, storefront.settings, params, path="/",
        page_template="public/home.html",
    )  # fmt: skip

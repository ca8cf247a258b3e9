"""The public pricing page (``/pricing``) and its usage-bill estimate (``/pricing/estimate``).

Both are GET: the page is one form (``#pricing-form``) whose state lives in the query string
(``currency``, ``interval``, ``seats``, ``plan``, ``units``), so every control works without
JavaScript; htmx swaps the ``#pricing`` region (switches, cards, estimator, comparison) or, while
the visitor types a usage figure, only ``#estimate-result``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from domain.adapters.i18n import display_of
from domain.catalog.cache import CatalogCache
from domain.catalog.price_list import PriceList
from domain.catalog.service import estimate_cached_usage_bill, show_cached_pricing_page
from domain.shared.errors import ValidationFailed
from web.deps import Storefront
from web.forms import number_text
from web.public.rendered import PRICING_REGIONS, cached_page, keepable
from web.settings import Settings
from web.templating import is_fragment_request, render

PAGE = "public/pricing.html"
REGION = "public/_pricing.html"  # the #pricing region, swapped by the switches and the seats
RENDERED_REGION = "public/_pricing_rendered.html"  # the region as rendered before (rendered.py)
ESTIMATE = "public/_estimate_result.html"  # #estimate-result, swapped while typing usage


@dataclass(frozen=True, slots=True)
class PricingParams:
    """The query string as typed (checked by the use case, echoed back into the inputs)."""

    currency: str | None = None
    interval: str | None = None
    seats: str | None = None
    plan: str | None = None
    units: str | None = None

    def without(self, names: set[str]) -> PricingParams:
        return replace(self, **{n: None for n in names if n in _FIELDS})


_FIELDS = {f.name for f in fields(PricingParams)}


def _canonical_url(page: PriceList, path: str = "/pricing") -> str:
    """The page's address with only what differs from the defaults (pushed by htmx)."""
    query: dict[str, str | int] = {"currency": page.currency}
    if page.interval != "month":
        query["interval"] = page.interval.value
    if page.seats != 1:
        query["seats"] = page.seats
    if page.estimate_units is not None:
        if page.estimate_choices and page.estimate_plan != page.estimate_choices[0].code:
            query["plan"] = page.estimate_plan or ""
        query["units"] = page.estimate_units
    return path + "?" + urlencode(query)


async def pricing_page(
    request: Request[Any, Any, Any],
    catalog: CatalogCache,
    settings: Settings,
    params: PricingParams,
    *,
    path: str = "/pricing",
    page_template: str = PAGE,
) -> Template | Response[bytes]:
    """The page (or the #pricing region); invalid inputs re-render with their messages beside
    the fields, the typed values kept, and the rest of the page priced with the defaults (422).
    The home page is the same region at ``path="/"`` in its own page template (no estimator)."""

    async def show(p: PricingParams) -> PriceList:
        return await show_cached_pricing_page(
            requested_currency=p.currency,
            interval=p.interval,
            seats=p.seats,
            estimate_plan=p.plan,
            estimate_units=p.units,
            default_currency=settings.default_currency,
            catalog=catalog,
        )

    errors: dict[str, str] = {}
    try:
        page = await show(params)
    except ValidationFailed as exc:
        errors = exc.field_errors
        page = await show(params.without(set(errors)))
    context = {"page": page, "errors": errors, "typed": params, "page_path": path}
    key = (REGION, params, tuple(sorted(errors.items())), path, display_of({"request": request}))
    context["region_html"] = PRICING_REGIONS.get(
        key, page, lambda: _render_region(request, context)
    )
    status_code = 422 if errors else 200
    if not is_fragment_request(request) and keepable(request):
        return cached_page(
            request, page_template, context, key=key, model=page, status_code=status_code,
            headers={"Vary": "HX-Request"},
        )  # fmt: skip
    template = render(request, page_template, RENDERED_REGION, context, status_code=status_code)
    if is_fragment_request(request):
        template.headers["HX-Push-Url"] = "false" if errors else _canonical_url(page, path)
    return template


def _render_region(request: Request[Any, Any, Any], context: dict[str, Any]) -> str:
    """The #pricing region alone, as the page would include it (``web/public/rendered.py``)."""
    engine = request.app.template_engine
    assert engine is not None
    return str(engine.get_template(REGION).render({**context, "request": request}))


@get("/pricing", name="pricing")
async def show_pricing(
    request: Request[Any, Any, Any],
    storefront: NamedDependency[Storefront],
    currency: FromQuery[str | None] = None,
    interval: FromQuery[str | None] = None,
    seats: FromQuery[str | None] = None,
    plan: FromQuery[str | None] = None,
    units: FromQuery[str | None] = None,
) -> Template | Response[bytes]:
    params = PricingParams(currency, interval, number_text(seats), plan, number_text(units))
    return await pricing_page(request, storefront.catalog, storefront.settings, params)


@get("/pricing/estimate", name="pricing.estimate")
async def show_estimate(
    request: Request[Any, Any, Any],
    storefront: NamedDependency[Storefront],
    currency: FromQuery[str | None] = None,
    interval: FromQuery[str | None] = None,
    seats: FromQuery[str | None] = None,
    plan: FromQuery[str | None] = None,
    units: FromQuery[str | None] = None,
) -> Template | Response[bytes]:
    """htmx (typing a usage figure): the estimate fragment, 422 with the message when the figure
    is not a usage we can price. Anything else: the whole pricing page with the estimate."""
    params = PricingParams(currency, interval, number_text(seats), plan, number_text(units))
    if not is_fragment_request(request):
        return await pricing_page(request, storefront.catalog, storefront.settings, params)
    context: dict[str, Any] = {"estimate": None, "errors": {}}
    if not (units or "").strip():  # the field was cleared: nothing to estimate yet
        return render(request, PAGE, ESTIMATE, context)
    try:
        context["estimate"] = await estimate_cached_usage_bill(
            plan or "",
            currency or storefront.settings.default_currency,
            units,
            catalog=storefront.catalog,
        )
    except ValidationFailed as exc:
        return render(
            request, PAGE, ESTIMATE, {**context, "errors": exc.field_errors}, status_code=422
        )
    return render(request, PAGE, ESTIMATE, context)

"""/admin/exchange-rates: the reporting currency, the rate of each currency today, the ones
missing and every entry (``CATALOG_READ``), and adding a dated rate (``CATALOG_MANAGE``;
domain/analytics/exchange_rates_admin.py). A rate is never edited: a correction is a new entry
for the same date. Bad input re-renders the page with the messages (422) and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.analytics.exchange_rates import MAX_RATE_TEXT
from domain.analytics.exchange_rates_admin import (
    ExchangeRateInput,
    add_exchange_rate,
    exchange_rates_page,
)
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.shared.money import Currency, currency_codes
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can
from domain.unit_of_work import UnitOfWork
from web.admin.form_words import staff_errors
from web.admin.pages import admin_context
from web.display import tr
from web.forms import Field, FormSpec
from web.settings import Settings
from web.templating import redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
RATE_FORM = FormSpec(Field("currency", 3), Field("rate", MAX_RATE_TEXT), Field("effective_on", 10))
QUERY = FormSpec(Field("currency", 3))
MANAGE = {"permission": Permission.CATALOG_MANAGE}


async def _page(
    request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, *,
    settings: Settings, clock: Clock, form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, status_code: int = 200,
) -> Template:  # fmt: skip
    reporting = Currency.of(settings.reporting_currency)
    today = clock.now().date()
    view = await exchange_rates_page(staff, uow=uow, reporting=reporting, today=today)
    priced = [r.currency for r in view.rows if r.in_prices]
    others = [c for c in currency_codes() if c not in priced and c != reporting.code]
    in_prices = tr(request, "in plan prices")
    choices = [(c, f"{c} · {in_prices}") for c in priced] + [(c, c) for c in others]
    context = admin_context(
        staff,
        view=view,
        can_manage=can(staff.role, Permission.CATALOG_MANAGE),
        currencies=choices,
        form=form or {"effective_on": today.isoformat()},
        errors=errors or {},
    )
    return render(request, "admin/exchange_rates.html", None, context, status_code=status_code)


@get("/exchange-rates", name="admin.exchange_rates", opt={"permission": Permission.CATALOG_READ})
async def show_exchange_rates(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    settings: NamedDependency[Settings],
    clock: NamedDependency[Clock],
) -> Template:
    wanted = QUERY.parse(request.query_params).get("currency").upper()
    form = {"currency": wanted, "effective_on": clock.now().date().isoformat()} if wanted else None
    return await _page(request, staff, read_uow, settings=settings, clock=clock, form=form)


@post("/exchange-rates", name="admin.exchange_rates.add", opt=MANAGE)
async def submit_exchange_rate(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    settings: NamedDependency[Settings],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    form = RATE_FORM.parse(data)
    typed = {k: form.get(k) for k in ("currency", "rate", "effective_on")}
    if form.errors:
        return await _page(request, staff, new_uow(), settings=settings, clock=clock, form=typed,
                           errors=dict(form.errors), status_code=422)  # fmt: skip
    entry = ExchangeRateInput(typed["currency"], typed["rate"], typed["effective_on"])
    try:
        rate = await add_exchange_rate(staff, entry, uow=new_uow(), clock=clock,
                                       reporting=Currency.of(settings.reporting_currency))  # fmt: skip
    except ValidationFailed as exc:
        return await _page(request, staff, new_uow(), settings=settings, clock=clock, form=typed,
                           errors=staff_errors(request, exc.field_errors), status_code=422)  # fmt: skip
    said = f"1 {rate.currency} = {rate.rate_text} {rate.reporting}"
    flash(request, tr(request, "%(rate)s from %(on)s is recorded.", rate=said,
                      on=rate.effective_on.isoformat()), "success")  # fmt: skip
    return redirect_after_post(request, "/admin/exchange-rates")

"""/admin/tax-rates: the tax rates per country and region (``CATALOG_READ``), and creating,
replacing and archiving one (``CATALOG_MANAGE``; domain/taxes/admin.py). A rate never changes:
"Replace" opens the form for a new rate of the same jurisdiction (``?replace=<id>``), which
archives the old one when it is saved. Archiving alone is confirmed first: the POST without
``confirm=yes`` answers a page saying what applies after. Bad input re-renders the page with
the messages (422) and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.adapters.country_names import country_choices_in, jurisdiction_in
from domain.adapters.i18n import N_
from domain.pricing.tax_rates import MAX_NAME, MAX_REGION, StoredTaxRate, TaxRateInput
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.text import text_problem
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can
from domain.taxes.admin import (
    MAX_ID,
    NO_SUCH_RATE,
    archive_preview,
    archive_tax_rate,
    create_tax_rate,
    tax_rates_page,
)
from domain.unit_of_work import UnitOfWork
from web.admin.form_words import staff_errors, staff_text
from web.admin.pages import admin_context
from web.display import current_display, tr
from web.forms import Field, FormSpec
from web.templating import redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
RATE_FORM = FormSpec(
    Field("country", 2), Field("region", MAX_REGION), Field("name", MAX_NAME),
    Field("percentage", 20), Field("inclusive", 10), Field("replaces", MAX_ID),
)  # fmt: skip
QUERY = FormSpec(Field("replace", MAX_ID))
CONFIRM = FormSpec(Field("confirm", 3))
MANAGE = {"permission": Permission.CATALOG_MANAGE}
INCLUSIVE_OPTIONS = [
    ("exclusive", N_("Exclusive: added to prices")),
    ("inclusive", N_("Inclusive: already in prices")),
]


def _check_id(rate_id: str) -> None:
    if not rate_id or text_problem(rate_id, max_length=MAX_ID):
        raise NotFound(NO_SUCH_RATE, code="tax_rate.not_found")


def _form_of(rate: StoredTaxRate) -> dict[str, str]:
    return {
        "country": rate.country, "region": rate.region or "", "name": rate.name,
        "percentage": "", "inclusive": "inclusive" if rate.inclusive else "exclusive",
        "replaces": rate.id,
    }  # fmt: skip


async def _page(
    request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, *,
    form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
    replace_id: str = "", status_code: int = 200,
) -> Template:  # fmt: skip
    """The page; ``replace_id`` (an active rate's) opens the form as that rate's replacement."""
    view = await tax_rates_page(staff, uow=uow)
    can_manage = can(staff.role, Permission.CATALOG_MANAGE)
    form = form or {"inclusive": "exclusive"}
    wanted = replace_id or form.get("replaces")
    replacing = next((r for r in view.rates if r.id == wanted and r.active), None)
    if replacing is not None and replace_id and can_manage:
        form = _form_of(replacing)
    context = admin_context(
        staff,
        view=view,
        can_manage=can_manage,
        countries=country_choices_in(current_display(request).language),
        inclusive_options=[(v, tr(request, label)) for v, label in INCLUSIVE_OPTIONS],
        replacing=replacing if can_manage else None,
        form=form,
        errors=errors or {},
    )
    return render(request, "admin/tax_rates.html", None, context, status_code=status_code)


@get("/tax-rates", name="admin.tax_rates", opt={"permission": Permission.CATALOG_READ})
async def show_tax_rates(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    replace_id = QUERY.parse(request.query_params).get("replace")
    return await _page(request, staff, read_uow, replace_id=replace_id)


@post("/tax-rates", name="admin.tax_rates.create", opt=MANAGE)
async def submit_tax_rate(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    form = RATE_FORM.parse(data)
    typed = {k: form.get(k) for k in ("country", "region", "name", "percentage", "inclusive",
                                      "replaces")}  # fmt: skip
    errors = dict(form.errors)
    if typed["inclusive"] not in ("inclusive", "exclusive"):
        errors["inclusive"] = "Choose whether prices include the tax."
    if errors:
        return await _page(request, staff, new_uow(), form=typed, errors=errors, status_code=422)
    entry = TaxRateInput(typed["country"], typed["region"], typed["name"], typed["percentage"],
                         typed["inclusive"] == "inclusive")  # fmt: skip
    try:
        rate = await create_tax_rate(staff, entry, uow=new_uow(), clock=clock,
                                     replaces=typed["replaces"] or None)  # fmt: skip
    except ValidationFailed as exc:
        return await _page(request, staff, new_uow(), form=typed, errors=staff_errors(request, exc.field_errors),
                           status_code=422)  # fmt: skip
    where = jurisdiction_in(current_display(request).language, rate)
    said = {"name": rate.name, "percent": rate.percent_text, "where": where}
    if typed["replaces"]:
        done = tr(request, "%(name)s %(percent)s for %(where)s replaces the previous rate: "
                           "invoices issued from now on use it.", **said)  # fmt: skip
    else:
        done = tr(request, "%(name)s %(percent)s for %(where)s is active: invoices issued from "
                           "now on use it.", **said)  # fmt: skip
    flash(request, done, "success")
    return redirect_after_post(request, "/admin/tax-rates")


@post("/tax-rates/{rate_id:str}/archive", name="admin.tax_rates.archive", opt=MANAGE)
async def submit_archive_tax_rate(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    rate_id: FromPath[str],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    _check_id(rate_id)
    confirmed = CONFIRM.parse(data).get("confirm") == "yes"
    try:
        if not confirmed:
            preview = await archive_preview(staff, rate_id, uow=new_uow())
            context = admin_context(staff, preview=preview)
            return render(request, "admin/tax_rate_archive.html", None, context)
        rate = await archive_tax_rate(staff, rate_id, uow=new_uow(), clock=clock)
    except InvalidTransition as exc:
        return await _page(request, staff, new_uow(), errors={"_": staff_text(request, exc.message)},
                           status_code=409)  # fmt: skip
    flash(request, tr(request, "%(name)s %(percent)s for %(where)s is archived.", name=rate.name,
                      percent=rate.percent_text,
                      where=jurisdiction_in(current_display(request).language, rate)), "success")  # fmt: skip
    return redirect_after_post(request, "/admin/tax-rates")

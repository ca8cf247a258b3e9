"""A staff member's own display. ``POST /admin/display`` is the admin header's language switch:
it saves the choice on their staff record (``set_staff_display``, audited) and goes back to the
admin page it came from. ``/admin/account/display`` ("Language and dates") is the full form:
language, digits, calendar and the time zone dates are shown in; a refused field shows the form
again with its message. Subscribers switch at ``POST /display`` (``web/display.py``)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from domain.shared.clock import Clock
from domain.shared.display import parse_preferences
from domain.shared.errors import ValidationFailed
from domain.shared.time_zones import MAX_ZONE, zone_names
from domain.staff.display_preferences import set_staff_display
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from web.admin.pages import admin_context
from web.auth.session import safe_next
from web.deps import UowFactory
from web.display import SWITCH_FORM, current_display, display_form_errors, tr
from web.forms import Field, FormSpec
from web.templating import render

OWN = {"permission": Permission.DASHBOARD_VIEW}  # every role: it is their own display
PAGE = "admin/display.html"
DISPLAY_FORM = FormSpec(
    Field("language", 10), Field("digits", 10), Field("calendar", 10), Field("timezone", MAX_ZONE)
)


@post("/display", name="admin.display", opt=OWN)
async def switch_staff_display(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    new_uow: NamedDependency[UowFactory],
    clock: NamedDependency[Clock],
) -> Redirect:
    form = SWITCH_FORM.parse(await request.form())
    target = safe_next(form.get("next"), default="/admin")
    if not target.startswith("/admin"):
        target = "/admin"
    if form.errors:  # refused as any bad input is (web/errors.py: 422), nothing saved
        raise ValidationFailed(form.errors)
    prefs = parse_preferences(
        form.get("language"), form.get("digits"), form.get("calendar"), current=staff.display
    )
    await set_staff_display(staff, prefs, uow=new_uow(), clock=clock)
    return Redirect(target, status_code=303)


def _page(
    request: Request[Any, Any, Any], staff: SignedInStaff, *,
    form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
) -> Template:  # fmt: skip
    shown = current_display(request)
    values = form or {
        "language": shown.language,
        "digits": shown.digits.value,
        "calendar": shown.calendar.value,
        "timezone": shown.timezone,
    }
    context = admin_context(staff, form=values, errors=errors or {}, time_zones=zone_names())
    return render(request, PAGE, None, context, status_code=422 if errors else 200)


@get("/account/display", name="admin.account.display", opt=OWN)
async def show_staff_display(
    request: Request[Any, Any, Any], staff: NamedDependency[SignedInStaff]
) -> Template:
    return _page(request, staff)


@post("/account/display", name="admin.account.display.submit", opt=OWN)
async def submit_staff_display(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    new_uow: NamedDependency[UowFactory],
    clock: NamedDependency[Clock],
) -> Template | Redirect:
    form = DISPLAY_FORM.parse(await request.form())
    values = {k: form.get(k) for k in ("language", "digits", "calendar", "timezone")}
    try:
        if form.errors:
            raise ValidationFailed(form.errors)
        prefs = parse_preferences(
            values["language"], values["digits"], values["calendar"], values["timezone"],
            current=staff.display,
        )  # fmt: skip
    except ValidationFailed as exc:
        return _page(request, staff, form=values, errors=display_form_errors(request, exc))
    await set_staff_display(staff, prefs, uow=new_uow(), clock=clock)
    flash(request, tr(request, "Your language and date settings are saved."), "success")
    return Redirect("/admin/account/display", status_code=303)

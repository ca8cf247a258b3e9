"""/admin/account/analytics-email: a member who may read analytics (billing, owner) turns their
own monthly summary e-mail on or off (domain/analytics_reports/summary_mail.py; audited). The
form is a plain POST with its CSRF token; the choice is a radio pair, so no script is needed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.analytics_reports.summary_mail import set_summary_opt_in, summary_opt_in
from domain.shared.clock import Clock
from domain.staff.model import SignedInStaff
from domain.unit_of_work import UnitOfWork
from web.admin.analytics_cohorts import ANALYTICS
from web.admin.pages import admin_context
from web.forms import Field, FormSpec
from web.templating import redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
CHOICE = FormSpec(Field("summary", 10))
PATH = "/admin/account/analytics-email"


async def _page(request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, *,
                error: str | None = None, status_code: int = 200) -> Template:  # fmt: skip
    on = await summary_opt_in(staff, uow=uow)
    context = admin_context(staff, on=on, error=error)
    return render(request, "admin/analytics/email.html", None, context, status_code=status_code)


@get("/account/analytics-email", name="admin.analytics_email", opt=ANALYTICS)
async def show_analytics_email(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    return await _page(request, staff, read_uow)


@post("/account/analytics-email", name="admin.analytics_email.submit", opt=ANALYTICS)
async def submit_analytics_email(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    choice = CHOICE.parse(data).get("summary")
    if choice not in ("on", "off"):
        return await _page(request, staff, new_uow(), error="Choose on or off.", status_code=422)
    on = choice == "on"
    changed = await set_summary_opt_in(staff, on=on, uow=new_uow(), clock=clock)
    message = ("You will get the monthly analytics summary on the 1st of each month."
               if on else "You will no longer get the monthly analytics summary.")  # fmt: skip
    flash(request, message if changed else "Nothing changed.", "success" if changed else "info")
    return redirect_after_post(request, PATH)

"""/admin/feedback: cancellation feedback over a range of months: each month's reasons as a bar
(CSS widths computed by the use case, no script) with a table of the same numbers, and the
comments newest first, linked to the customer (``domain/operations/feedback.py``)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from domain.adapters.i18n import N_
from domain.operations.feedback import default_range, feedback_range, feedback_report
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.subscriptions.model import CancellationReason
from domain.unit_of_work import UnitOfWork
from web.admin.jobs import parse_page
from web.admin.pages import admin_context
from web.forms import Field, FormSpec
from web.templating import render

FILTERS = FormSpec(Field("from", 7), Field("to", 7), Field("page", 6))
REASON_LABELS = {
    CancellationReason.TOO_EXPENSIVE: N_("Too expensive"),
    CancellationReason.MISSING_FEATURES: N_("Missing features"),
    CancellationReason.SWITCHING: N_("Switching product"),
    CancellationReason.NOT_USING: N_("Not using it"),
    CancellationReason.OTHER: N_("Other"),
}


def _month(value: str) -> date | None:
    """``2026-04`` -> the first of April 2026; anything else None."""
    try:
        return date.fromisoformat(f"{value}-01") if len(value) == 7 else None
    except ValueError:
        return None


@get("/feedback", name="admin.feedback", opt={"permission": Permission.OPERATIONS_READ})
async def show_feedback(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
) -> Template:
    form = FILTERS.parse(request.query_params)
    typed = {"from": form.get("from").strip(), "to": form.get("to").strip()}
    errors: dict[str, str] = {}
    start, end = _month(typed["from"]), _month(typed["to"])
    for key, value in (("from", start), ("to", end)):
        if typed[key] and value is None:
            errors[key] = N_("Enter a month like 2026-04.")
            typed[key] = ""
    try:
        chosen = feedback_range(start, end, clock=clock)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
        chosen = default_range(clock)
    view = await feedback_report(staff, chosen, page=parse_page(form.get("page")), uow=read_uow)
    shown = {"from": chosen.start.strftime("%Y-%m"), "to": chosen.end.strftime("%Y-%m")}
    context = admin_context(
        staff, view=view, filters={**shown, **{f"{k}_error": v for k, v in errors.items()}},
        query=urlencode(shown), reason_labels=REASON_LABELS,
    )  # fmt: skip
    return render(request, "admin/feedback.html", None, context)

"""/admin/audit: the audit log filtered by staff member, customer, action and dates, paged; and
/admin/audit.csv, the same filters as CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Response, Template

from domain.audit.model import AuditEntry, AuditFilter
from domain.staff.audit_log import audit_log_export, audit_log_page
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.unit_of_work import UnitOfWork
from web.admin.pages import admin_context
from web.forms import Field, FormSpec
from web.templating import render

FILTERS = FormSpec(
    Field("staff", 36), Field("customer", 36), Field("action", 80), Field("from", 10),
    Field("to", 10), Field("page", 6),
)  # fmt: skip
AUDIT = {"permission": Permission.AUDIT_READ}


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def parse_filters(request: Request[Any, Any, Any]) -> tuple[AuditFilter, dict[str, str], int]:
    """The filter from the query string (dates are whole UTC days, ``to`` included); a value
    that does not parse is reported and ignored."""
    form = FILTERS.parse(request.query_params)
    typed = {k: form.get(k).strip() for k in ("staff", "customer", "action", "from", "to")}
    problems = dict(form.errors)
    since, until = _day(typed["from"]), _day(typed["to"])
    for key, value in (("from", since), ("to", until)):
        if typed[key] and value is None:
            problems[key] = "Enter a date like 2026-12-31."
            typed[key] = ""
    page_text = form.get("page")
    page = int(page_text) if page_text.isdigit() else 1
    where = AuditFilter(
        staff_id=typed["staff"] or None,
        customer_id=typed["customer"] or None,
        action=typed["action"] or None,
        since=datetime.combine(since, time(), UTC) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
    )
    return where, {**typed, **{f"{k}_error": v for k, v in problems.items()}}, page


@get("/audit", name="admin.audit", opt=AUDIT)
async def show_audit_log(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    where, typed, page = parse_filters(request)
    view = await audit_log_page(staff, where, page=page, uow=read_uow)
    query = urlencode({k: v for k, v in typed.items() if v and not k.endswith("_error")})
    context = admin_context(staff, view=view, filters=typed, query=query)
    return render(request, "admin/audit.html", "admin/audit_results.html", context)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA) else text


def _row(e: AuditEntry) -> list[str]:
    return [
        _cell(v)
        for v in (
            e.at.astimezone(UTC).isoformat(),
            e.actor.email,
            e.actor.staff_id or "",
            e.action,
            e.object_type,
            e.object_id,
            e.customer_id or "",
            e.reason,
            json.dumps(e.before, sort_keys=True),
            json.dumps(e.after, sort_keys=True),
        )
    ]


HEADER = ["at", "actor_email", "actor_staff_id", "action", "object_type", "object_id",
          "customer_id", "reason", "before", "after"]  # fmt: skip


@get("/audit.csv", name="admin.audit.csv", opt=AUDIT)
async def export_audit_log(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Response[str]:
    where, _, _ = parse_filters(request)
    entries = await audit_log_export(staff, where, uow=read_uow)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(_row(e) for e in entries)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )

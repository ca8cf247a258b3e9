"""A staff member's own language switch (the admin header's form): ``POST /admin/display``
saves their choice on their staff record (``set_staff_display``, audited) and goes back to the
admin page it came from. Subscribers switch at ``POST /display`` (``web/display.py``)."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.response import Redirect

from domain.shared.clock import Clock
from domain.shared.display import parse_preferences
from domain.shared.errors import ValidationFailed
from domain.staff.display_preferences import set_staff_display
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from web.auth.session import safe_next
from web.deps import UowFactory
from web.display import SWITCH_FORM


@post("/display", name="admin.display", opt={"permission": Permission.DASHBOARD_VIEW})
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

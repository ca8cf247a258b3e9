"""/admin/exports: the accounting export. Choose a period (from and to, days in UTC) and
download the invoices, payments, credit notes, refunds or the double-entry journal as CSV,
streamed (domain/integrations/accounting.py). ``EXPORT`` (billing, owner); the use case checks
it again and audits each download. A bad period re-renders the form with the messages (422)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Stream, Template

from domain.adapters.i18n import N_
from domain.integrations.accounting import KIND_TITLES, KINDS, check_export_access, open_export
from domain.integrations.journal import ACCOUNT_NAMES
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.unit_of_work import UnitOfWork
from web.admin.form_words import staff_errors
from web.admin.pages import admin_context
from web.display import tr
from web.forms import Field, FormSpec
from web.templating import render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
EXPORT = {"permission": Permission.EXPORT}
PERIOD_FORM = FormSpec(Field("from", 10), Field("to", 10), Field("kind", 20))


# the domain's export and account names (domain/integrations/accounting.py KIND_TITLES,
# journal.py ACCOUNT_NAMES) listed for the catalogs: the page shows them through tr()/translated()
NAMES = (
    N_("Invoices"), N_("Payments"), N_("Credit notes"), N_("Refunds"), N_("Journal"),
    N_("Cash (bank)"), N_("Accounts receivable"), N_("Tax payable"), N_("Customer credits"),
    N_("Revenue"), N_("Bad debts"),
)  # fmt: skip


def _last_month(today: date) -> dict[str, str]:
    last = today.replace(day=1) - timedelta(days=1)
    return {"from": last.replace(day=1).isoformat(), "to": last.isoformat()}


def _page(request: Request[Any, Any, Any], staff: SignedInStaff, form: dict[str, str],
          errors: dict[str, str], status_code: int = 200) -> Template:  # fmt: skip
    context = admin_context(staff, form=form, errors=errors, kinds=[(k, tr(request, KIND_TITLES[k])) for k in KINDS],
                            accounts=sorted(ACCOUNT_NAMES.items()))  # fmt: skip
    return render(request, "admin/exports.html", None, context, status_code=status_code)


@get("/exports", name="admin.exports", opt=EXPORT)
async def show_exports(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    clock: NamedDependency[Clock],
) -> Template:
    check_export_access(staff)
    return _page(request, staff, _last_month(clock.now().date()), {})


async def _encoded(chunks: AsyncIterator[str]) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        yield chunk.encode("utf-8")


@post("/exports", name="admin.exports.download", opt=EXPORT, status_code=200)
async def submit_export(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    new_read_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Stream:
    form = PERIOD_FORM.parse(data)
    typed = {k: form.get(k) for k in ("from", "to", "kind")}
    errors = dict(form.errors)
    if not errors:
        try:
            name, chunks = await open_export(staff, typed["kind"], typed["from"], typed["to"],
                                             uow=new_uow(), new_uow=new_read_uow, clock=clock)  # fmt: skip
        except ValidationFailed as exc:
            errors = staff_errors(request, exc.field_errors)
        else:
            return Stream(_encoded(chunks), media_type="text/csv; charset=utf-8",
                          headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
    return _page(request, staff, typed, errors, status_code=422)


EXPORT_HANDLERS = [show_exports, submit_export]

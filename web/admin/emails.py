"""/admin/emails: the e-mail outbox (every e-mail the product queued, filtered by status, kind
and recipient, paged) and one e-mail with its text, its HTML (framed from its own route under a
strict CSP) and its attachments' names; resend it (``domain/operations/emails.py``).

The HTML frame is sandboxed (no scripts, an opaque origin) and its document may load nothing
but inline styles and images; links that would sign the reader in are hidden on every view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import MediaType, Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.adapters.i18n import N_
from domain.audit.model import MAX_REASON
from domain.notifications.errors import NotificationErrorCode
from domain.notifications.model import EmailKind, EmailStatus
from domain.operations.emails import NO_SUCH_EMAIL, email_page, outbox_page, resend_email
from domain.operations.model import EmailFilter
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.text import text_problem
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.unit_of_work import UnitOfWork
from web.admin.jobs import parse_page
from web.admin.pages import admin_context
from web.display import tr
from web.forms import Field, FormSpec
from web.templating import redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": Permission.OPERATIONS_READ}
ACT = {"permission": Permission.OPERATIONS_ACT}
FILTERS = FormSpec(Field("status", 10), Field("kind", 40), Field("q", 254), Field("page", 6))
RESEND_FORM = FormSpec(Field("reason", MAX_REASON, multiline=True))
ID_LENGTH = 36
STATUS_OPTIONS = [("", N_("Any status"))] + [(s.value, s.value.capitalize()) for s in EmailStatus]
STATUS_NAMES = (N_("Queued"), N_("Sent"), N_("Failed"), N_("queued"), N_("sent"), N_("failed"))
# a kind is a code, shown as the e-mail log's rows show it (docs/localisation.md)
KIND_OPTIONS = [("", N_("Any kind"))] + [(k.value, k.value) for k in EmailKind]

# The e-mail's own document: inline styles (that is how e-mails are styled), nothing else; it
# may only be framed by the admin's e-mail page, which also sandboxes it.
EMAIL_FRAME_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox"
)


def _filters(request: Request[Any, Any, Any]) -> tuple[EmailFilter, dict[str, str], int]:
    form = FILTERS.parse(request.query_params)
    status, kind, q = (form.get(k).strip() for k in ("status", "kind", "q"))
    typed = {"status": status, "kind": kind, "q": q}
    if status not in EmailStatus.__members__.values():
        typed["status"] = status = ""
    if kind not in EmailKind.__members__.values():
        typed["kind"] = kind = ""
    if "q" in form.errors:
        typed["q_error"] = form.errors["q"]
    where = EmailFilter(
        status=EmailStatus(status) if status else None,
        recipient=q or None,
        kind=EmailKind(kind) if kind else None,
    )
    return where, typed, parse_page(form.get("page"))


@get("/emails", name="admin.emails", opt=READ)
async def show_emails(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    where, typed, page = _filters(request)
    view = await outbox_page(staff, where, page=page, uow=read_uow)
    query = urlencode({k: v for k, v in typed.items() if v and not k.endswith("_error")})
    context = admin_context(
        staff, view=view, filters=typed, query=query,
        status_options=[(v, tr(request, label)) for v, label in STATUS_OPTIONS],
        kind_options=[(v, tr(request, label) if not v else label) for v, label in KIND_OPTIONS],
    )  # fmt: skip
    return render(request, "admin/emails.html", "admin/emails_results.html", context)


def _check_id(email_id: str) -> None:
    if text_problem(email_id, max_length=ID_LENGTH) or not email_id:
        raise NotFound(NO_SUCH_EMAIL, code=NotificationErrorCode.UNKNOWN_EMAIL)


async def _email_page(
    request: Request[Any, Any, Any], staff: SignedInStaff, email_id: str, uow: UnitOfWork, *,
    form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:  # fmt: skip
    _check_id(email_id)
    view = await email_page(staff, email_id, uow=uow)
    context = admin_context(staff, view=view, form=form or {}, errors=errors or {})
    return render(request, "admin/email.html", None, context, status_code=status_code)


@get("/emails/{email_id:str}", name="admin.email", opt=READ)
async def show_email(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    email_id: FromPath[str],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    return await _email_page(request, staff, email_id, read_uow)


@get("/emails/{email_id:str}/html", name="admin.email.html", opt=READ)
async def show_email_html(
    staff: NamedDependency[SignedInStaff],
    email_id: FromPath[str],
    read_uow: NamedDependency[UnitOfWork],
) -> Response[str]:
    _check_id(email_id)
    view = await email_page(staff, email_id, uow=read_uow)
    return Response(
        view.email.html_body,
        media_type=MediaType.HTML,
        headers={
            "content-security-policy": EMAIL_FRAME_CSP,
            "x-frame-options": "SAMEORIGIN",
            "cache-control": "no-store",
        },
    )


@post("/emails/{email_id:str}/resend", name="admin.email.resend", opt=ACT)
async def submit_resend_email(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    email_id: FromPath[str],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    _check_id(email_id)
    form = RESEND_FORM.parse(data)
    typed = {"reason": form.get("reason")}
    if form.errors:
        return await _email_page(request, staff, email_id, new_uow(), form=typed,
                                 errors=form.errors, status_code=422)  # fmt: skip
    try:
        done = await resend_email(staff, email_id, reason=typed["reason"], uow=new_uow(),
                                  clock=clock)  # fmt: skip
    except ValidationFailed as exc:
        return await _email_page(request, staff, email_id, new_uow(), form=typed,
                                 errors=exc.field_errors, status_code=422)  # fmt: skip
    except InvalidTransition as exc:
        return await _email_page(request, staff, email_id, new_uow(), form=typed,
                                 errors={"_": exc.message}, status_code=409)  # fmt: skip
    flash(request, tr(request, "“%(subject)s” is queued again for %(to)s.", subject=done.subject,
                      to=done.to), "success")  # fmt: skip
    return redirect_after_post(request, f"/admin/emails/{done.copy_id}")

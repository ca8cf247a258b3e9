"""/admin/jobs: the job queue (counts per status, jobs filtered by status and kind, paged) and
one job (payload, error history); retry or discard a dead job (``domain/operations/jobs.py``).

Retrying takes a reason and happens at once. Discarding destroys the job, so its form's POST
answers a confirmation page first, whose button posts again with ``confirm=yes``. Bad input
re-renders the job page with the message (422); a job that is no longer dead, too (409).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.adapters.i18n import N_
from domain.audit.model import MAX_REASON
from domain.jobs.errors import JobErrorCode
from domain.jobs.model import JobStatus
from domain.operations.jobs import (
    NO_SUCH_JOB,
    check_reason,
    discard_job,
    job_page,
    job_queue_page,
    retry_job,
)
from domain.operations.model import JobFilter
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.text import text_problem
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.unit_of_work import UnitOfWork
from web.admin.pages import admin_context
from web.display import tr
from web.forms import Field, FormSpec
from web.templating import redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
READ = {"permission": Permission.OPERATIONS_READ}
ACT = {"permission": Permission.OPERATIONS_ACT}
FILTERS = FormSpec(Field("status", 12), Field("kind", 100), Field("page", 6))
ACT_FORM = FormSpec(Field("reason", MAX_REASON, multiline=True), Field("confirm", 3))
ID_LENGTH = 36
RETRYING = "retrying"  # the filter's pseudo-status: queued again after a failure
STATUS_OPTIONS = [
    ("", N_("Any status")),
    (JobStatus.QUEUED.value, N_("Queued")),
    (RETRYING, N_("Retrying")),
    (JobStatus.RUNNING.value, N_("Running")),
    (JobStatus.DEAD.value, N_("Dead")),
    (JobStatus.SUCCEEDED.value, N_("Succeeded")),
]
# a job's status as the pages say it in a sentence (translated())
STATUS_WORDS = (N_("queued"), N_("retrying"), N_("running"), N_("dead"), N_("succeeded"))


def parse_page(value: str) -> int:
    return int(value) if value.isdigit() else 1


def _filters(request: Request[Any, Any, Any]) -> tuple[JobFilter, dict[str, str], int]:
    form = FILTERS.parse(request.query_params)
    status, kind = form.get("status").strip(), form.get("kind").strip()
    typed = {"status": status, "kind": kind}
    if status == RETRYING:
        where = JobFilter(status=JobStatus.QUEUED, name=kind or None, retrying=True)
    elif status == JobStatus.QUEUED:  # waiting for a first run (the retrying ones apart)
        where = JobFilter(status=JobStatus.QUEUED, name=kind or None, retrying=False)
    elif status in JobStatus.__members__.values():
        where = JobFilter(status=JobStatus(status), name=kind or None)
    else:
        typed["status"] = ""
        where = JobFilter(name=kind or None)
    return where, typed, parse_page(form.get("page"))


@get("/jobs", name="admin.jobs", opt=READ)
async def show_jobs(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    where, typed, page = _filters(request)
    view = await job_queue_page(staff, where, page=page, uow=read_uow)
    query = urlencode({k: v for k, v in typed.items() if v})
    context = admin_context(
        staff,
        view=view,
        filters=typed,
        query=query,
        status_options=[(value, tr(request, label)) for value, label in STATUS_OPTIONS],
    )
    return render(request, "admin/jobs.html", "admin/jobs_results.html", context)


def _check_id(job_id: str) -> None:
    if text_problem(job_id, max_length=ID_LENGTH) or not job_id:
        raise NotFound(NO_SUCH_JOB, code=JobErrorCode.UNKNOWN_JOB)


async def _job_page(
    request: Request[Any, Any, Any], staff: SignedInStaff, job_id: str, uow: UnitOfWork, *,
    form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:  # fmt: skip
    _check_id(job_id)
    view = await job_page(staff, job_id, uow=uow)
    context = admin_context(staff, view=view, form=form or {}, errors=errors or {})
    return render(request, "admin/job.html", None, context, status_code=status_code)


@get("/jobs/{job_id:str}", name="admin.job", opt=READ)
async def show_job(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    job_id: FromPath[str],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    return await _job_page(request, staff, job_id, read_uow)


async def _act(
    request: Request[Any, Any, Any], staff: SignedInStaff, job_id: str, data: dict[str, Any],
    new_uow: Callable[[], UnitOfWork], clock: Clock, *, retry: bool,
) -> Template | Redirect | Response[str]:  # fmt: skip
    _check_id(job_id)
    form = ACT_FORM.parse(data)
    typed = {"reason": form.get("reason"), "action": "retry" if retry else "discard"}
    if form.errors:
        return await _job_page(request, staff, job_id, new_uow(), form=typed,
                               errors=form.errors, status_code=422)  # fmt: skip
    try:
        if not retry and form.get("confirm") != "yes":
            check_reason(typed["reason"])
            view = await job_page(staff, job_id, uow=new_uow())
            if not view.can_act:
                raise InvalidTransition(
                    f"Only a dead job can be discarded; this one is {view.row.status.value}.",
                    code=JobErrorCode.NOT_DEAD,
                )
            context = admin_context(staff, view=view, reason=typed["reason"].strip())
            return render(request, "admin/job_confirm.html", None, context)
        act = retry_job if retry else discard_job
        done = await act(staff, job_id, reason=typed["reason"], uow=new_uow(), clock=clock)
    except ValidationFailed as exc:
        return await _job_page(request, staff, job_id, new_uow(), form=typed,
                               errors=exc.field_errors, status_code=422)  # fmt: skip
    except InvalidTransition as exc:
        return await _job_page(request, staff, job_id, new_uow(), form=typed,
                               errors={"_": exc.message}, status_code=409)  # fmt: skip
    if done.retried:
        flash(request, tr(request, "%(name)s is queued again and runs within seconds.",
                          name=done.name), "success")  # fmt: skip
        return redirect_after_post(request, f"/admin/jobs/{job_id}")
    flash(request, tr(request, "%(name)s was discarded; the audit log keeps what it was.",
                      name=done.name), "success")  # fmt: skip
    return redirect_after_post(request, "/admin/jobs?status=dead")


@post("/jobs/{job_id:str}/retry", name="admin.job.retry", opt=ACT)
async def submit_retry_job(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    job_id: FromPath[str],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    return await _act(request, staff, job_id, data, new_uow, clock, retry=True)


@post("/jobs/{job_id:str}/discard", name="admin.job.discard", opt=ACT)
async def submit_discard_job(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    job_id: FromPath[str],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    return await _act(request, staff, job_id, data, new_uow, clock, retry=False)

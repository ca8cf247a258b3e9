"""/admin/imports: upload a CRM's CSV (multipart, at most 20 MB), map its columns, dry-run it
(every row checked, the errors listed, nothing written), start the import (a job) and follow its
progress (htmx polls the progress fragment every 2 s; without JavaScript the page refreshes
itself). ``IMPORT`` (billing, owner) on every route; the use cases check it again
(domain/integrations/imports.py). A bad file re-renders the page with the message (422)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.integrations.csv_files import MAX_FILE_BYTES
from domain.integrations.imports import (
    dry_run,
    get_import,
    recent_imports,
    start_import,
    upload_import,
)
from domain.integrations.mapping import TARGETS
from domain.integrations.model import CustomerImport, ImportStatus
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.unit_of_work import UnitOfWork
from web.admin.form_words import staff_errors
from web.admin.numbers import grouped
from web.admin.pages import admin_context
from web.display import current_display, tr
from web.forms import Field, FormSpec
from web.templating import is_fragment_request, redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
IMPORT = {"permission": Permission.IMPORT}
UPLOAD_LIMIT = MAX_FILE_BYTES + 512 * 1024  # the file and the form around it
MAPPING_FORM = FormSpec(*(Field(f"map-{t.key}", 200) for t in TARGETS), Field("subscriptions", 3))
SOURCE_FORM = FormSpec(Field("source", 40))


async def _list_page(request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, *,
                     errors: dict[str, str] | None = None, source: str = "hubspot",
                     status_code: int = 200) -> Template:  # fmt: skip
    imports = await recent_imports(staff, uow=uow)
    context = admin_context(staff, imports=imports, errors=errors or {}, source=source,
                            max_mb=MAX_FILE_BYTES // (1024 * 1024),
                            count=grouped(current_display(request)))  # fmt: skip
    return render(request, "admin/imports.html", None, context, status_code=status_code)


@get("/imports", name="admin.imports", opt=IMPORT)
async def show_imports(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    return await _list_page(request, staff, read_uow)


@post("/imports", name="admin.imports.upload", opt=IMPORT, request_max_body_size=UPLOAD_LIMIT)
async def submit_import_file(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    form = await request.form()
    parsed = SOURCE_FORM.parse(form)
    source = parsed.get("source") or "hubspot"
    upload = form.get("file")
    if parsed.errors:
        errors = {"source": parsed.errors["source"]}
        return await _list_page(request, staff, new_uow(), errors=errors, status_code=422)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _list_page(request, staff, new_uow(), source=source, status_code=422,
                                errors={"file": "Choose the CSV file to import."})  # fmt: skip
    content = await upload.read(MAX_FILE_BYTES + 1)
    try:
        rec = await upload_import(staff, upload.filename, content, source, uow=new_uow(),
                                  clock=clock)  # fmt: skip
    except ValidationFailed as exc:
        return await _list_page(request, staff, new_uow(), errors=staff_errors(request, exc.field_errors),
                                source=source, status_code=422)  # fmt: skip
    count = grouped(current_display(request))
    flash(request, tr(request, "%(file)s: %(n)s rows read. Check the mapping, then run the dry run.",
                      file=rec.file_name, n=count(rec.total_rows)), "success")  # fmt: skip
    return redirect_after_post(request, f"/admin/imports/{rec.id}")


def _import_context(request: Request[Any, Any, Any], staff: SignedInStaff, rec: CustomerImport, *,
                    mapping: dict[str, str] | None = None,
                    errors: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    return admin_context(
        staff, rec=rec, targets=TARGETS, mapping=mapping if mapping is not None else rec.mapping,
        errors=errors or {}, editable=rec.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED),
        count=grouped(current_display(request)),
    )  # fmt: skip


@get("/imports/{import_id:str}", name="admin.import", opt=IMPORT)
async def show_import(
    request: Request[Any, Any, Any],
    import_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    rec = await get_import(staff, import_id, uow=read_uow)
    return render(request, "admin/import.html", None, _import_context(request, staff, rec))


@get("/imports/{import_id:str}/progress", name="admin.import.progress", opt=IMPORT)
async def show_import_progress(
    request: Request[Any, Any, Any],
    import_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template | Response[str]:
    rec = await get_import(staff, import_id, uow=read_uow)
    if is_fragment_request(request) and not rec.is_live:
        # the job ended while the page polled: reload it whole (status, errors, actions)
        return Response("", status_code=200, headers={"HX-Refresh": "true"})
    return render(request, "admin/_import_progress.html", "admin/_import_progress.html",
                  _import_context(request, staff, rec))  # fmt: skip


@post("/imports/{import_id:str}/check", name="admin.import.check", opt=IMPORT)
async def submit_import_check(
    request: Request[Any, Any, Any],
    import_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    form = MAPPING_FORM.parse(data)
    chosen = {t.key: form.get(f"map-{t.key}") for t in TARGETS}
    with_subscriptions = form.get("subscriptions") == "on"
    errors = {k.removeprefix("map-"): v for k, v in form.errors.items()}
    if not errors:
        try:
            rec = await dry_run(staff, import_id, chosen, with_subscriptions, new_uow=new_uow,
                                clock=clock)  # fmt: skip
        except ValidationFailed as exc:
            errors = staff_errors(request, exc.field_errors)
        else:
            count = grouped(current_display(request))
            flash(request, tr(request, "Dry run: %(created)s to create, %(updated)s to update, "
                                       "%(errors)s rows with errors. Nothing was written.",
                              created=count(rec.created), updated=count(rec.updated),
                              errors=count(rec.error_count)),
                  "success" if not rec.error_count else "warning")  # fmt: skip
            return redirect_after_post(request, f"/admin/imports/{import_id}#dry-run")
    rec = await get_import(staff, import_id, uow=new_uow())
    context = _import_context(request, staff, rec, mapping={k: v for k, v in chosen.items() if v},
                              errors=errors)  # fmt: skip
    return render(request, "admin/import.html", None, context, status_code=422)


@post("/imports/{import_id:str}/start", name="admin.import.start", opt=IMPORT)
async def submit_import_start(
    request: Request[Any, Any, Any],
    import_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Redirect | Response[str]:
    rec = await start_import(staff, import_id, uow=new_uow(), clock=clock)
    count = grouped(current_display(request))
    flash(request, tr(request, "Importing %(n)s rows: this page follows the progress.",
                      n=count(rec.total_rows)), "info")  # fmt: skip
    return redirect_after_post(request, f"/admin/imports/{import_id}")


IMPORT_HANDLERS = [
    show_imports, submit_import_file, show_import, show_import_progress, submit_import_check,
    submit_import_start,
]  # fmt: skip

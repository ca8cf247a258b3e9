"""/admin/api-keys (``API_KEYS_MANAGE``: owners only; domain/apikeys/admin.py): the keys with
their name, scope, prefix, who made them and when, last use and revocation; a form to make one,
whose secret is shown once on the answer to that POST (never in a URL, a flash or the log,
``Cache-Control: no-store``); revoking asks for confirmation first (a page, then a POST with
CSRF). Every create and revoke is audited by the use case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.adapters.i18n import N_
from domain.apikeys.admin import MAX_NAME, create_api_key, list_api_keys, revoke_api_key
from domain.apikeys.model import CreatedKey, Mode, Scope
from domain.shared.clock import Clock
from domain.shared.errors import NotFound, ValidationFailed
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.unit_of_work import UnitOfWork
from web.admin.form_words import staff_errors
from web.admin.pages import admin_context
from web.display import tr
from web.forms import Field, FormSpec
from web.settings import Environment, Settings
from web.templating import redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
KEY_FORM = FormSpec(Field("name", MAX_NAME), Field("scope", 20))
CONFIRM_FORM = FormSpec(Field("confirm", 3))
MANAGE = {"permission": Permission.API_KEYS_MANAGE}
SCOPES = [(Scope.READ_ONLY.value, N_("Read only: GET requests")),
          (Scope.READ_WRITE.value, N_("Read and write: every request"))]  # fmt: skip
NO_STORE = {"Cache-Control": "no-store"}


def mode_for(settings: Settings) -> Mode:
    return Mode.LIVE if settings.env is Environment.PRODUCTION else Mode.TEST


async def _page(
    request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, *,
    created: CreatedKey | None = None, form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, status_code: int = 200,
) -> Template:  # fmt: skip
    keys = await list_api_keys(staff, uow=uow)
    context = admin_context(staff, keys=keys, created=created, scopes=[(v, tr(request, label)) for v, label in SCOPES],
                            form=form or {"scope": Scope.READ_ONLY.value},
                            errors=errors or {})  # fmt: skip
    page = render(request, "admin/api_keys.html", None, context, status_code=status_code)
    page.headers.update(NO_STORE)
    return page


@get("/api-keys", name="admin.api_keys", opt=MANAGE)
async def show_api_keys(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    return await _page(request, staff, read_uow)


@post("/api-keys", name="admin.api_keys.create", opt=MANAGE)
async def submit_api_key(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
    settings: NamedDependency[Settings],
) -> Template:
    form = KEY_FORM.parse(data)
    typed = {"name": form.get("name"), "scope": form.get("scope")}
    if form.errors:
        return await _page(request, staff, new_uow(), form=typed, errors=dict(form.errors),
                           status_code=422)  # fmt: skip
    try:
        created = await create_api_key(staff, name=typed["name"], scope=typed["scope"],
                                       mode=mode_for(settings), uow=new_uow(), clock=clock)  # fmt: skip
    except ValidationFailed as exc:
        return await _page(request, staff, new_uow(), form=typed, errors=staff_errors(request, exc.field_errors),
                           status_code=422)  # fmt: skip
    return await _page(request, staff, new_uow(), created=created, status_code=201)


@get("/api-keys/{key_id:str}/revoke", name="admin.api_keys.confirm_revoke", opt=MANAGE)
async def show_revoke_api_key(
    request: Request[Any, Any, Any],
    key_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    return await _confirm_page(request, staff, read_uow, key_id)


async def _confirm_page(
    request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, key_id: str
) -> Template:
    keys = await list_api_keys(staff, uow=uow)
    key = next((k for k in keys if k.id == key_id), None)
    if key is None:
        raise NotFound("No such API key.", code="api_key.not_found")
    return render(request, "admin/api_key_revoke.html", None, admin_context(staff, key=key))


@post("/api-keys/{key_id:str}/revoke", name="admin.api_keys.revoke", opt=MANAGE)
async def submit_revoke_api_key(
    request: Request[Any, Any, Any],
    key_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    if CONFIRM_FORM.parse(data).get("confirm") != "yes":  # not confirmed: the confirmation
        return await _confirm_page(request, staff, new_uow(), key_id)
    key = await revoke_api_key(staff, key_id, uow=new_uow(), clock=clock)
    flash(request, tr(request, "The key %(name)s (%(prefix)s…) is revoked: it answers 401 from now on.",
                      name=key.name, prefix=key.prefix), "success")  # fmt: skip
    return redirect_after_post(request, "/admin/api-keys")

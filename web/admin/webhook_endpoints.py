"""/admin/webhook-endpoints: outbound webhook endpoints (domain/webhooks_out/admin.py; the
gateway's inbound webhooks are /admin/webhooks). Every role with ``operations.read`` reads the
endpoints, their deliveries and attempts; ``webhooks.manage`` (billing, owner) adds and edits
endpoints, rotates secrets, enables, disables and replays. Bad input re-renders the form with
its messages (422) and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.outbound.events import EVENT_DESCRIPTIONS
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, ValidationFailed
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can
from domain.unit_of_work import UnitOfWork
from domain.webhooks_out.admin import (
    EndpointInput,
    create_endpoint,
    delivery_page,
    endpoint_page,
    endpoints_page,
    replay_delivery,
    rotate_secret,
    set_enabled,
    update_endpoint,
)
from domain.webhooks_out.model import RETRY_SCHEDULE
from domain.webhooks_out.urls import MAX_URL
from web.admin.form_words import staff_errors, staff_text
from web.admin.pages import admin_context
from web.display import tr
from web.forms import Field, FormSpec
from web.settings import Settings
from web.templating import redirect_after_post, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
ENDPOINT_FORM = FormSpec(
    Field("url", MAX_URL), Field("description", 200), Field("event_types", 64, many=True),
    Field("all_events", 3),
)  # fmt: skip
READ = {"permission": Permission.OPERATIONS_READ}
MANAGE = {"permission": Permission.WEBHOOKS_MANAGE}
BASE = "/admin/webhook-endpoints"
PATH = "/webhook-endpoints"  # under the admin router's /admin


def _typed(data: dict[str, Any]) -> tuple[EndpointInput, dict[str, Any], dict[str, str]]:
    form = ENDPOINT_FORM.parse(data)
    typed = EndpointInput(
        url=form.get("url"), description=form.get("description"),
        event_types=tuple(form.lists.get("event_types", [])), all_events=bool(form.get("all_events")),
    )  # fmt: skip
    shown = {"url": typed.url, "description": typed.description,
             "event_types": list(typed.event_types), "all_events": typed.all_events}  # fmt: skip
    return typed, shown, dict(form.errors)


def _common(staff: SignedInStaff, **extra: Any) -> dict[str, Any]:
    return admin_context(staff, can_manage=can(staff.role, Permission.WEBHOOKS_MANAGE),
                         descriptions=EVENT_DESCRIPTIONS, schedule=RETRY_SCHEDULE, **extra)  # fmt: skip


async def _list(
    request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, *,
    form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:  # fmt: skip
    view = await endpoints_page(staff, uow=uow)
    context = _common(staff, view=view, form=form or {"all_events": True, "event_types": []},
                      errors=errors or {})  # fmt: skip
    return render(request, "admin/webhook_endpoints.html", None, context, status_code=status_code)


async def _detail(
    request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, endpoint_id: str, *,
    clock: Clock, form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:  # fmt: skip
    view = await endpoint_page(staff, endpoint_id, uow=uow, clock=clock)
    e = view.endpoint
    shown = form or {"url": e.url, "description": e.description,
                     "event_types": list(e.event_types), "all_events": not e.event_types}  # fmt: skip
    context = _common(staff, view=view, form=shown, errors=errors or {})
    return render(request, "admin/webhook_endpoint.html", None, context, status_code=status_code)


@get(PATH, name="admin.webhook_endpoints", opt=READ)
async def show_webhook_endpoints(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    return await _list(request, staff, read_uow)


@post(PATH, name="admin.webhook_endpoints.create", opt=MANAGE)
async def submit_webhook_endpoint(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    settings: NamedDependency[Settings],
    clock: NamedDependency[Clock],
) -> Template | Redirect | Response[str]:
    typed, shown, errors = _typed(data)
    if errors:
        return await _list(request, staff, new_uow(), form=shown, errors=errors, status_code=422)
    try:
        endpoint = await create_endpoint(staff, typed, uow=new_uow(), clock=clock,
                                         allow_local=settings.is_development)  # fmt: skip
    except ValidationFailed as exc:
        return await _list(request, staff, new_uow(), form=shown, errors=staff_errors(request, exc.field_errors),
                           status_code=422)  # fmt: skip
    flash(
        request,
        tr(request, "The endpoint is added. Use its signing secret to verify deliveries."),
        "success",
    )
    return redirect_after_post(request, f"{BASE}/{endpoint.id}")


@get(PATH + "/{endpoint_id:str}", name="admin.webhook_endpoint", opt=READ)
async def show_webhook_endpoint(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    endpoint_id: FromPath[str],
) -> Template:
    return await _detail(request, staff, read_uow, endpoint_id, clock=clock)


@post(PATH + "/{endpoint_id:str}", name="admin.webhook_endpoint.update", opt=MANAGE)
async def submit_webhook_endpoint_update(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    data: Form,
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    settings: NamedDependency[Settings],
    clock: NamedDependency[Clock],
    endpoint_id: FromPath[str],
) -> Template | Redirect | Response[str]:
    typed, shown, errors = _typed(data)
    if errors:
        return await _detail(request, staff, new_uow(), endpoint_id, clock=clock, form=shown,
                             errors=errors, status_code=422)  # fmt: skip
    try:
        await update_endpoint(staff, endpoint_id, typed, uow=new_uow(), clock=clock,
                              allow_local=settings.is_development)  # fmt: skip
    except ValidationFailed as exc:
        return await _detail(request, staff, new_uow(), endpoint_id, clock=clock, form=shown,
                             errors=staff_errors(request, exc.field_errors), status_code=422)  # fmt: skip
    flash(request, tr(request, "The endpoint is saved."), "success")
    return redirect_after_post(request, f"{BASE}/{endpoint_id}")


@post(PATH + "/{endpoint_id:str}/enable", name="admin.webhook_endpoint.enable", opt=MANAGE)
async def submit_webhook_endpoint_enable(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
    endpoint_id: FromPath[str],
) -> Redirect | Response[str]:
    await set_enabled(staff, endpoint_id, True, uow=new_uow(), clock=clock)
    flash(request, tr(request, "The endpoint is enabled: new events are sent to it."), "success")
    return redirect_after_post(request, f"{BASE}/{endpoint_id}")


@post(PATH + "/{endpoint_id:str}/disable", name="admin.webhook_endpoint.disable", opt=MANAGE)
async def submit_webhook_endpoint_disable(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
    endpoint_id: FromPath[str],
) -> Redirect | Response[str]:
    await set_enabled(staff, endpoint_id, False, uow=new_uow(), clock=clock)
    flash(request, tr(request, "The endpoint is disabled: nothing more is sent to it."), "success")
    return redirect_after_post(request, f"{BASE}/{endpoint_id}")


@post(PATH + "/{endpoint_id:str}/rotate-secret", name="admin.webhook_endpoint.rotate", opt=MANAGE)
async def submit_webhook_endpoint_rotate(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
    endpoint_id: FromPath[str],
) -> Redirect | Response[str]:
    await rotate_secret(staff, endpoint_id, uow=new_uow(), clock=clock)
    flash(
        request,
        tr(
            request,
            "A new signing secret signs from the next delivery on; the old one signs "
            "too for 24 hours.",
        ),
        "success",
    )
    return redirect_after_post(request, f"{BASE}/{endpoint_id}")


@get(PATH + "/deliveries/{delivery_id:str}", name="admin.webhook_delivery", opt=READ)
async def show_webhook_delivery(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    delivery_id: FromPath[str],
) -> Template:
    view = await delivery_page(staff, delivery_id, uow=read_uow)
    context = _common(staff, view=view)
    return render(request, "admin/webhook_delivery.html", None, context)


@post(PATH + "/deliveries/{delivery_id:str}/replay", name="admin.webhook_delivery.replay",
      opt=MANAGE)  # fmt: skip
async def submit_webhook_delivery_replay(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
    delivery_id: FromPath[str],
) -> Redirect | Response[str]:
    try:
        await replay_delivery(staff, delivery_id, uow=new_uow(), clock=clock)
    except Conflict as exc:
        flash(request, staff_text(request, exc.message), "error")
        return redirect_after_post(request, f"{BASE}/deliveries/{delivery_id}")
    flash(request, tr(request, "The delivery is queued to be sent again now."), "success")
    return redirect_after_post(request, f"{BASE}/deliveries/{delivery_id}")


WEBHOOK_ENDPOINT_HANDLERS = [
    show_webhook_endpoints,
    submit_webhook_endpoint,
    show_webhook_delivery,
    submit_webhook_delivery_replay,
    show_webhook_endpoint,
    submit_webhook_endpoint_update,
    submit_webhook_endpoint_enable,
    submit_webhook_endpoint_disable,
    submit_webhook_endpoint_rotate,
]

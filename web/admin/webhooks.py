"""/admin/webhooks: the payment gateway's webhook events as received (gateway, type, payment
ref, outcome, detail), filtered by outcome and type, paged, each linked to the invoice and
customer its payment ref resolves to (``domain/operations/webhooks.py``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from domain.adapters.i18n import N_
from domain.operations.model import WebhookFilter
from domain.operations.webhooks import webhook_log_page
from domain.payments.model import WebhookOutcome
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.unit_of_work import UnitOfWork
from web.admin.jobs import parse_page
from web.admin.pages import admin_context
from web.display import tr
from web.forms import Field, FormSpec
from web.templating import render

FILTERS = FormSpec(Field("outcome", 12), Field("type", 100), Field("page", 6))
OUTCOME_NAMES = {  # the outcomes as the page names them (translated by the handler)
    WebhookOutcome.APPLIED: N_("Applied"), WebhookOutcome.REPLAYED: N_("Replayed"),
    WebhookOutcome.IGNORED: N_("Ignored"), WebhookOutcome.HELD: N_("Held"),
}  # fmt: skip
OUTCOME_HELP = {
    WebhookOutcome.APPLIED: N_("the payment's outcome was recorded"),
    WebhookOutcome.REPLAYED: N_("sent again by the gateway; nothing changed"),
    WebhookOutcome.IGNORED: N_("not about a payment of ours"),
    WebhookOutcome.HELD: N_("the gateway's read-back disagreed: look at it"),
}


@get("/webhooks", name="admin.webhooks", opt={"permission": Permission.OPERATIONS_READ})
async def show_webhooks(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
) -> Template:
    form = FILTERS.parse(request.query_params)
    outcome, event_type = form.get("outcome").strip(), form.get("type").strip()
    if outcome not in WebhookOutcome.__members__.values():
        outcome = ""
    where = WebhookFilter(
        outcome=WebhookOutcome(outcome) if outcome else None, event_type=event_type or None
    )
    view = await webhook_log_page(staff, where, page=parse_page(form.get("page")), uow=read_uow)
    typed = {"outcome": outcome, "type": event_type}
    context = admin_context(
        staff, view=view, filters=typed, query=urlencode({k: v for k, v in typed.items() if v}),
        outcome_options=[("", tr(request, "Any outcome"))]
        + [(o.value, tr(request, name)) for o, name in OUTCOME_NAMES.items()],
        outcome_help={o: tr(request, h) for o, h in OUTCOME_HELP.items()},
        outcome_names={o.value: tr(request, name) for o, name in OUTCOME_NAMES.items()},
    )  # fmt: skip
    return render(request, "admin/webhooks.html", "admin/webhooks_results.html", context)

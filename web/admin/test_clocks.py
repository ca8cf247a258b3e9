"""/admin/test-clocks: sandbox test clocks, as Stripe's Billing test clocks in its dashboard.
The list and a clock's page need ``operations.read``; creating a clock, adding a customer and
advancing need ``operations.act``. Advancing runs synchronously in the request (at most two years
at a time, the domain's limit; see docs/admin.md "Test clocks"). With a gateway other than the
sandbox the pages say so and offer no form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Response, Template

from domain.adapters.formatting import format_in_display, in_digits
from domain.adapters.i18n import N_
from domain.billing.config import BillingConfig
from domain.catalog.quantities import whole_number
from domain.payments.ports import PaymentGateway
from domain.shared.clock import Clock
from domain.shared.errors import DomainError, NotFound, ValidationFailed
from domain.shared.text import text_problem
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can
from domain.testclocks import reads
from domain.testclocks import staff as clock_staff
from domain.testclocks.service import MAX_NAME, AdvanceReport
from domain.unit_of_work import UnitOfWork
from web.admin.pages import admin_context
from web.display import current_display, tr
from web.forms import Field, FormSpec
from web.templating import is_fragment_request, redirect_after_post, render

ID_LENGTH = 36
INSTANT_FORMAT = "%Y-%m-%dT%H:%M"
CREATE_FORM = FormSpec(Field("name", MAX_NAME), Field("start", 40))
ADVANCE_FORM = FormSpec(Field("to", 40), Field("step", 10))
CUSTOMER_FORM = FormSpec(
    Field("name", 200), Field("email", 254), Field("country", 2), Field("currency", 3),
    Field("plan", 64), Field("quantity", 12), Field("trial_days", 6), Field("card", 19),
)  # fmt: skip
NEW_CUSTOMER_DEFAULTS = {"country": "US", "currency": "USD", "quantity": "1",
                         "card": "4242424242424242"}  # fmt: skip
ADVANCE_CARD = "admin/_clock_advance.html"  # what htmx swaps after a refused advance
CUSTOMER_CARD = "admin/_clock_add_customer.html"
STEP_LABELS = {"day": N_("+1 day"), "week": N_("+1 week"), "month": N_("+1 month")}
# the sandbox cards' labels (domain/testclocks/staff.py SANDBOX_CARDS) for the catalogs
CARD_WORDS = (N_("succeeds"), N_("every charge declined"), N_("insufficient funds"),
              N_("asks for 3-D Secure"))  # fmt: skip


def parse_instant(value: str, field: str) -> datetime:
    """A date-time as a ``datetime-local`` input sends it ("2027-01-31T09:00"), read as UTC
    (an offset, if typed, is kept); years 2000 to 2099."""
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            {field: "Enter a date and time like 2027-01-31 09:00 (UTC)."}
        ) from None
    if not 2000 <= at.year <= 2099:
        raise ValidationFailed({field: "Choose a date between the years 2000 and 2099."})
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _is_sandbox(gateway: PaymentGateway) -> bool:
    return gateway.name == "sandbox"


def _checked_id(clock_id: str) -> str:
    if text_problem(clock_id, max_length=ID_LENGTH):  # never sent to the database
        raise NotFound("There is no test clock with this id.")
    return clock_id


async def _list_page(
    request: Request[Any, Any, Any], staff: SignedInStaff, uow: UnitOfWork, clock: Clock,
    gateway: PaymentGateway, *, form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, status_code: int = 200,
) -> Template:  # fmt: skip
    rows = await reads.list_test_clocks(staff, uow=uow)
    context = admin_context(
        staff,
        rows=rows,
        sandbox=_is_sandbox(gateway),
        gateway_name=gateway.name,
        can_act=can(staff.role, Permission.OPERATIONS_ACT),
        form=form or {"start": clock.now().strftime(INSTANT_FORMAT)},
        errors=errors or {},
        timezone="UTC",
    )
    return render(request, "admin/test_clocks.html", None, context, status_code=status_code)


@get("/test-clocks", name="admin.test_clocks", opt={"permission": Permission.OPERATIONS_READ})
async def list_test_clocks(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    payment_gateway: NamedDependency[PaymentGateway],
) -> Template:
    return await _list_page(request, staff, read_uow, clock, payment_gateway)


@post(
    "/test-clocks", name="admin.test_clocks.create", opt={"permission": Permission.OPERATIONS_ACT}
)
async def create_test_clock(
    request: Request[Any, Any, Any],
    staff: NamedDependency[SignedInStaff],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
    payment_gateway: NamedDependency[PaymentGateway],
) -> Template | Redirect | Response[str]:
    form = CREATE_FORM.parse(await request.form())
    typed = {"name": form.get("name"), "start": form.get("start")}
    errors = dict(form.errors)
    try:
        if errors:
            raise ValidationFailed(errors)
        start = form.get("start").strip()
        frozen_at = parse_instant(start, "start") if start else clock.now()
        created = await clock_staff.create_clock(
            staff, typed["name"], frozen_at=frozen_at, uow=new_uow(), clock=clock,
            gateway=payment_gateway,
        )  # fmt: skip
    except ValidationFailed as exc:
        return await _list_page(request, staff, new_uow(), clock, payment_gateway, form=typed,
                                errors=exc.field_errors, status_code=422)  # fmt: skip
    except DomainError as exc:  # not the sandbox
        return await _list_page(request, staff, new_uow(), clock, payment_gateway, form=typed,
                                errors={"_form": exc.message}, status_code=409)  # fmt: skip
    flash(request, tr(request, "Test clock “%(name)s” created.", name=created.name), "success")
    return redirect_after_post(request, f"/admin/test-clocks/{quote(created.id)}")


async def _clock_page(
    request: Request[Any, Any, Any], staff: SignedInStaff, clock_id: str, uow: UnitOfWork,
    gateway: PaymentGateway, *, customer_form: dict[str, str] | None = None,
    customer_errors: dict[str, str] | None = None, advance_form: dict[str, str] | None = None,
    advance_errors: dict[str, str] | None = None, status_code: int = 200,
    fragment: str | None = None,
) -> Template:  # fmt: skip
    page = await reads.test_clock_page(staff, clock_id, uow=uow)
    last = page.last_advance
    context = admin_context(
        staff,
        page=page,
        sandbox=_is_sandbox(gateway),
        gateway_name=gateway.name,
        can_act=can(staff.role, Permission.OPERATIONS_ACT),
        cards=[
            (number, _card_label(request, label))
            for number, label in clock_staff.SANDBOX_CARDS.items()
        ],
        plan_options=[(p.code, _plan_label(request, p)) for p in page.plans],
        currencies=sorted({cur for p in page.plans for cur in p.currencies}),
        steps=[
            (step, in_digits(tr(request, label), current_display(request)))
            for step, label in STEP_LABELS.items()
        ],
        customer_form=customer_form or NEW_CUSTOMER_DEFAULTS,
        customer_errors=customer_errors or {},
        advance_form=advance_form
        or {"to": clock_staff.quick_target(page.clock.frozen_at, "month").strftime(INSTANT_FORMAT)},
        advance_errors=advance_errors or {},
        new_since=last.moved_from if last and last.moved_to == page.clock.frozen_at else None,
        timezone="UTC",
    )
    return render(request, "admin/test_clock.html", fragment, context, status_code=status_code)


@get(
    "/test-clocks/{clock_id:str}",
    name="admin.test_clock",
    opt={"permission": Permission.OPERATIONS_READ},
)
async def show_test_clock(
    request: Request[Any, Any, Any],
    clock_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    read_uow: NamedDependency[UnitOfWork],
    payment_gateway: NamedDependency[PaymentGateway],
) -> Template:
    return await _clock_page(request, staff, _checked_id(clock_id), read_uow, payment_gateway)


@post(
    "/test-clocks/{clock_id:str}/advance",
    name="admin.test_clock.advance",
    opt={"permission": Permission.OPERATIONS_ACT},
)
async def advance_test_clock(
    request: Request[Any, Any, Any],
    clock_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
    billing: NamedDependency[BillingConfig],
    payment_gateway: NamedDependency[PaymentGateway],
) -> Template | Redirect | Response[str]:
    clock_id = _checked_id(clock_id)
    form = ADVANCE_FORM.parse(await request.form())
    typed = {"to": form.get("to")}
    try:
        if form.errors:
            raise ValidationFailed({"to": form.first_error or ""})
        step = form.get("step") or None
        to = parse_instant(form.get("to"), "to") if not step and form.get("to").strip() else None
        report = await clock_staff.advance_clock(
            staff, clock_id, to, step=step, uow=new_uow, gateway=payment_gateway,
            config=billing, clock=clock,
        )  # fmt: skip
    except ValidationFailed as exc:
        return await _clock_page(request, staff, clock_id, new_uow(), payment_gateway,
                                 advance_form=typed, advance_errors=exc.field_errors,
                                 status_code=422, fragment=ADVANCE_CARD)  # fmt: skip
    except NotFound:
        raise
    except DomainError as exc:
        return await _clock_page(request, staff, clock_id, new_uow(), payment_gateway,
                                 advance_form=typed, advance_errors={"_form": exc.message},
                                 status_code=409, fragment=ADVANCE_CARD)  # fmt: skip
    moved_to = report.clock.frozen_at
    at = format_in_display(moved_to, display=current_display(request), timezone="UTC",
                           style="MMM d, y HH:mm")  # fmt: skip
    flash(request, tr(request, "Advanced to %(at)s UTC: %(summary)s.", at=at,
                      summary=_summary(request, report)), "success")  # fmt: skip
    return _back_to_clock(request, clock_id, "#last-advance")


def _back_to_clock(
    request: Request[Any, Any, Any], clock_id: str, anchor: str
) -> Redirect | Response[str]:
    """The clock's page after a change. htmx gets the address without the anchor: a location
    differing only by its anchor would scroll the page, not load it again."""
    back = f"/admin/test-clocks/{quote(clock_id)}"
    return redirect_after_post(request, back if is_fragment_request(request) else back + anchor)


def _card_label(request: Request[Any, Any, Any], label: str) -> str:
    """ "4242 · succeeds": the last four digits as they are, the outcome translated."""
    last4, _, outcome = label.partition(" · ")
    return f"{last4} · {tr(request, outcome)}" if outcome else label


def _plan_label(request: Request[Any, Any, Any], plan: reads.PlanOption) -> str:
    parts = [plan.name, ", ".join(plan.currencies)]
    if plan.per_seat:
        parts.append(tr(request, "per seat"))
    if plan.trial_days:
        days = in_digits(str(plan.trial_days), current_display(request))
        parts.append(tr(request, "%(days)s-day trial", days=days))
    return " · ".join(parts)


def _summary(request: Request[Any, Any, Any], report: AdvanceReport) -> str:
    def n(value: int) -> str:
        return in_digits(str(value), current_display(request))

    return tr(request, "renewals: %(renewals)s, invoices charged: %(charged)s, dunning retries: "
                       "%(retries)s", renewals=n(report.renewals), charged=n(report.collections),
              retries=n(report.dunning_retries))  # fmt: skip


@post(
    "/test-clocks/{clock_id:str}/customers",
    name="admin.test_clock.customers.add",
    opt={"permission": Permission.OPERATIONS_ACT},
)
async def add_test_clock_customer(
    request: Request[Any, Any, Any],
    clock_id: FromPath[str],
    staff: NamedDependency[SignedInStaff],
    new_uow: NamedDependency[Callable[[], UnitOfWork]],
    clock: NamedDependency[Clock],
    billing: NamedDependency[BillingConfig],
    payment_gateway: NamedDependency[PaymentGateway],
) -> Template | Redirect | Response[str]:
    clock_id = _checked_id(clock_id)
    form = CUSTOMER_FORM.parse(await request.form())
    typed = {k: form.get(k) for k in ("name", "email", "country", "currency", "plan",
                                      "quantity", "trial_days", "card")}  # fmt: skip
    errors = dict(form.errors)
    quantity = trial_days = None
    try:
        quantity = whole_number(typed["quantity"] or "1")
    except ValueError:
        errors["quantity"] = "Enter a whole number of seats."
    try:
        trial_days = whole_number(typed["trial_days"])
    except ValueError:
        errors["trial_days"] = "Enter a whole number of days, or leave it empty."
    try:
        if errors or quantity is None:
            raise ValidationFailed(errors)
        new = clock_staff.NewClockCustomer(
            name=typed["name"], email=typed["email"], country=typed["country"],
            currency=typed["currency"], plan_code=typed["plan"], quantity=quantity,
            trial_days=trial_days, card=typed["card"],
        )  # fmt: skip
        added = await clock_staff.add_clock_customer(
            staff, clock_id, new, uow=new_uow, gateway=payment_gateway, config=billing,
            clock=clock,
        )  # fmt: skip
    except ValidationFailed as exc:
        return await _clock_page(request, staff, clock_id, new_uow(), payment_gateway,
                                 customer_form=typed, customer_errors=exc.field_errors,
                                 status_code=422, fragment=CUSTOMER_CARD)  # fmt: skip
    except NotFound:
        raise
    except DomainError as exc:
        return await _clock_page(request, staff, clock_id, new_uow(), payment_gateway,
                                 customer_form=typed, customer_errors={"_form": exc.message},
                                 status_code=409, fragment=CUSTOMER_CARD)  # fmt: skip
    sub = added.outcome.subscription
    flash(request, tr(request, "%(name)s added on the clock (%(status)s).",
                      name=typed["name"].strip(), status=tr(request, sub.status.value)),
          "success")  # fmt: skip
    return _back_to_clock(request, clock_id, "#customers")

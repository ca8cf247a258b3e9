"""The subscriber's profile (/account/profile): name, e-mail (changed through a link sent to the
new address), billing details for future invoices, password, linked sign-in providers, e-mail
preferences and sessions. Each form posts to its own URL and redirects back (303); a form with
mistakes is shown again with 422 and the subscriber's input."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from domain.accounts.identities import linked_identities
from domain.accounts.model import SignedIn
from domain.accounts.notice_preferences import set_email_preferences
from domain.accounts.passwords import change_password
from domain.accounts.profile import (
    check_email_change_link,
    confirm_email_change,
    get_account,
    rename_account,
    request_email_change,
)
from domain.accounts.rules import MAX_EMAIL, MAX_NAME, MAX_PASSWORD, OPTIONAL_NOTICES
from domain.accounts.sessions import list_sessions
from domain.checkout.service import MAX_ADDRESS
from domain.customers.service import MAX_REGION, MAX_TAX_ID, get_customer, update_billing_details
from domain.shared.countries import country_choices
from domain.shared.errors import ValidationFailed
from domain.shared.ids import CustomerId
from web.forms import Field, FormSpec, ParsedForm
from web.runtime import Runtime
from web.templating import render

PROFILE = "/account/profile"
NAME_FORM = FormSpec(Field("name", MAX_NAME))
EMAIL_FORM = FormSpec(Field("email", MAX_EMAIL))
BILLING_FORM = FormSpec(
    Field("name", MAX_NAME),
    Field("address", 4 * (MAX_ADDRESS + 2), multiline=True),
    Field("country", 10),
    Field("region", MAX_REGION),
    Field("tax_id", MAX_TAX_ID),
)
PASSWORD_FORM = FormSpec(
    Field("current_password", MAX_PASSWORD), Field("new_password", MAX_PASSWORD)
)
NOTICES_FORM = FormSpec(Field("notice", 40, many=True))
NOTICE_LABELS = {
    "upcoming_renewal": "A week before an annual renewal",
    "trial_ending": "Three days before a trial ends",
    "card_expiring": "When my card is about to expire",
}


async def _context(
    runtime: Runtime,
    signed_in: SignedIn,
    forms: dict[str, dict[str, str]],
    errors: dict[str, dict[str, str]],
) -> dict[str, Any]:
    account = await get_account(signed_in, uow=runtime.uow())
    customer = (
        await get_customer(CustomerId(signed_in.customer_id), uow=runtime.uow())
        if signed_in.customer_id
        else None
    )
    providers = list(runtime.oidc_providers.values())  # each has .slug and .name
    billing = {
        "name": customer.name if customer else "",
        "address": "\n".join(customer.address_lines) if customer else "",
        "country": customer.country if customer else "",
        "region": (customer.region or "") if customer else "",
        "tax_id": (customer.tax_id or "") if customer else "",
    }
    return {
        "subscriber_email": signed_in.email,
        "account": account,
        "customer": customer,
        "identities": await linked_identities(signed_in, uow=runtime.uow()),
        "countries": country_choices(),
        "sessions": await list_sessions(
            signed_in.account_id, uow=runtime.uow(), clock=runtime.clock
        ),
        "current_session": signed_in.session_id,
        "providers": providers,
        "notices": [
            (
                k.value,
                NOTICE_LABELS.get(k.value, k.value),
                account.email_preferences.get(k.value, True),
            )
            for k in OPTIONAL_NOTICES
        ],
        "forms": {"name": {"name": account.name}, "email": {"email": ""}, "billing": billing}
        | forms,
        "errors": {"name": {}, "email": {}, "billing": {}, "password": {}} | errors,
    }


@get(PROFILE, name="portal.profile")
async def show_profile(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Template:
    return render(request, "portal/profile.html", None, await _context(runtime, signed_in, {}, {}))


async def _again(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    signed_in: SignedIn,
    form: str,
    values: dict[str, str],
    exc: ValidationFailed,
) -> Template:
    ctx = await _context(runtime, signed_in, {form: values}, {form: exc.field_errors})
    return render(request, "portal/profile.html", None, ctx, status_code=422)


def _refuse(form: ParsedForm) -> None:
    """A field refused as typed: the form comes back with its message, nothing is called."""
    if form.errors:
        raise ValidationFailed(form.errors)


def _back(message: str, request: Request[Any, Any, Any]) -> Redirect:
    flash(request, message, "success")
    return Redirect(PROFILE, status_code=303)


@post(PROFILE + "/name", name="portal.profile.name")
async def update_name(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Template | Redirect:
    form = NAME_FORM.parse(await request.form())
    values = {"name": form.get("name")}
    try:
        _refuse(form)
        await rename_account(signed_in, values["name"], uow=runtime.uow())
    except ValidationFailed as exc:
        return await _again(request, runtime, signed_in, "name", values, exc)
    return _back("Your name is saved.", request)


@post(PROFILE + "/email", name="portal.profile.email")
async def change_email(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Template | Redirect:
    form = EMAIL_FORM.parse(await request.form())
    values = {"email": form.get("email").strip()}
    try:
        _refuse(form)
        await request_email_change(
            signed_in, values["email"], uow=runtime.uow(), clock=runtime.clock,
            mailing=runtime.mailing,
        )  # fmt: skip
    except ValidationFailed as exc:
        return await _again(request, runtime, signed_in, "email", values, exc)
    return _back(
        f"We sent a confirmation link to {values['email'].lower()}. Your address changes when "
        "you use it.",
        request,
    )


@get(PROFILE + "/email/{secret:str}", name="portal.profile.email.confirm")
async def show_email_confirmation(
    request: Request[Any, Any, Any],
    secret: FromPath[str],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Template:
    """The link from the e-mail shows a button (a GET never changes anything: mail scanners
    follow links)."""
    new_email = await check_email_change_link(
        signed_in, secret, uow=runtime.uow(), clock=runtime.clock
    )
    return render(
        request, "portal/profile_email_confirm.html", None,
        {"subscriber_email": signed_in.email, "secret": secret, "new_email": new_email},
    )  # fmt: skip


@post(PROFILE + "/email/{secret:str}", name="portal.profile.email.confirm.submit")
async def submit_email_confirmation(
    request: Request[Any, Any, Any],
    secret: FromPath[str],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Redirect:
    account = await confirm_email_change(signed_in, secret, uow=runtime.uow(), clock=runtime.clock)
    return _back(f"Your e-mail address is now {account.email}.", request)


@post(PROFILE + "/billing", name="portal.profile.billing")
async def update_billing(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Template | Redirect:
    form = BILLING_FORM.parse(await request.form())
    values = {k: form.get(k) for k in ("name", "address", "country", "region", "tax_id")}
    try:
        _refuse(form)
        if not signed_in.customer_id:
            raise ValidationFailed({"name": "You have no billing account yet."})
        await update_billing_details(
            CustomerId(signed_in.customer_id),
            name=values["name"],
            country=values["country"].strip(),
            address_lines=tuple(values["address"].splitlines()),
            region=values["region"],
            tax_id=values["tax_id"],
            uow=runtime.uow(),
        )
    except ValidationFailed as exc:
        return await _again(request, runtime, signed_in, "billing", values, exc)
    return _back("Your billing details are saved. Your next invoices will show them.", request)


@post(PROFILE + "/password", name="portal.profile.password")
async def update_password(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Template | Redirect:
    form = PASSWORD_FORM.parse(await request.form())
    try:
        _refuse(form)
        await change_password(
            signed_in,
            form.get("current_password"),
            form.get("new_password"),
            uow=runtime.uow(),
            clock=runtime.clock,
            hasher=runtime.hasher,
        )
    except ValidationFailed as exc:
        errors = {
            ("new_password" if k == "password" else k): v for k, v in exc.field_errors.items()
        }
        return await _again(request, runtime, signed_in, "password", {}, ValidationFailed(errors))
    return _back("Your password is changed. Your other sessions are signed out.", request)


@post(PROFILE + "/notifications", name="portal.profile.notifications")
async def update_notifications(
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    signed_in: NamedDependency[SignedIn],
) -> Redirect:
    form = NOTICES_FORM.parse(await request.form())
    if form.errors:
        flash(request, "Your e-mail preferences could not be read; nothing was changed.", "error")
        return Redirect(PROFILE, status_code=303)
    wanted = set(form.lists.get("notice", []))
    await set_email_preferences(signed_in, wanted, uow=runtime.uow())
    return _back("Your e-mail preferences are saved.", request)

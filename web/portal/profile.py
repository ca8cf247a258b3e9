"""The subscriber's profile (/account/profile): name, e-mail (changed through a link sent to the
new address), billing details for future invoices, password, linked sign-in providers, language
and dates (language, digits, calendar, time zone), e-mail preferences and sessions. Each form posts to its own URL and redirects back (303); a form with
mistakes is shown again with 422 and the subscriber's input."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, SkipValidation
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from domain.accounts.display_preferences import set_display_preferences
from domain.accounts.mailing import Mailing
from domain.accounts.notice_preferences import set_email_preferences
from domain.accounts.own_account import change_billing_details, view_own_account
from domain.accounts.passwords import change_password
from domain.accounts.ports import PasswordHasher
from domain.accounts.profile import (
    check_email_change_link,
    confirm_email_change,
    rename_account,
    request_email_change,
)
from domain.accounts.rules import MAX_EMAIL, MAX_NAME, MAX_PASSWORD
from domain.adapters.country_names import country_choices_in
from domain.checkout.service import MAX_ADDRESS
from domain.customers.service import MAX_REGION, MAX_TAX_ID
from domain.shared.display import parse_preferences
from domain.shared.errors import ValidationFailed
from domain.shared.time_zones import MAX_ZONE, zone_names
from web.display import current_display, display_cookie, display_form_errors, tr
from web.forms import Field, FormSpec, ParsedForm
from web.portal.scope import Subscriber
from web.runtime import OidcProvider
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
DISPLAY_FORM = FormSpec(
    Field("language", 10), Field("digits", 10), Field("calendar", 10), Field("timezone", MAX_ZONE)
)


def notice_labels(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The optional reminders' labels, in the page's language."""
    return {
        "upcoming_renewal": tr(request, "A week before an annual renewal"),
        "trial_ending": tr(request, "Three days before a trial ends"),
        "card_expiring": tr(request, "When my card is about to expire"),
    }


async def _context(
    request: Request[Any, Any, Any],
    subscriber: Subscriber,
    providers: dict[str, OidcProvider],
    forms: dict[str, dict[str, str]],
    errors: dict[str, dict[str, str]],
) -> dict[str, Any]:
    view = await view_own_account(
        subscriber.signed_in, uow=subscriber.uow(), clock=subscriber.clock
    )
    account, customer = view.account, view.customer
    billing = {
        "name": customer.name if customer else "",
        "address": "\n".join(customer.address_lines) if customer else "",
        "country": customer.country if customer else "",
        "region": (customer.region or "") if customer else "",
        "tax_id": (customer.tax_id or "") if customer else "",
    }
    labels = notice_labels(request)
    shown = current_display(request)
    display = {
        "language": shown.language,
        "digits": shown.digits.value,
        "calendar": shown.calendar.value,
        "timezone": shown.timezone,
    }
    return {
        "subscriber_email": subscriber.email,
        "time_zones": zone_names(),
        "account": account,
        "customer": customer,
        "identities": view.identities,
        "countries": country_choices_in(shown.language),
        "sessions": view.sessions,
        "current_session": subscriber.signed_in.session_id,
        "providers": list(providers.values()),  # each has .slug and .name
        "notices": [(kind, labels.get(kind, kind), on) for kind, on in view.notices],
        "forms": {
            "name": {"name": account.name},
            "email": {"email": ""},
            "billing": billing,
            "display": display,
        }
        | forms,
        "errors": {"name": {}, "email": {}, "billing": {}, "password": {}, "display": {}} | errors,
    }


@get(PROFILE, name="portal.profile")
async def show_profile(
    request: Request[Any, Any, Any],
    subscriber: NamedDependency[Subscriber],
    oidc_providers: NamedDependency[dict[str, OidcProvider]],
) -> Template:
    ctx = await _context(request, subscriber, oidc_providers, {}, {})
    return render(request, "portal/profile.html", None, ctx)


async def _again(
    request: Request[Any, Any, Any],
    subscriber: Subscriber,
    providers: dict[str, OidcProvider],
    form: str,
    values: dict[str, str],
    exc: ValidationFailed,
) -> Template:
    ctx = await _context(request, subscriber, providers, {form: values}, {form: exc.field_errors})
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
    subscriber: NamedDependency[Subscriber],
    oidc_providers: NamedDependency[dict[str, OidcProvider]],
) -> Template | Redirect:
    form = NAME_FORM.parse(await request.form())
    values = {"name": form.get("name")}
    try:
        _refuse(form)
        await rename_account(subscriber.signed_in, values["name"], uow=subscriber.uow())
    except ValidationFailed as exc:
        return await _again(request, subscriber, oidc_providers, "name", values, exc)
    return _back(tr(request, "Your name is saved."), request)


@post(PROFILE + "/email", name="portal.profile.email")
async def change_email(
    request: Request[Any, Any, Any],
    subscriber: NamedDependency[Subscriber],
    oidc_providers: NamedDependency[dict[str, OidcProvider]],
    mailing: NamedDependency[Mailing],
) -> Template | Redirect:
    form = EMAIL_FORM.parse(await request.form())
    values = {"email": form.get("email").strip()}
    try:
        _refuse(form)
        await request_email_change(
            subscriber.signed_in, values["email"], uow=subscriber.uow(), clock=subscriber.clock,
            mailing=mailing,
        )  # fmt: skip
    except ValidationFailed as exc:
        return await _again(request, subscriber, oidc_providers, "email", values, exc)
    return _back(
        tr(request, "We sent a confirmation link to %(email)s. Your address changes when you "
           "use it.", email=values["email"].lower()),
        request,
    )  # fmt: skip


@get(PROFILE + "/email/{secret:str}", name="portal.profile.email.confirm")
async def show_email_confirmation(
    request: Request[Any, Any, Any],
    secret: FromPath[str],
    subscriber: NamedDependency[Subscriber],
) -> Template:
    """The link from the e-mail shows a button (a GET never changes anything: mail scanners
    follow links)."""
    new_email = await check_email_change_link(
        subscriber.signed_in, secret, uow=subscriber.uow(), clock=subscriber.clock
    )
    return render(
        request, "portal/profile_email_confirm.html", None,
        {"subscriber_email": subscriber.email, "secret": secret, "new_email": new_email},
    )  # fmt: skip


@post(PROFILE + "/email/{secret:str}", name="portal.profile.email.confirm.submit")
async def submit_email_confirmation(
    request: Request[Any, Any, Any],
    secret: FromPath[str],
    subscriber: NamedDependency[Subscriber],
) -> Redirect:
    account = await confirm_email_change(
        subscriber.signed_in, secret, uow=subscriber.uow(), clock=subscriber.clock
    )
    return _back(tr(request, "Your e-mail address is now %(email)s.", email=account.email), request)


@post(PROFILE + "/billing", name="portal.profile.billing")
async def update_billing(
    request: Request[Any, Any, Any],
    subscriber: NamedDependency[Subscriber],
    oidc_providers: NamedDependency[dict[str, OidcProvider]],
) -> Template | Redirect:
    form = BILLING_FORM.parse(await request.form())
    values = {k: form.get(k) for k in ("name", "address", "country", "region", "tax_id")}
    try:
        _refuse(form)
        await change_billing_details(
            subscriber.signed_in,
            name=values["name"],
            country=values["country"].strip(),
            address_lines=tuple(values["address"].splitlines()),
            region=values["region"],
            tax_id=values["tax_id"],
            uow=subscriber.uow(),
            clock=subscriber.clock,
        )
    except ValidationFailed as exc:
        return await _again(request, subscriber, oidc_providers, "billing", values, exc)
    return _back(
        tr(request, "Your billing details are saved. Your next invoices will show them."), request
    )


@post(PROFILE + "/password", name="portal.profile.password")
async def update_password(
    request: Request[Any, Any, Any],
    subscriber: NamedDependency[Subscriber],
    oidc_providers: NamedDependency[dict[str, OidcProvider]],
    hasher: NamedDependency[SkipValidation[PasswordHasher]],
) -> Template | Redirect:
    form = PASSWORD_FORM.parse(await request.form())
    try:
        _refuse(form)
        await change_password(
            subscriber.signed_in,
            form.get("current_password"),
            form.get("new_password"),
            uow=subscriber.uow(),
            clock=subscriber.clock,
            hasher=hasher,
        )
    except ValidationFailed as exc:
        errors = {
            ("new_password" if k == "password" else k): v for k, v in exc.field_errors.items()
        }
        return await _again(
            request, subscriber, oidc_providers, "password", {}, ValidationFailed(errors)
        )
    return _back(
        tr(request, "Your password is changed. Your other sessions are signed out."), request
    )


@post(PROFILE + "/notifications", name="portal.profile.notifications")
async def update_notifications(
    request: Request[Any, Any, Any], subscriber: NamedDependency[Subscriber]
) -> Redirect:
    form = NOTICES_FORM.parse(await request.form())
    if form.errors:
        flash(
            request,
            tr(request, "Your e-mail preferences could not be read; nothing was changed."),
            "error",
        )
        return Redirect(PROFILE, status_code=303)
    wanted = set(form.lists.get("notice", []))
    await set_email_preferences(subscriber.signed_in, wanted, uow=subscriber.uow())
    return _back(tr(request, "Your e-mail preferences are saved."), request)


@post(PROFILE + "/display", name="portal.profile.display")
async def update_display(
    request: Request[Any, Any, Any],
    subscriber: NamedDependency[Subscriber],
    oidc_providers: NamedDependency[dict[str, OidcProvider]],
) -> Template | Redirect:
    """Language, digits, calendar and time zone, saved on the account (and in the browser's
    cookie, as the header's switch does); a refused field shows the form again with its
    message."""
    form = DISPLAY_FORM.parse(await request.form())
    values = {k: form.get(k) for k in ("language", "digits", "calendar", "timezone")}
    try:
        _refuse(form)
        prefs = parse_preferences(
            values["language"], values["digits"], values["calendar"], values["timezone"],
            current=subscriber.signed_in.display,
        )  # fmt: skip
    except ValidationFailed as exc:
        errors = ValidationFailed(display_form_errors(request, exc))
        return await _again(request, subscriber, oidc_providers, "display", values, errors)
    await set_display_preferences(subscriber.signed_in, prefs, uow=subscriber.uow())
    flash(request, tr(request, "Your language and date settings are saved."), "success")
    return Redirect(PROFILE, status_code=303, cookies=[display_cookie(request, prefs)])

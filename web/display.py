"""Which language, digits and calendar a request is shown in, and the language switch.

``resolve_display`` (part of the app's ``before_request``) picks, in order: the signed-in
subscriber's saved choice (their account), the visitor's switch (the ``display`` cookie, set by
the switch for anyone, signed in or not), the browser's ``Accept-Language``, the site's
default (``APP_LOCALE``). The result (``domain.shared.display.Display``) is stored in the request
state, where the templates' gettext callables and formatting filters read it
(``domain.adapters.i18n.display_of``); ``tr`` translates a flash message or a form error with it.

Staff have their own choice, saved on their staff record: ``POST /admin/display``
(``web/admin/display.py``), read here on /admin pages.

``POST /display`` is the switch: a form (CSRF, no JavaScript) with ``language`` (and, optional,
``digits`` and ``calendar``); a signed-in subscriber's choice is saved on their account
(``set_display_preferences``), anyone's in the cookie; back to ``next`` (a local path). The
profile's "Language and dates" form (with the time zone) posts to ``/account/profile/display``
(``web/portal/profile.py``), which shows the page again with a message when a field is refused.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.plugins.flash import flash
from litestar.response import Redirect

from domain.accounts.display_preferences import set_display_preferences
from domain.accounts.model import SignedIn
from domain.adapters.formatting import in_digits
from domain.adapters.i18n import DISPLAY_STATE, REQUEST_DISPLAY, gettext_for
from domain.shared.display import (
    Display,
    DisplayPreferences,
    language_of_locale,
    negotiate,
    parse_preferences,
)
from domain.shared.errors import ValidationFailed
from web.auth.session import safe_next, viewer
from web.deps import UowFactory
from web.forms import Field, FormSpec
from web.settings import Settings

DISPLAY_COOKIE = "display"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (RFC 6265bis)

SWITCH_FORM = FormSpec(
    Field("language", 10), Field("digits", 10), Field("calendar", 10), Field("next", 500)
)


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings


STAFF_STATE = "signed_in_staff"  # web/admin/access.py resolves the staff member there (a guard)


def chosen(request: Request[Any, Any, Any]) -> DisplayPreferences:
    """The request's saved or switched choice (an /admin page: the staff member's own; else the
    subscriber's account's), else the cookie's."""
    staff = request.scope.get("state", {}).get(STAFF_STATE)
    if staff is not None and request.url.path.startswith("/admin") and staff.display.language:
        prefs: DisplayPreferences = staff.display
        return prefs
    who = viewer(request)
    if who is not None and who.display.language:
        return who.display
    return DisplayPreferences.from_cookie(request.cookies.get(DISPLAY_COOKIE))


def display_for(request: Request[Any, Any, Any], site_locale: str) -> Display:
    prefs = chosen(request)
    language = prefs.language or negotiate(
        request.headers.get("accept-language"), language_of_locale(site_locale)
    )
    return Display.resolve(language, prefs, site_locale=site_locale)


async def resolve_display(request: Request[Any, Any, Any]) -> None:
    """``before_request``: the request's ``Display`` into its state (after ``resolve_viewer``,
    which resolved the signed-in subscriber of a page view)."""
    if request.url.path.startswith(("/static/", "/healthz")):
        return
    state = request.scope.setdefault("state", {})
    display = display_for(request, _settings(request).default_locale)
    state[DISPLAY_STATE] = display
    REQUEST_DISPLAY.set(display)  # for macros imported without the template's context


def current_display(request: Request[Any, Any, Any]) -> Display:
    display = request.scope.get("state", {}).get(DISPLAY_STATE)
    if isinstance(display, Display):
        return display
    return display_for(request, _settings(request).default_locale)


def tr(request: Request[Any, Any, Any], message: str, **variables: Any) -> str:
    """A message (a flash, a form error) in the request's language; extracted by pybabel as
    ``tr(request, "...")`` (babel.cfg). The values put in it are written for the sentence
    (``in_sentence``)."""
    display = current_display(request)
    shown = {name: in_sentence(value, display) for name, value in variables.items()}
    return gettext_for(display.language, message, **shown)


def in_sentence(value: Any, display: Display) -> Any:
    """A value inside a translated sentence: a count in the reader's digits; a text (an e-mail
    address, a code, a name) isolated (U+2068 ... U+2069) in a right-to-left sentence, so it
    keeps its own direction and its punctuation stays where it was typed."""
    if isinstance(value, int) and not isinstance(value, bool):
        return in_digits(str(value), display)
    if isinstance(value, str) and value and display.direction == "rtl" and value[0] != "\u2068":
        return f"\u2068{value}\u2069"
    return value


@post("/display", name="display.switch", include_in_schema=False)
async def switch_display(
    request: Request[Any, Any, Any],
    new_uow: NamedDependency[UowFactory],
    maybe_signed_in: NamedDependency[SignedIn | None],
) -> Redirect:
    form = SWITCH_FORM.parse(await request.form())
    target = safe_next(form.get("next"), default="/")
    current = maybe_signed_in.display if maybe_signed_in is not None else chosen(request)
    try:
        if form.errors:
            raise ValidationFailed(form.errors)
        prefs = parse_preferences(
            form.get("language"), form.get("digits"), form.get("calendar"), current=current
        )
    except ValidationFailed:
        flash(request, tr(request, "That language or setting is not offered."), "error")
        return Redirect(target, status_code=303)
    if maybe_signed_in is not None:
        await set_display_preferences(maybe_signed_in, prefs, uow=new_uow())
    return Redirect(target, status_code=303, cookies=[display_cookie(request, prefs)])


def display_cookie(request: Request[Any, Any, Any], prefs: DisplayPreferences) -> Cookie:
    """The ``display`` cookie keeping a choice on this browser (signed in or not)."""
    return Cookie(
        key=DISPLAY_COOKIE,
        value=prefs.to_cookie(),
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        secure=_settings(request).secure_cookies,
        samesite="lax",
    )


def display_form_errors(request: Request[Any, Any, Any], exc: ValidationFailed) -> dict[str, str]:
    """A refused display form's messages, per field, in the request's language (the profile's
    and the staff's "Language and dates" forms)."""
    wording = {
        "language": tr(request, "Choose one of the languages offered."),
        "digits": tr(request, "Choose the language's own digits or Latin digits."),
        "calendar": tr(request, "Choose the Gregorian or the Solar Hijri calendar."),
        "timezone": tr(
            request,
            "That is not a time zone we know. Enter its IANA name, such as Europe/London or "
            "Asia/Tehran, or leave the field empty for the site's time zone.",
        ),
    }
    return {
        field: wording.get(field, tr(request, "Check this value."))
        for field in exc.field_errors or {"language": ""}
    }

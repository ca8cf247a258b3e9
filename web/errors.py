"""The single mapping from errors to responses.

| Error                          | Status | HTML (page / htmx fragment)         | /api/ (RFC 9457)     |
| NotFound, 404                  | 404    | errors/404.html / errors/_inline    | problem+json         |
| PermissionDenied, 403          | 403    | errors/403.html / errors/_inline    | problem+json         |
| ValidationFailed               | 422    | errors/_inline (forms handle their own re-render) | with field errors |
| InvalidTransition, Conflict    | 409    | htmx: the #flash region (``HX-Retarget``); else flash + 303 back | problem+json |
| PaymentDeclined                | 422    | errors/_inline                      | problem+json         |
| SignInRequired (anonymous on a guarded page) | 303 | to /auth/login?next=...; htmx: HX-Redirect | 401 problem+json |
| TooManyAttempts / SignInFailed / BadToken | 429 / 401 / 410 | the form's own page | problem+json |
| anything else                  | 500    | errors/500.html, logged with the request id | problem+json |

A problem's ``title`` is in the language the request's ``Accept-Language`` prefers (Persian for
``fa``; none: the site's, ``APP_LOCALE``), with ``Content-Language`` saying which; so are its
``detail`` and the messages of ``errors`` when the catalog has them (``web/api/problem_words.py``: looked up
through ``web.messages.localise_to`` as the pages do, then the API's own messages), else as written. Its ``type``, ``code``, ``status`` and the field
names in ``errors`` never change with the language.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.plugins.flash import flash
from litestar.plugins.problem_details import ProblemDetailsException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from domain.accounts.errors import BadToken, SignInFailed, TooManyAttempts
from domain.adapters.i18n import N_, REQUEST_DISPLAY, gettext_for
from domain.shared.display import Display, DisplayPreferences, language_of_locale, negotiate
from domain.shared.errors import (
    Conflict,
    DomainError,
    InvalidTransition,
    NotFound,
    PaymentDeclined,
    PermissionDenied,
    ValidationFailed,
)
from web.api.problem_words import api_text
from web.auth.session import SignInRequired, safe_next
from web.display import current_display
from web.messages import localise
from web.templating import is_fragment_request, redirect_after_post

log = logging.getLogger("errors")

_STATUS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (PermissionDenied, 403),
    (ValidationFailed, 422),
    (PaymentDeclined, 422),
    (InvalidTransition, 409),
    (Conflict, 409),
    (TooManyAttempts, 429),
    (SignInFailed, 401),
    (BadToken, 410),
]

_TITLES = {  # English, the source; translated per request (``problem_title``)
    400: N_("Bad request"),
    401: N_("Sign-in required"),
    403: N_("Forbidden"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    410: N_("Gone"),
    422: N_("Unprocessable content"),
    429: N_("Too many requests"),
    500: N_("Internal server error"),
    503: N_("Service unavailable"),
}
N_("Error")  # any other status


def _site_locale(request: Request[Any, Any, Any]) -> str:
    runtime = getattr(request.app.state, "runtime", None)
    return str(getattr(getattr(runtime, "settings", None), "default_locale", "en_US"))


def problem_language(request: Request[Any, Any, Any]) -> str:
    """The language of a problem's ``title``: the best of ``Accept-Language``, else the site's."""
    site_locale = _site_locale(request)
    return negotiate(request.headers.get("accept-language"), language_of_locale(site_locale))


def problem_text(request: Request[Any, Any, Any], message: str) -> str:
    """A problem's ``detail`` or field message in the language of its ``title`` when the catalog
    has it (numbers in it in that language's digits), else as written."""
    language = problem_language(request)
    if language == "en" or not message:
        return message
    display = Display.resolve(language, DisplayPreferences(), site_locale=_site_locale(request))
    return api_text(display, message)


def problem_title(request: Request[Any, Any, Any], status: int) -> tuple[str, dict[str, str]]:
    """A status's title in the request's language, and the headers saying which language it is
    in (``Content-Language``) and that it depends on ``Accept-Language`` (``Vary``)."""
    language = problem_language(request)
    title = gettext_for(language, _TITLES.get(status, "Error"))
    return title, {"Content-Language": language, "Vary": "Accept-Language"}


def status_of(exc: DomainError) -> int:
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def _request_id(request: Request[Any, Any, Any]) -> str | None:
    value = request.scope.get("state", {}).get("request_id")
    return str(value) if value else None


def _wants_problem_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def _problem(
    request: Request[Any, Any, Any],
    *,
    status: int,
    detail: str,
    code: str | None = None,
    errors: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    extra: dict[str, Any] = {"request_id": _request_id(request)}
    if code:
        extra["code"] = code
    if errors:
        extra["errors"] = {field: problem_text(request, said) for field, said in errors.items()}
    title, language_headers = problem_title(request, status)
    problem = ProblemDetailsException(
        type_=f"/problems/{code}" if code else "about:blank",
        title=title,
        status_code=status,
        detail=problem_text(request, detail),
        instance=request.url.path,
        extra=extra,
        headers=language_headers | (headers or {}),
    )
    return problem.to_response(request)


def _html(request: Request[Any, Any, Any], status: int, detail: str) -> Response[Any]:
    # the person's language even when no handler ran (an unknown path: before_request did not)
    display = current_display(request)
    REQUEST_DISPLAY.set(display)
    context = {
        "detail": detail,
        "status_code": status,
        "request_id": _request_id(request),
        "display": display,
    }
    if is_fragment_request(request):
        return Template("errors/_inline.html", context=context, status_code=status)
    page = {403: "errors/403.html", 404: "errors/404.html", 500: "errors/500.html"}.get(
        status, "errors/error.html" if status < 500 else "errors/500.html"
    )
    return Template(page, context=context, status_code=status, media_type=MediaType.HTML)


def _back(request: Request[Any, Any, Any]) -> str:
    """Where to send the browser after a refused action: the page it came from, if ours."""
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    if referer and parts.netloc == request.url.netloc:
        return urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return "/"


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = status_of(exc)
    if _wants_problem_json(request):
        errors = exc.field_errors if isinstance(exc, ValidationFailed) else None
        detail = exc.message
        if errors and detail == "; ".join(f"{k}: {v}" for k, v in errors.items()):
            # the summary ValidationFailed writes: each message in the caller's language
            detail = "; ".join(f"{k}: {problem_text(request, v)}" for k, v in errors.items())
        return _problem(request, status=status, detail=detail, code=exc.code, errors=errors)
    if status == 409 and "session" in request.scope:
        # a refused state change: say why in the flash region, keep the user where they were
        flash(request, localise(request, exc.message), "error")
        if is_fragment_request(request):
            return Template(
                "components/flash.html",
                status_code=status,
                headers={"HX-Retarget": "#flash", "HX-Reswap": "outerHTML"},
            )
        return Redirect(_back(request), status_code=303)
    return _html(request, status, exc.message)


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    detail = exc.detail if status < 500 else _TITLES[500]
    if _wants_problem_json(request):
        errors = None
        if isinstance(exc.extra, list):  # Litestar's validation errors
            errors = {
                str(e.get("key", "")): str(e.get("message", ""))
                for e in exc.extra
                if isinstance(e, dict)
            }
        code = getattr(exc, "code", None)  # web.api.auth.ApiRefusal
        return _problem(request, status=status, detail=detail, code=code, errors=errors,
                        headers=exc.headers)  # fmt: skip
    if status == 404:
        detail = "We couldn't find the page you asked for."
    return _html(request, status, detail)


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if _wants_problem_json(request):
        return _problem(
            request,
            status=HTTP_500_INTERNAL_SERVER_ERROR,
            detail="Something went wrong on our side. Quote the request id if you contact support.",
        )
    return _html(request, 500, "Something went wrong on our side.")


def handle_sign_in_required(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    """Anonymous on a guarded page: to the sign-in page, then back (htmx: a full redirect)."""
    target = f"/auth/login?next={quote(safe_next(exc.next_path), safe='/?=&')}"
    if _wants_problem_json(request):
        return _problem(request, status=401, detail="Sign in first.", code="sign_in_required")
    return redirect_after_post(request, target)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    SignInRequired: handle_sign_in_required,
    DomainError: handle_domain_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}

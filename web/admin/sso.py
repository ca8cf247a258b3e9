"""Staff single sign-on (``STAFF_OIDC_*``): /admin/sso/start (off to the company's provider) and
/admin/sso/callback. The flow is the subscribers' (``web/auth/oidc_flow.py``) under its own
session key; the use case (``domain/staff/single_sign_on.py``) signs in an existing, active
member with the provider's verified e-mail and sends them on to the code step when two-factor
applies. Both routes are sign-in steps (permission None); without the setting they answer 404.

The callback answers a page that continues by itself (a meta refresh, and a link) rather than a
redirect: the ``admin_session`` cookie is SameSite=Strict, and browsers leave such cookies off
every request of a navigation that another site (the provider) began, redirects included.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from domain.accounts.errors import SignInFailed, TooManyAttempts
from domain.shared.clock import Clock
from domain.staff.model import SessionStage
from domain.staff.single_sign_on import StaffSsoIdentity, sign_in_staff_with_sso
from domain.unit_of_work import UnitOfWork
from web.admin.access import OPEN, STEP_PAGES, set_staff_cookie
from web.admin.sign_in import login_page
from web.auth.oidc_client import OidcError
from web.auth.oidc_flow import finish_flow, start_flow, take_pending
from web.auth.pages import origin
from web.auth.session import safe_next
from web.runtime import OidcProvider
from web.settings import Settings
from web.templating import render

logger = logging.getLogger(__name__)

PENDING_KEY = "admin_sso_pending"
SLUG = "staff"


def callback_uri(settings: Settings) -> str:
    """The redirect URI to register at the staff provider."""
    return f"{settings.public_url}/admin/sso/callback"


def _configured(staff_oidc: OidcProvider | None) -> OidcProvider:
    if staff_oidc is None:
        raise NotFoundException("Single sign-on is not set up.")
    return staff_oidc


@get("/sso/start", name="admin.sso.start", opt=OPEN)
async def start_staff_sso(
    request: Request[Any, Any, Any],
    staff_oidc: NamedDependency[OidcProvider | None],
    settings: NamedDependency[Settings],
    next: FromQuery[str | None] = None,
) -> Template | Redirect:
    provider = _configured(staff_oidc)
    target = safe_next(next, "/admin")
    try:
        url = await start_flow(
            request,
            provider.client,
            callback_uri(settings),
            key=PENDING_KEY,
            keep={"slug": SLUG, "next": target},
        )
    except OidcError as exc:
        logger.warning("staff sso start failed: %s", exc.detail)
        return login_page(request, provider, next_path=target, error=exc.message, status_code=503)
    return Redirect(url, status_code=303)


@get("/sso/callback", name="admin.sso.callback", opt=OPEN)
async def finish_staff_sso(
    request: Request[Any, Any, Any],
    staff_oidc: NamedDependency[OidcProvider | None],
    settings: NamedDependency[Settings],
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
) -> Template:
    provider = _configured(staff_oidc)
    saved = take_pending(request, PENDING_KEY)
    target = safe_next(saved.get("next"), "/admin")

    def refused(message: str, status_code: int) -> Template:
        return login_page(
            request, provider, next_path=target, error=message, status_code=status_code
        )

    try:
        identity = await finish_flow(
            request, provider.client, callback_uri(settings), saved, slug=SLUG
        )
    except OidcError as exc:
        logger.warning("staff sso callback refused: %s", exc.detail)
        return refused(exc.message, 400)
    try:
        grant = await sign_in_staff_with_sso(
            StaffSsoIdentity(
                issuer=identity.issuer,
                subject=identity.subject,
                email=identity.email or "",
                email_verified=identity.email_verified,
            ),
            **origin(request),
            uow=uow,
            clock=clock,
        )
    except TooManyAttempts as exc:
        return refused(exc.message, 429)
    except SignInFailed as exc:
        return refused(exc.message, 401)
    step = STEP_PAGES.get(grant.signed_in.stage)
    to = f"{step}?next={quote(target, safe='/')}" if step else target
    context = {
        "to": to,
        "provider": provider.name,
        "code_next": grant.signed_in.stage is SessionStage.SECOND_FACTOR,
        "enrol_next": grant.signed_in.stage is SessionStage.ENROL,
    }
    response = render(request, "admin/sso_continue.html", None, context)
    set_staff_cookie(response, grant.secret, settings)
    return response

"""Sign in with an OpenID Connect provider: start (off to the provider) and the callback.

The flow is ``web/auth/oidc_flow.py``'s (the staff's single sign-on runs it too): the
authorization request, where to go afterwards and whether the visitor was signed in (then the
identity is linked to their account) wait in the cookie session until the callback, which takes
them out first. Every failure goes back to the sign-in page with a message the person can act on.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from domain.accounts.identities import OidcIdentityClaims, complete_oidc_sign_in
from domain.accounts.model import SignedIn
from domain.accounts.ports import PasswordHasher
from domain.accounts.sessions import SessionGrant
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, ValidationFailed
from domain.unit_of_work import UnitOfWork
from web.auth import session
from web.auth.oidc_client import OidcError
from web.auth.oidc_flow import finish_flow, start_flow, take_pending
from web.auth.pages import login_page, origin
from web.display import tr
from web.runtime import OidcProvider
from web.settings import Settings

logger = logging.getLogger(__name__)

PENDING_KEY = "oidc_pending"
LINKED_RETURN = "/account/profile"


def _provider(oidc_providers: dict[str, OidcProvider], slug: str) -> OidcProvider:
    provider = oidc_providers.get(slug)
    if provider is None:
        raise NotFoundException("No such sign-in provider.")
    return provider


def redirect_uri(settings: Settings, slug: str) -> str:
    """The callback URL registered at the provider."""
    return f"{settings.public_url}/auth/oidc/{slug}/callback"


@get("/auth/oidc/{slug:str}/start", name="auth.oidc.start")
async def start_oidc_sign_in(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    oidc_providers: NamedDependency[dict[str, OidcProvider]],
    settings: NamedDependency[Settings],
    maybe_signed_in: NamedDependency[SignedIn | None],
    next: FromQuery[str | None] = None,
) -> Template | Redirect:
    provider = _provider(oidc_providers, slug)
    target = session.safe_next(next)
    keep = {"slug": slug, "next": target, "link": maybe_signed_in is not None}
    try:
        url = await start_flow(
            request, provider.client, redirect_uri(settings, slug), key=PENDING_KEY, keep=keep
        )
    except OidcError as exc:
        logger.warning("oidc start failed: %s", exc.detail, extra={"provider": slug})
        return login_page(
            request, oidc_providers, next_path=target, error=exc.message, status_code=503
        )
    return Redirect(url, status_code=303)


@get("/auth/oidc/{slug:str}/callback", name="auth.oidc.callback")
async def finish_oidc_sign_in(
    request: Request[Any, Any, Any],
    slug: FromPath[str],
    oidc_providers: NamedDependency[dict[str, OidcProvider]],
    settings: NamedDependency[Settings],
    maybe_signed_in: NamedDependency[SignedIn | None],
    uow: NamedDependency[UnitOfWork],
    clock: NamedDependency[Clock],
    hasher: NamedDependency[PasswordHasher],
) -> Template | Redirect:
    provider = _provider(oidc_providers, slug)
    saved = take_pending(request, PENDING_KEY)
    target = session.safe_next(saved.get("next"))
    try:
        identity = await finish_flow(
            request, provider.client, redirect_uri(settings, slug), saved, slug=slug
        )
    except OidcError as exc:
        logger.warning("oidc callback refused: %s", exc.detail, extra={"provider": slug})
        return login_page(
            request, oidc_providers, next_path=target, error=exc.message, status_code=400
        )

    claims = OidcIdentityClaims(
        issuer=identity.issuer,
        subject=identity.subject,
        email=identity.email or "",
        email_verified=identity.email_verified,
        name=identity.name or "",
    )
    try:
        outcome = await complete_oidc_sign_in(
            claims,
            link_to=maybe_signed_in if saved.get("link") else None,
            **origin(request),
            uow=uow,
            clock=clock,
            hasher=hasher,
        )
    except ValidationFailed as exc:
        message = next(iter(exc.field_errors.values()), exc.message)
        return login_page(request, oidc_providers, next_path=target, error=message, status_code=400)
    except Conflict as exc:
        return login_page(
            request, oidc_providers, next_path=target, error=exc.message, status_code=409
        )
    if not isinstance(outcome, SessionGrant):  # linked to the signed-in account
        flash(
            request,
            tr(
                request,
                "%(provider)s is linked to your account: you can sign in with it from now on.",
                provider=provider.name,
            ),
            "success",
        )
        return Redirect(LINKED_RETURN, status_code=303)
    session.begin(request, outcome)
    return Redirect(target, status_code=303)

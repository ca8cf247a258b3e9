"""The OpenID Connect authorization code flow as both audiences' pages run it (subscribers:
``web/auth/oidc_pages.py``; staff single sign-on: ``web/admin/sso.py``).

The authorization request (state, nonce, PKCE verifier) and what the page wants back afterwards
wait in the cookie session (encrypted, HTTP-only, SameSite=Lax, so it comes back with the
provider's redirect) under the audience's own key; the callback takes them out before anything
else, so a callback URL works once.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from web.auth.oidc_client import AuthorizationRequest, OidcClient, OidcError, OidcIdentity


def _session_without(request: Request[Any, Any, Any], key: str) -> dict[str, Any]:
    current = request.session if "session" in request.scope else {}
    return {k: v for k, v in dict(current or {}).items() if k != key}


async def start_flow(
    request: Request[Any, Any, Any],
    client: OidcClient,
    redirect_uri: str,
    *,
    key: str,
    keep: dict[str, Any],
) -> str:
    """A fresh authorization request kept under ``key`` with ``keep``; the provider's URL to
    send the browser to. ``OidcError`` when the provider cannot be reached."""
    auth = await client.authorization_request(redirect_uri)
    request.set_session({**_session_without(request, key), key: {**auth.as_session(), **keep}})
    return auth.url


def take_pending(request: Request[Any, Any, Any], key: str) -> dict[str, Any]:
    """What ``start_flow`` kept, taken out of the session (single use, whatever happens next)."""
    pending = request.session.get(key) if "session" in request.scope else None
    request.set_session(_session_without(request, key))
    return pending if isinstance(pending, dict) else {}


async def finish_flow(
    request: Request[Any, Any, Any],
    client: OidcClient,
    redirect_uri: str,
    saved: dict[str, Any],
    *,
    slug: str,
) -> OidcIdentity:
    """Check the callback against the request kept for ``slug``, exchange the code, validate the
    ID token. ``OidcError`` (a message to show, a detail to log) for anything wrong."""
    if saved.get("slug") != slug:
        raise OidcError(
            "This sign-in attempt has expired. Please start again.",
            detail=f"no pending request for {slug!r} in the session",
        )
    return await client.complete(
        str(request.url), AuthorizationRequest.from_session(saved), redirect_uri
    )

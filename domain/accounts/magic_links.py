"""Sign-in links: e-mail a single-use link (silently nothing when the address has no account,
or past the request limit), then sign in with it; using the link verifies the address."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from domain.accounts.email_links import (
    DEFAULT_LINK_POLICY,
    issue_token_in,
    lifetime_minutes,
    link_request_allowed_in,
    redeem_in,
)
from domain.accounts.mailing import Mailing
from domain.accounts.model import SignInMethod, TokenPurpose
from domain.accounts.ports import AccountsUnit
from domain.accounts.rules import LinkRequestPolicy, email_problem, is_local_path, normalise_email
from domain.accounts.sessions import SessionGrant, open_session_in
from domain.notifications.model import EmailKind
from domain.notifications.service import queue_email_in
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed


async def request_magic_link(
    email: str,
    *,
    ip: str = "",
    uow: AccountsUnit,
    clock: Clock,
    mailing: Mailing,
    next_path: str = "",
    policy: LinkRequestPolicy = DEFAULT_LINK_POLICY,
) -> None:
    """E-mail a single-use sign-in link when the address has an account (silently nothing
    otherwise, or past the request limit, as for password resets). ``next_path`` rides along in
    the link only when it is a path on this site."""
    email = normalise_email(email)
    if email_problem(email):
        raise ValidationFailed({"email": "Enter an e-mail address like name@example.com."})
    now = clock.now()
    async with uow:
        if not await link_request_allowed_in(uow, TokenPurpose.MAGIC_LINK, email, ip, now, policy):
            return
        account = await uow.accounts.get_by_email(email)
        if account is not None:
            secret, token = await issue_token_in(uow, account, TokenPurpose.MAGIC_LINK, now, None)
            suffix = f"?{urlencode({'next': next_path})}" if is_local_path(next_path) else ""
            await queue_email_in(
                uow,
                EmailKind.MAGIC_LINK,
                to=account.email,
                context={
                    "sign_in_url": f"{mailing.public_url}/auth/magic/{secret}{suffix}",
                    "expires_in_minutes": lifetime_minutes(TokenPurpose.MAGIC_LINK),
                    "display_preferences": account.display,
                },
                dedupe_key=f"magic_link:{token.id}",
                clock=clock,
                renderer=mailing.renderer,
            )
        await uow.commit()


async def sign_in_with_magic_link(
    secret: str, *, ip: str = "", user_agent: str = "", uow: AccountsUnit, clock: Clock
) -> SessionGrant:
    now = clock.now()
    async with uow:
        account, _ = await redeem_in(uow, secret, TokenPurpose.MAGIC_LINK, now)
        if not account.email_verified:
            account = replace(account, email_verified=True)
            await uow.accounts.update(account)
        grant = await open_session_in(
            uow, account, method=SignInMethod.MAGIC_LINK, now=now, ip=ip, user_agent=user_agent
        )
        await uow.commit()
    return grant

"""Forgot your password: e-mail a single-use reset link (the same answer whether or not the
address has an account), then set a new password from it."""

from __future__ import annotations

from dataclasses import replace

from domain.accounts.email_links import (
    DEFAULT_LINK_POLICY,
    issue_token_in,
    lifetime_minutes,
    link_request_allowed_in,
    redeem_in,
)
from domain.accounts.errors import AccountErrorCode
from domain.accounts.mailing import Mailing
from domain.accounts.model import SignInMethod, TokenPurpose
from domain.accounts.ports import AccountsUnit, PasswordHasher
from domain.accounts.rules import (
    LinkRequestPolicy,
    email_problem,
    normalise_email,
    password_problem,
)
from domain.accounts.sessions import SessionGrant, open_session_in
from domain.notifications.model import EmailKind
from domain.notifications.service import queue_email_in
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed


async def request_password_reset(
    email: str,
    *,
    ip: str = "",
    uow: AccountsUnit,
    clock: Clock,
    mailing: Mailing,
    policy: LinkRequestPolicy = DEFAULT_LINK_POLICY,
) -> None:
    """E-mail a single-use reset link when the address has an account. The caller answers the
    same whether or not it has one (the form never reveals who has an account), and the same
    when the address (or client) has asked too often: then nothing is sent (``LinkRequestPolicy``,
    3 an hour per address)."""
    email = normalise_email(email)
    if email_problem(email):
        raise ValidationFailed({"email": "Enter an e-mail address like name@example.com."})
    now = clock.now()
    async with uow:
        if not await link_request_allowed_in(
            uow, TokenPurpose.PASSWORD_RESET, email, ip, now, policy
        ):
            return
        account = await uow.accounts.get_by_email(email)
        if account is not None:
            secret, token = await issue_token_in(
                uow, account, TokenPurpose.PASSWORD_RESET, now, None
            )
            await queue_email_in(
                uow,
                EmailKind.PASSWORD_RESET,
                to=account.email,
                context={
                    "customer_name": account.name,
                    "reset_url": f"{mailing.public_url}/auth/reset/{secret}",
                    "expires_in_minutes": lifetime_minutes(TokenPurpose.PASSWORD_RESET),
                    "display_preferences": account.display,
                },
                dedupe_key=f"password_reset:{token.id}",
                clock=clock,
                renderer=mailing.renderer,
            )
        await uow.commit()  # the request counts against the limit with or without an account


async def reset_password(
    secret: str,
    new_password: str,
    *,
    ip: str = "",
    user_agent: str = "",
    uow: AccountsUnit,
    clock: Clock,
    hasher: PasswordHasher,
) -> SessionGrant:
    """Set a new password from a reset link: the link is spent, every session of the account
    ends, and this browser is signed in. Proving the mailbox also verifies the address."""
    now = clock.now()
    async with uow:
        account, _ = await redeem_in(uow, secret, TokenPurpose.PASSWORD_RESET, now)
        if problem := password_problem(new_password, email=account.email, name=account.name):
            raise ValidationFailed({"password": problem}, code=AccountErrorCode.BAD_PASSWORD)
        account = replace(
            account,
            password_hash=hasher.hash(new_password),
            password_changed_at=now,
            email_verified=True,
        )
        await uow.accounts.update(account)
        await uow.accounts.revoke_sessions_of(account.id, now)
        await uow.accounts.record_attempt(f"email:{account.email}", now, succeeded=True)
        grant = await open_session_in(
            uow, account, method=SignInMethod.PASSWORD_RESET, now=now, ip=ip, user_agent=user_agent
        )
        await uow.commit()
    return grant

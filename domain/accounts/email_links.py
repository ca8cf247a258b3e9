"""Single-use e-mailed links (password reset, sign-in link, e-mail change): issuing a token,
the per-address and per-client request limits, checking a link before its form is shown, and
redeeming it once.

Storage keeps only a token's digest; the secret travels in the e-mailed link.
"""

from __future__ import annotations

from datetime import datetime

from domain.accounts.attempts import count_request_in
from domain.accounts.errors import BadToken
from domain.accounts.model import Account, EmailToken, TokenPurpose
from domain.accounts.one_time_links import new_link_secret, spend, usable
from domain.accounts.ports import AccountsUnit
from domain.accounts.rules import TOKEN_LIFETIME, LinkRequestPolicy, digest
from domain.shared.clock import Clock

DEFAULT_LINK_POLICY = LinkRequestPolicy()


async def issue_token_in(
    uow: AccountsUnit, account: Account, purpose: TokenPurpose, now: datetime, new_email: str | None
) -> tuple[str, EmailToken]:
    """A new token for ``account``: its secret (for the link, shown once) and the stored token."""
    secret, token_id = new_link_secret()
    token = EmailToken(
        id=token_id,
        account_id=account.id,
        purpose=purpose,
        created_at=now,
        expires_at=now + TOKEN_LIFETIME[purpose],
        new_email=new_email,
    )
    await uow.accounts.add_token(token)
    return secret, token


def lifetime_minutes(purpose: TokenPurpose) -> int:
    """How long a link of this kind works, in whole minutes (said in its e-mail)."""
    return int(TOKEN_LIFETIME[purpose].total_seconds() // 60)


async def link_request_allowed_in(
    uow: AccountsUnit,
    purpose: TokenPurpose,
    email: str,
    ip: str,
    now: datetime,
    policy: LinkRequestPolicy,
) -> bool:
    """Count this request against the limits; False when a limit is reached (nothing is sent).
    Requests are stored as sign-in attempts that did not succeed under their own keys, so the
    count holds across processes and never mixes with password failures."""
    keys = [(f"{purpose.value}:email:{email}", policy.per_email)]
    if ip:
        keys.append((f"{purpose.value}:ip:{ip}", policy.per_ip))
    return await count_request_in(uow.accounts, keys, policy.window, now)


def usable_token(token: EmailToken | None, purpose: TokenPurpose, now: datetime) -> EmailToken:
    """The token when its link still works; else ``BadToken`` saying why."""
    if token is not None and token.purpose is not purpose:
        raise BadToken()
    return usable(token, now, expired_message="This link has expired. Ask for a new one.")


async def redeem_in(
    uow: AccountsUnit, secret: str, purpose: TokenPurpose, now: datetime
) -> tuple[Account, EmailToken]:
    """Spend the link (once: a concurrent redeem that lost is ``BadToken``); its account, locked."""
    token = usable_token(await uow.accounts.get_token(digest(secret), lock=True), purpose, now)
    account = await uow.accounts.get(token.account_id, lock=True)
    if account is None:
        raise BadToken()
    await spend(uow.accounts.use_token, token, now)
    return account, token


async def check_token(
    secret: str, purpose: TokenPurpose, *, uow: AccountsUnit, clock: Clock
) -> None:
    """Raise ``BadToken`` when a link can no longer be used (shown before the form is filled)."""
    async with uow:
        token = await uow.accounts.get_token(digest(secret))
    usable_token(token, purpose, clock.now())

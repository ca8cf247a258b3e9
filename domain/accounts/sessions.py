"""Sessions: open one at sign-in (``SessionGrant``), resolve its secret on every request, list
them, and sign out (here, or everywhere).

A sign-in returns the new session's secret once: the web layer puts it in the session cookie,
storage keeps its digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.accounts.model import Account, AuthSession, SignedIn, SignInMethod
from domain.accounts.ports import AccountsUnit
from domain.accounts.rules import SESSION_LIFETIME, digest
from domain.accounts.session_secrets import live_session, new_session_secret, touch_due
from domain.shared.clock import Clock


@dataclass(frozen=True, slots=True)
class SessionGrant:
    """A new session: who signed in, and the secret for the session cookie (shown once)."""

    signed_in: SignedIn
    secret: str


async def open_session_in(
    uow: AccountsUnit,
    account: Account,
    *,
    method: SignInMethod,
    now: datetime,
    ip: str = "",
    user_agent: str = "",
) -> SessionGrant:
    secret, session_id = new_session_secret()
    session = AuthSession(
        id=session_id,
        account_id=account.id,
        method=method,
        created_at=now,
        last_seen_at=now,
        expires_at=now + SESSION_LIFETIME,
        user_agent=user_agent[:300],
        ip=ip[:64],
    )
    await uow.accounts.add_session(session)
    return SessionGrant(_signed_in(account, session.id), secret)


def _signed_in(account: Account, session_id: str) -> SignedIn:
    return SignedIn(
        account_id=account.id,
        email=account.email,
        name=account.name,
        customer_id=account.customer_id,
        session_id=session_id,
        display=account.display,
    )


async def resolve_session(secret: str, *, uow: AccountsUnit, clock: Clock) -> SignedIn | None:
    """Who holds this session secret, or None when the session is unknown, expired or revoked."""
    if not secret:
        return None
    now = clock.now()
    async with uow:
        session = await live_session(secret, now, uow.accounts.get_session)
        if session is None:
            return None
        account = await uow.accounts.get(session.account_id)
        if account is None:
            return None
        if touch_due(session, now):
            await uow.accounts.touch_session(session.id, now)
            await uow.commit()
    return _signed_in(account, session.id)


async def sign_out(secret: str, *, uow: AccountsUnit, clock: Clock) -> None:
    async with uow:
        await uow.accounts.revoke_session(digest(secret), clock.now())
        await uow.commit()


async def sign_out_everywhere(
    account_id: str, *, uow: AccountsUnit, clock: Clock, keep_session: str | None = None
) -> int:
    """End every session of the account (all browsers and devices); ``keep_session`` (a session
    id) stays signed in. Returns how many sessions ended."""
    async with uow:
        ended = await uow.accounts.revoke_sessions_of(account_id, clock.now(), keep=keep_session)
        await uow.commit()
    return ended


async def list_sessions(account_id: str, *, uow: AccountsUnit, clock: Clock) -> list[AuthSession]:
    async with uow:
        return await uow.accounts.live_sessions_of(account_id, clock.now())

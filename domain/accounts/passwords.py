"""Passwords: sign in with one (under the attempt limits: per address and per client, counted
across processes) and change it.

Every function takes its collaborators as keyword arguments (unit of work, clock, hasher); none
reads the time or the environment itself.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.accounts.attempts import retry_after_in
from domain.accounts.errors import AccountErrorCode, SignInFailed, TooManyAttempts
from domain.accounts.model import SignedIn, SignInMethod
from domain.accounts.ports import AccountsUnit, PasswordHasher
from domain.accounts.rules import ThrottlePolicy, normalise_email, password_problem
from domain.accounts.sessions import SessionGrant, open_session_in
from domain.shared.clock import Clock
from domain.shared.errors import NotFound, ValidationFailed

DEFAULT_THROTTLE = ThrottlePolicy()


async def sign_in_with_password(
    email: str,
    password: str,
    *,
    ip: str,
    user_agent: str = "",
    uow: AccountsUnit,
    clock: Clock,
    hasher: PasswordHasher,
    throttle: ThrottlePolicy = DEFAULT_THROTTLE,
) -> SessionGrant:
    """Check the password and open a session. Failures are recorded (and committed) before the
    refusal is raised, so the limits hold across processes; past a limit nothing is checked."""
    email = normalise_email(email)
    now = clock.now()
    email_key, ip_key = f"email:{email}", f"ip:{ip}"
    async with uow:
        wait = await retry_after_in(
            uow.accounts, email_key, throttle.per_email, throttle, now
        ) or await retry_after_in(uow.accounts, ip_key, throttle.per_ip, throttle, now)
        if wait is not None:
            raise TooManyAttempts(wait)
        grant = await _check_password_in(uow, email, password, ip, user_agent, now, hasher)
        await uow.commit()  # a failure is committed too: the limits count it
    if grant is None:
        raise SignInFailed()
    return grant


async def _check_password_in(
    uow: AccountsUnit,
    email: str,
    password: str,
    ip: str,
    user_agent: str,
    now: datetime,
    hasher: PasswordHasher,
) -> SessionGrant | None:
    email_key, ip_key = f"email:{email}", f"ip:{ip}"
    account = await uow.accounts.get_by_email(email)
    if account is None or account.password_hash is None:
        hasher.hash(password)  # same work as a real check: timing tells nothing
        ok = False
    else:
        ok = hasher.verify(account.password_hash, password)
    await uow.accounts.record_attempt(email_key, now, succeeded=ok)
    await uow.accounts.record_attempt(ip_key, now, succeeded=ok)
    if not ok or account is None:
        return None
    if account.password_hash is not None and hasher.needs_rehash(account.password_hash):
        account = replace(account, password_hash=hasher.hash(password))
        await uow.accounts.update(account)
    return await open_session_in(
        uow, account, method=SignInMethod.PASSWORD, now=now, ip=ip, user_agent=user_agent
    )


async def change_password(
    signed_in: SignedIn,
    current_password: str,
    new_password: str,
    *,
    uow: AccountsUnit,
    clock: Clock,
    hasher: PasswordHasher,
) -> None:
    """Change the password (the current one is asked for when there is one) and end every other
    session of the account."""
    now = clock.now()
    async with uow:
        account = await uow.accounts.get(signed_in.account_id, lock=True)
        if account is None:
            raise NotFound("No such account.")
        if account.password_hash is not None and not hasher.verify(
            account.password_hash, current_password
        ):
            raise ValidationFailed(
                {"current_password": "That is not your current password."},
                code=AccountErrorCode.BAD_PASSWORD,
            )
        if problem := password_problem(new_password, email=account.email, name=account.name):
            raise ValidationFailed({"new_password": problem}, code=AccountErrorCode.BAD_PASSWORD)
        await uow.accounts.update(
            replace(account, password_hash=hasher.hash(new_password), password_changed_at=now)
        )
        await uow.accounts.revoke_sessions_of(account.id, now, keep=signed_in.session_id)
        await uow.commit()

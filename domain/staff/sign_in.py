"""Staff sign-in: the password, then the TOTP code (or a recovery code) when the member has
two-factor; a role that needs two-factor without it set up goes to enrolment instead.

Limits: failures are counted per staff member (``failed_attempts``; LOCKOUT_AFTER in a row locks
the member for LOCKOUT_FOR, audited as ``staff.locked_out``) and per client address (the
subscribers' ThrottlePolicy). Failures are committed before the refusal is raised. A completed
sign-in is audited as ``staff.signed_in``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.accounts.attempts import retry_after_in
from domain.accounts.errors import SignInFailed, TooManyAttempts
from domain.accounts.model import SignInMethod
from domain.accounts.ports import PasswordHasher
from domain.accounts.rules import digest, normalise_email
from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.shared.clock import Clock
from domain.staff import totp
from domain.staff.model import SessionStage, StaffMember
from domain.staff.ports import SecretBox, StaffUnit
from domain.staff.rules import (
    IP_THROTTLE,
    LOCKOUT_AFTER,
    LOCKOUT_FOR,
    needs_two_factor,
    normalise_code,
)
from domain.staff.sessions import StaffGrant, activate_in, open_session_in, signed_in_as

WRONG_PASSWORD = "That e-mail and password don't match a staff account."  # noqa: S105
WRONG_CODE = "That code is not right. Enter the 6-digit code from your app, or a recovery code."


async def ip_wait_in(uow: StaffUnit, ip: str, now: datetime) -> None:
    wait = await retry_after_in(uow.staff, f"staff-ip:{ip}", IP_THROTTLE.per_ip, IP_THROTTLE, now)
    if wait is not None:
        raise TooManyAttempts(wait)


def locked_out(member: StaffMember, now: datetime) -> TooManyAttempts:
    assert member.locked_until is not None
    return TooManyAttempts(member.locked_until - now)


async def failed_in(uow: StaffUnit, member: StaffMember | None, ip: str, now: datetime) -> None:
    """Count a failure; the one that reaches the limit locks the member (and is audited)."""
    await uow.staff.record_attempt(f"staff-ip:{ip}", now, succeeded=False)
    if member is not None:
        await count_member_failure(uow, member, now)


async def count_member_failure(uow: StaffUnit, member: StaffMember, now: datetime) -> None:
    """One more wrong password or code in a row; the one that reaches LOCKOUT_AFTER locks the
    member for LOCKOUT_FOR (audited as ``staff.locked_out``). Sign-in and the recovery-code
    page count the same way."""
    failures = member.failed_attempts + 1
    locked_until = now + LOCKOUT_FOR if failures >= LOCKOUT_AFTER else None
    await uow.staff.update(
        replace(member, failed_attempts=0 if locked_until else failures, locked_until=locked_until)
    )
    if locked_until is not None:
        await record(
            uow,
            new_entry(
                at=now,
                actor=Actor(member.id, member.email),
                action="staff.locked_out",
                object_type="staff",
                object_id=member.id,
                after={"locked_until": locked_until.isoformat(), "failures": failures},
            ),
        )


async def succeeded_in(
    uow: StaffUnit,
    member: StaffMember,
    ip: str,
    now: datetime,
    *,
    method: SignInMethod = SignInMethod.PASSWORD,
) -> None:
    """The sign-in is complete (the session becomes active): audited as ``staff.signed_in``."""
    await uow.staff.record_attempt(f"staff-ip:{ip}", now, succeeded=True)
    await uow.staff.update(replace(member, failed_attempts=0, locked_until=None))
    await record(
        uow,
        new_entry(
            at=now,
            actor=Actor(member.id, member.email),
            action="staff.signed_in",
            object_type="staff",
            object_id=member.id,
            after={
                "ip": ip[:64],
                "two_factor": member.two_factor_enabled,
                "method": method.value,
            },
        ),
    )


async def first_step_passed_in(
    uow: StaffUnit,
    member: StaffMember,
    *,
    ip: str,
    user_agent: str,
    now: datetime,
    method: SignInMethod,
) -> StaffGrant:
    """The password (or the provider) said who this is: a session at the next stage, the code
    (SECOND_FACTOR), enrolment (ENROL, the role needs two-factor) or signed in (ACTIVE,
    audited)."""
    if member.two_factor_enabled:
        stage = SessionStage.SECOND_FACTOR
    elif needs_two_factor(member.role):
        stage = SessionStage.ENROL
    else:
        stage = SessionStage.ACTIVE
        await succeeded_in(uow, member, ip, now, method=method)
    if stage is not SessionStage.ACTIVE:  # the first step passed: reset its count
        member = replace(member, failed_attempts=0)
        await uow.staff.update(member)
    return await open_session_in(
        uow, member, stage=stage, now=now, ip=ip, user_agent=user_agent, method=method
    )


async def sign_in_staff(
    email: str,
    password: str,
    *,
    ip: str,
    user_agent: str = "",
    uow: StaffUnit,
    clock: Clock,
    hasher: PasswordHasher,
) -> StaffGrant:
    """The password step. The grant's stage says what comes next: SECOND_FACTOR (the code),
    ENROL (set up two-factor, the role needs it) or ACTIVE (signed in)."""
    email = normalise_email(email)
    now = clock.now()
    grant: StaffGrant | None = None
    async with uow:
        await ip_wait_in(uow, ip, now)
        member = await uow.staff.get_by_email(email)
        if member is not None and member.is_locked(now):
            raise locked_out(member, now)
        usable = member is not None and member.disabled_at is None and member.password_hash
        if member is None or not usable or member.password_hash is None:
            hasher.hash(password)  # the same work as a real check: timing tells nothing
            ok = False
        else:
            ok = hasher.verify(member.password_hash, password)
        if not ok or member is None:
            await failed_in(uow, member if usable else None, ip, now)
        else:
            grant = await first_step_passed_in(
                uow, member, ip=ip, user_agent=user_agent, now=now, method=SignInMethod.PASSWORD
            )
        await uow.commit()  # a failure is committed too: the limits count it
    if grant is None:
        raise SignInFailed(WRONG_PASSWORD)
    return grant


async def verify_second_factor(
    secret: str,
    code: str,
    *,
    ip: str,
    uow: StaffUnit,
    clock: Clock,
    hasher: PasswordHasher,
    box: SecretBox,
) -> StaffGrant:
    """The code step: a TOTP code, or one of the recovery codes (each works once). The session
    secret stays the same; the session becomes ACTIVE.

    The TOTP secret is opened with ``box``; one stored before encryption is sealed now (written
    with the member, whatever the code). One that ``box`` cannot open (the key changed) leaves
    only the recovery codes."""
    now = clock.now()
    typed = normalise_code(code)
    async with uow:
        session = await uow.staff.get_session(digest(secret))
        if (
            session is None
            or not session.is_live(now)
            or session.stage is not SessionStage.SECOND_FACTOR
        ):
            raise SignInFailed("Your sign-in expired. Enter your e-mail and password again.")
        member = await uow.staff.get(session.staff_id, lock=True)
        if member is None or member.disabled_at is not None or member.totp_secret is None:
            raise SignInFailed("Your sign-in expired. Enter your e-mail and password again.")
        if member.is_locked(now):
            raise locked_out(member, now)
        await ip_wait_in(uow, ip, now)
        shared = totp.opened(member.totp_secret, box)  # the TOTP secret, None: unreadable
        if shared is not None and not totp.is_sealed(member.totp_secret):
            member = replace(member, totp_secret=totp.sealed(shared, box))
        step = (
            totp.matching_step(shared, typed, now, after=member.totp_last_step)
            if shared is not None
            else None
        )
        ok = step is not None
        if ok:
            member = replace(member, totp_last_step=step)
        else:
            left = [h for h in member.recovery_code_hashes if not hasher.verify(h, typed)]
            if len(left) < len(member.recovery_code_hashes):  # a recovery code, now used up
                member = replace(member, recovery_code_hashes=tuple(left))
                ok = True
        if ok:
            await succeeded_in(uow, member, ip, now, method=session.method)
            session = await activate_in(uow, session, now)
        else:
            await failed_in(uow, member, ip, now)
        await uow.commit()
    if not ok:
        raise SignInFailed(WRONG_CODE)
    fresh = replace(member, failed_attempts=0, locked_until=None)
    return StaffGrant(signed_in_as(fresh, session), secret)

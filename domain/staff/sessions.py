"""Staff sessions: open one at the password step, move it to ACTIVE after the code (or the
enrolment), resolve its secret on every /admin request, sign out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain.accounts.model import SignInMethod
from domain.accounts.rules import digest
from domain.accounts.session_secrets import live_session, new_session_secret, touch_due
from domain.shared.clock import Clock
from domain.staff.model import SessionStage, SignedInStaff, StaffMember, StaffSession
from domain.staff.ports import StaffUnit
from domain.staff.rules import SESSION_LIFETIME, STEP_LIFETIME


@dataclass(frozen=True, slots=True)
class StaffGrant:
    """A new staff session: who, at which stage, and the cookie's secret (shown once)."""

    signed_in: SignedInStaff
    secret: str


def signed_in_as(member: StaffMember, session: StaffSession) -> SignedInStaff:
    return SignedInStaff(
        staff_id=member.id,
        email=member.email,
        name=member.name,
        role=member.role,
        session_id=session.id,
        stage=session.stage,
        two_factor_enabled=member.two_factor_enabled,
        display=member.display,
    )


async def open_session_in(
    uow: StaffUnit,
    member: StaffMember,
    *,
    stage: SessionStage,
    now: datetime,
    ip: str = "",
    user_agent: str = "",
    method: SignInMethod = SignInMethod.PASSWORD,
) -> StaffGrant:
    secret, session_id = new_session_secret()
    lifetime = SESSION_LIFETIME if stage is SessionStage.ACTIVE else STEP_LIFETIME
    session = StaffSession(
        id=session_id,
        staff_id=member.id,
        stage=stage,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        ip=ip[:64],
        user_agent=user_agent[:300],
        method=method,
    )
    await uow.staff.add_session(session)
    return StaffGrant(signed_in_as(member, session), secret)


async def activate_in(uow: StaffUnit, session: StaffSession, now: datetime) -> StaffSession:
    """The last step passed: the session becomes a working one (a fresh lifetime)."""
    active = replace(
        session, stage=SessionStage.ACTIVE, last_seen_at=now, expires_at=now + SESSION_LIFETIME
    )
    await uow.staff.save_session(active)
    return active


async def resolve_staff_session(
    secret: str, *, uow: StaffUnit, clock: Clock
) -> SignedInStaff | None:
    """Who holds this cookie secret (at whichever stage), or None: unknown, expired, revoked, or
    the member was disabled."""
    if not secret:
        return None
    now = clock.now()
    async with uow:
        session = await live_session(secret, now, uow.staff.get_session)
        if session is None:
            return None
        member = await uow.staff.get(session.staff_id)
        if member is None or member.disabled_at is not None:
            return None
        if touch_due(session, now):
            await uow.staff.save_session(replace(session, last_seen_at=now))
            await uow.commit()
    return signed_in_as(member, session)


async def sign_out_staff(secret: str, *, uow: StaffUnit, clock: Clock) -> None:
    async with uow:
        session = await uow.staff.get_session(digest(secret))
        if session is not None and session.revoked_at is None:
            await uow.staff.save_session(replace(session, revoked_at=clock.now()))
            await uow.commit()

"""One-time sign-in links (``python -m web.cli staff create --link``): the command prints a link
instead of asking for a password; the member opens it, chooses a password, and is signed in
(sent on to two-factor enrolment when the role needs it). A link works once, for LINK_LIFETIME.
Choosing the password is audited (``staff.password_set``)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.accounts.errors import BadToken
from domain.accounts.one_time_links import new_link_secret, spend, usable
from domain.accounts.ports import PasswordHasher
from domain.accounts.rules import digest, password_problem
from domain.audit.model import SYSTEM_ACTOR, Actor, new_entry
from domain.audit.service import record
from domain.shared.clock import Clock
from domain.shared.errors import ValidationFailed
from domain.staff.errors import StaffErrorCode
from domain.staff.members import NewStaff, create_member_in
from domain.staff.model import SessionStage, StaffMember, StaffToken
from domain.staff.ports import StaffUnit
from domain.staff.rules import LINK_LIFETIME, needs_two_factor
from domain.staff.sessions import StaffGrant, open_session_in


@dataclass(frozen=True, slots=True)
class LinkView:
    email: str
    name: str
    two_factor_next: bool


async def create_staff_with_link(
    new: NewStaff, *, uow: StaffUnit, clock: Clock, hasher: PasswordHasher
) -> tuple[StaffMember, str]:
    """The command line's ``--link``: the member without a password, and the link's secret."""
    now = clock.now()
    async with uow:
        member = await create_member_in(
            uow, replace(new, password=None), Actor(None, SYSTEM_ACTOR), clock, hasher
        )
        secret, token_id = new_link_secret()
        await uow.staff.add_token(
            StaffToken(token_id, member.id, created_at=now, expires_at=now + LINK_LIFETIME)
        )
        await uow.commit()
    return member, secret


async def _usable_in(uow: StaffUnit, secret: str, clock: Clock) -> tuple[StaffToken, StaffMember]:
    token = usable(await uow.staff.get_token(digest(secret)) if secret else None, clock.now())
    member = await uow.staff.get(token.staff_id)
    if member is None or member.disabled_at is not None:
        raise BadToken()
    return token, member


async def link_view(secret: str, *, uow: StaffUnit, clock: Clock) -> LinkView:
    async with uow:
        _, member = await _usable_in(uow, secret, clock)
    return LinkView(member.email, member.name, needs_two_factor(member.role))


async def redeem_link(
    secret: str,
    password: str,
    *,
    ip: str,
    user_agent: str = "",
    uow: StaffUnit,
    clock: Clock,
    hasher: PasswordHasher,
) -> StaffGrant:
    """Set the password and open a session: at the ENROL stage when the role needs two-factor,
    else ACTIVE. The link is used up in the same transaction."""
    now = clock.now()
    async with uow:
        token, member = await _usable_in(uow, secret, clock)
        if problem := password_problem(password, email=member.email, name=member.name):
            raise ValidationFailed({"password": problem}, code=StaffErrorCode.BAD_STAFF)
        await spend(uow.staff.use_token, token, now)
        member = replace(member, password_hash=hasher.hash(password), failed_attempts=0)
        await uow.staff.update(member)
        stage = (
            SessionStage.ENROL
            if needs_two_factor(member.role) and not member.two_factor_enabled
            else SessionStage.ACTIVE
        )
        grant = await open_session_in(
            uow, member, stage=stage, now=now, ip=ip, user_agent=user_agent
        )
        await record(
            uow,
            new_entry(
                at=now,
                actor=Actor(member.id, member.email),
                action="staff.password_set",
                object_type="staff",
                object_id=member.id,
                after={"by": "one-time link", "ip": ip[:64]},
            ),
        )
        await uow.commit()
    return grant

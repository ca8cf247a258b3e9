"""Staff accounts: create one (an owner in the admin, or the command line for the first owner),
and the staff directory. Both creations are audited. Changing a member (disable, role,
two-factor reset) is ``management.py``; one member's page is ``member_page.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.accounts.ports import PasswordHasher
from domain.accounts.rules import (
    MAX_NAME,
    email_problem,
    normalise_email,
    password_problem,
)
from domain.audit.model import SYSTEM_ACTOR, Actor, new_entry
from domain.audit.service import record
from domain.shared.clock import Clock
from domain.shared.errors import Conflict, ValidationFailed
from domain.shared.ids import new_id
from domain.staff.errors import StaffErrorCode
from domain.staff.model import Role, SignedInStaff, StaffMember
from domain.staff.permissions import Permission, require
from domain.staff.ports import StaffUnit
from domain.staff.rules import needs_two_factor


@dataclass(frozen=True, slots=True)
class NewStaff:
    email: str
    name: str
    role: str
    password: str | None  # None: the member chooses one through a one-time link (links.py)


@dataclass(frozen=True, slots=True)
class StaffRow:
    """A staff member as the directory shows them (no secrets)."""

    id: str
    email: str
    name: str
    role: Role
    two_factor_enabled: bool
    two_factor_required: bool
    locked: bool
    disabled: bool
    created_at: datetime


def _checked(new: NewStaff) -> tuple[str, str, Role]:
    email = normalise_email(new.email)
    name = new.name.strip()
    problems: dict[str, str] = {}
    if problem := email_problem(email):
        problems["email"] = problem
    if not name:
        problems["name"] = "Enter the staff member's name."
    elif len(name) > MAX_NAME:
        problems["name"] = f"Use at most {MAX_NAME} characters."
    try:
        role = Role(new.role)
    except ValueError:
        problems["role"] = "Choose one of the roles."
        role = Role.VIEWER
    if new.password is not None and (
        problem := password_problem(new.password, email=email, name=name)
    ):
        problems["password"] = problem
    if problems:
        raise ValidationFailed(problems, code=StaffErrorCode.BAD_STAFF)
    return email, name, role


async def create_member_in(
    uow: StaffUnit, new: NewStaff, actor: Actor, clock: Clock, hasher: PasswordHasher
) -> StaffMember:
    email, name, role = _checked(new)
    if await uow.staff.get_by_email(email) is not None:
        raise ValidationFailed(
            {"email": "A staff member with this e-mail exists."}, code=StaffErrorCode.STAFF_EXISTS
        )
    now = clock.now()
    member = StaffMember(
        id=new_id(),
        email=email,
        name=name,
        role=role,
        password_hash=hasher.hash(new.password) if new.password is not None else None,
        created_at=now,
    )
    try:
        await uow.staff.add(member)
    except Conflict as exc:  # two creations raced on the unique e-mail
        raise ValidationFailed(
            {"email": "A staff member with this e-mail exists."}, code=StaffErrorCode.STAFF_EXISTS
        ) from exc
    await record(
        uow,
        new_entry(
            at=now,
            actor=actor,
            action="staff.created",
            object_type="staff",
            object_id=member.id,
            after={
                "email": email,
                "name": name,
                "role": role.value,
                "first_sign_in": "password" if new.password is not None else "link",
            },
        ),
    )
    return member


async def create_staff(
    actor: SignedInStaff,
    new: NewStaff,
    *,
    uow: StaffUnit,
    clock: Clock,
    hasher: PasswordHasher,
) -> StaffMember:
    """An owner creates a staff member with a first password (given to them out of band)."""
    require(actor, Permission.STAFF_MANAGE)
    async with uow:
        member = await create_member_in(uow, new, Actor(actor.staff_id, actor.email), clock, hasher)
        await uow.commit()
    return member


async def create_staff_from_command_line(
    new: NewStaff, *, uow: StaffUnit, clock: Clock, hasher: PasswordHasher
) -> StaffMember:
    """``python -m web.cli staff create``: whoever runs the command on the server is trusted
    (how the first owner is made); the entry's actor is the command line."""
    async with uow:
        member = await create_member_in(uow, new, Actor(None, SYSTEM_ACTOR), clock, hasher)
        await uow.commit()
    return member


def staff_row(m: StaffMember, now: datetime) -> StaffRow:
    return StaffRow(
        id=m.id,
        email=m.email,
        name=m.name,
        role=m.role,
        two_factor_enabled=m.two_factor_enabled,
        two_factor_required=needs_two_factor(m.role),
        locked=m.is_locked(now),
        disabled=m.disabled_at is not None,
        created_at=m.created_at,
    )


async def staff_directory(actor: SignedInStaff, *, uow: StaffUnit, clock: Clock) -> list[StaffRow]:
    require(actor, Permission.STAFF_READ)
    now = clock.now()
    async with uow:
        members = await uow.staff.all()
    return [staff_row(m, now) for m in sorted(members, key=lambda m: (m.created_at, m.email))]

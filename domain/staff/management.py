"""An owner changes a staff member: disable, enable, change the role, reset two-factor. Each needs
``Permission.STAFF_MANAGE`` and a reason, and writes exactly one audit entry with the values
before and after, in the same transaction.

The rules:

- nobody disables themselves, and nobody resets their own two-factor (another owner does; a
  member replaces their own recovery codes with ``recovery_codes.py``);
- the last active (not disabled) owner stays an active owner: not disabled, not moved to
  another role. The owners' rows are locked (in id order) before they are counted, so two
  owners demoting each other at once cannot leave none;
- disabling ends the member's sessions at once (and sign-in refuses a disabled member);
- a role that needs two-factor (billing, owner) given to a member without it ends their
  sessions: the next sign-in sends them to enrolment (``sign_in.py``, the ENROL stage);
- resetting two-factor forgets the secret and the recovery codes and ends their sessions: a
  billing or owner member enrols again at the next sign-in; the others may set it up again
  from the overview.

``preview_staff_change`` checks the same rules and says what the change will do, writing
nothing: the admin's confirmation step shows it before the change is made.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.audit.model import MAX_REASON, Actor, new_entry
from domain.audit.service import record
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.text import text_problem
from domain.staff.errors import StaffErrorCode
from domain.staff.model import Role, SignedInStaff, StaffMember
from domain.staff.permissions import Permission, require
from domain.staff.ports import StaffUnit
from domain.staff.rules import needs_two_factor

NO_SUCH_MEMBER = "There is no staff member with this id."


class StaffAction(StrEnum):
    DISABLE = "disable"
    ENABLE = "enable"
    CHANGE_ROLE = "role"
    RESET_TWO_FACTOR = "reset-two-factor"


AUDIT_ACTION: dict[StaffAction, str] = {
    StaffAction.DISABLE: "staff.disabled",
    StaffAction.ENABLE: "staff.enabled",
    StaffAction.CHANGE_ROLE: "staff.role_changed",
    StaffAction.RESET_TWO_FACTOR: "staff.2fa_reset",
}


@dataclass(frozen=True, slots=True)
class StaffChange:
    action: StaffAction
    reason: str
    role: str = ""  # CHANGE_ROLE only: the new role's value


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    """What a change does (previewed) or did (made)."""

    staff_id: str
    name: str
    email: str
    action: StaffAction
    reason: str
    role_before: Role
    role_after: Role
    ends_sessions: bool
    sessions_ended: int  # previewed: the sessions live now, that will end
    enrol_at_next_sign_in: bool  # the role needs two-factor and the member will have none


def _reason(text: str) -> str:
    reason = text.strip()
    problem = text_problem(reason, max_length=MAX_REASON, multiline=True)
    if not reason:
        problem = "Say why: the reason is kept in the audit log."
    if problem:
        raise ValidationFailed({"reason": problem}, code=StaffErrorCode.BAD_STAFF)
    return reason


def _new_role(change: StaffChange) -> Role | None:
    if change.action is not StaffAction.CHANGE_ROLE:
        return None
    try:
        return Role(change.role)
    except ValueError:
        raise ValidationFailed(
            {"role": "Choose one of the roles."}, code=StaffErrorCode.BAD_STAFF
        ) from None


def _refuse(message: str) -> InvalidTransition:
    return InvalidTransition(message, code=StaffErrorCode.REFUSED)


def _is_active_owner(m: StaffMember) -> bool:
    return m.role is Role.OWNER and m.disabled_at is None


async def _member_and_owners(
    uow: StaffUnit, staff_id: str, *, lock: bool
) -> tuple[StaffMember, int]:
    """The member and how many active owners there are. When the member is an owner, every
    owner's row is locked in id order before counting (the last-owner rule holds under
    concurrent changes)."""
    members = await uow.staff.all()
    member = next((m for m in members if m.id == staff_id), None)
    if member is None:
        raise NotFound(NO_SUCH_MEMBER, code=StaffErrorCode.NOT_FOUND)
    if not lock:
        return member, sum(1 for m in members if _is_active_owner(m))
    owner_ids = sorted({m.id for m in members if m.role is Role.OWNER} | {staff_id})
    fresh = [m for i in owner_ids if (m := await uow.staff.get(i, lock=True)) is not None]
    member = next((m for m in fresh if m.id == staff_id), None)
    if member is None:
        raise NotFound(NO_SUCH_MEMBER, code=StaffErrorCode.NOT_FOUND)
    return member, sum(1 for m in fresh if _is_active_owner(m))


async def _checked_outcome(
    actor: SignedInStaff,
    member: StaffMember,
    active_owners: int,
    change: StaffChange,
    *,
    uow: StaffUnit,
    now: datetime,
) -> ChangeOutcome:
    """Every rule, in order; what the change will do. Writes nothing."""
    reason = _reason(change.reason)
    new_role = _new_role(change)
    is_self = member.id == actor.staff_id
    last_owner = _is_active_owner(member) and active_owners <= 1
    role_after = member.role
    ends_sessions = False
    if change.action is StaffAction.DISABLE:
        if member.disabled_at is not None:
            raise _refuse(f"{member.name} is disabled already.")
        if is_self:
            raise _refuse("You cannot disable yourself. Ask another owner.")
        if last_owner:
            raise _refuse(f"{member.name} is the last active owner. Make another owner first.")
        ends_sessions = True
    elif change.action is StaffAction.ENABLE:
        if member.disabled_at is None:
            raise _refuse(f"{member.name} is not disabled.")
    elif change.action is StaffAction.CHANGE_ROLE:
        assert new_role is not None
        if new_role is member.role:
            raise ValidationFailed(
                {"role": f"{member.name} has the {new_role.value} role already."},
                code=StaffErrorCode.BAD_STAFF,
            )
        if last_owner:
            raise _refuse(f"{member.name} is the last active owner. Make another owner first.")
        role_after = new_role
        ends_sessions = needs_two_factor(new_role) and not member.two_factor_enabled
    elif change.action is StaffAction.RESET_TWO_FACTOR:
        if is_self:
            raise _refuse("You cannot reset your own two-factor. Ask another owner.")
        if not member.two_factor_enabled and member.totp_pending_secret is None:
            raise _refuse(f"{member.name} has no two-factor to reset.")
        ends_sessions = True
    two_factor_after = member.two_factor_enabled and change.action is not (
        StaffAction.RESET_TWO_FACTOR
    )
    return ChangeOutcome(
        staff_id=member.id,
        name=member.name,
        email=member.email,
        action=change.action,
        reason=reason,
        role_before=member.role,
        role_after=role_after,
        ends_sessions=ends_sessions,
        sessions_ended=await uow.staff.live_sessions(member.id, now) if ends_sessions else 0,
        enrol_at_next_sign_in=needs_two_factor(role_after) and not two_factor_after,
    )


async def preview_staff_change(
    actor: SignedInStaff, staff_id: str, change: StaffChange, *, uow: StaffUnit, clock: Clock
) -> ChangeOutcome:
    """What the change would do, every rule checked; nothing is written."""
    require(actor, Permission.STAFF_MANAGE)
    async with uow:
        member, owners = await _member_and_owners(uow, staff_id, lock=False)
        return await _checked_outcome(actor, member, owners, change, uow=uow, now=clock.now())


def _changed(member: StaffMember, outcome: ChangeOutcome, now: datetime) -> StaffMember:
    if outcome.action is StaffAction.DISABLE:
        return replace(member, disabled_at=now)
    if outcome.action is StaffAction.ENABLE:
        return replace(member, disabled_at=None)
    if outcome.action is StaffAction.CHANGE_ROLE:
        return replace(member, role=outcome.role_after)
    return replace(
        member,
        totp_secret=None,
        totp_pending_secret=None,
        recovery_code_hashes=(),
        totp_last_step=None,
    )


def _values(
    member: StaffMember, outcome: ChangeOutcome, ended: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The audit entry's values before and after."""
    action = outcome.action
    before: dict[str, Any]
    if action in (StaffAction.DISABLE, StaffAction.ENABLE):
        before = {"status": "disabled" if member.disabled_at else "active"}
        after: dict[str, Any] = {
            "status": "disabled" if action is StaffAction.DISABLE else "active"
        }
    elif action is StaffAction.CHANGE_ROLE:
        before, after = {"role": outcome.role_before.value}, {"role": outcome.role_after.value}
    else:
        before = {
            "two_factor": member.two_factor_enabled,
            "recovery_codes": len(member.recovery_code_hashes),
        }
        after = {"two_factor": False, "recovery_codes": 0}
    if ended:
        after["sessions_ended"] = ended
    if outcome.enrol_at_next_sign_in and action is not StaffAction.DISABLE:
        after["enrol_at_next_sign_in"] = True
    return before, after


async def change_staff(
    actor: SignedInStaff, staff_id: str, change: StaffChange, *, uow: StaffUnit, clock: Clock
) -> ChangeOutcome:
    """Make the change: the rules checked again under the rows' locks, the member written, their
    sessions ended when the change says so, one audit entry; one transaction."""
    require(actor, Permission.STAFF_MANAGE)
    now = clock.now()
    async with uow:
        member, owners = await _member_and_owners(uow, staff_id, lock=True)
        outcome = await _checked_outcome(actor, member, owners, change, uow=uow, now=now)
        await uow.staff.update(_changed(member, outcome, now))
        ended = await uow.staff.end_sessions(member.id, now) if outcome.ends_sessions else 0
        before, after = _values(member, outcome, ended)
        await record(
            uow,
            new_entry(
                at=now,
                actor=Actor(actor.staff_id, actor.email),
                action=AUDIT_ACTION[change.action],
                object_type="staff",
                object_id=member.id,
                reason=outcome.reason,
                before=before,
                after=after,
            ),
        )
        await uow.commit()
    return replace(outcome, sessions_ended=ended)

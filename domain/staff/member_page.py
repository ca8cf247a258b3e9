"""One staff member as an owner reads them (/admin/staff/{id}): role, status, two-factor, last
sign-in, live sessions, the recent audit entries by them and about them, and which changes the
rules allow (with why not, for the others). Needs ``Permission.STAFF_READ``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.audit.model import AuditEntry, AuditFilter
from domain.shared.clock import Clock
from domain.shared.errors import NotFound
from domain.staff.errors import StaffErrorCode
from domain.staff.management import NO_SUCH_MEMBER, StaffAction
from domain.staff.members import StaffRow, staff_row
from domain.staff.model import Role, SignedInStaff
from domain.staff.permissions import Permission, can, require
from domain.staff.ports import StaffUnit

RECENT = 20  # audit entries on the page; the audit log has the rest


@dataclass(frozen=True, slots=True)
class StaffMemberView:
    row: StaffRow
    is_self: bool
    two_factor_pending: bool  # a secret was shown at enrolment, not yet confirmed
    recovery_codes_left: int
    locked_until: datetime | None
    disabled_at: datetime | None
    last_signed_in: datetime | None
    live_sessions: int
    recent: list[AuditEntry]  # by them or about them, newest first
    can_manage: bool
    refused: dict[StaffAction, str]  # an action the rules refuse now, and why


def _refusals(
    view_self: bool, last_owner: bool, row: StaffRow, has_2fa: bool
) -> dict[StaffAction, str]:
    """Why an action would be refused now (the use case checks again when it is made)."""
    refused: dict[StaffAction, str] = {}
    if row.disabled:
        refused[StaffAction.DISABLE] = "Disabled already."
    elif view_self:
        refused[StaffAction.DISABLE] = "You cannot disable yourself. Ask another owner."
    elif last_owner:
        refused[StaffAction.DISABLE] = "The last active owner. Make another owner first."
    if not row.disabled:
        refused[StaffAction.ENABLE] = "Not disabled."
    if last_owner:
        refused[StaffAction.CHANGE_ROLE] = "The last active owner keeps the owner role."
    if view_self:
        refused[StaffAction.RESET_TWO_FACTOR] = "Another owner resets your two-factor."
    elif not has_2fa:
        refused[StaffAction.RESET_TWO_FACTOR] = "No two-factor to reset."
    return refused


async def staff_member_page(
    actor: SignedInStaff, staff_id: str, *, uow: StaffUnit, clock: Clock
) -> StaffMemberView:
    require(actor, Permission.STAFF_READ)
    now = clock.now()
    async with uow:
        members = await uow.staff.all()
        member = next((m for m in members if m.id == staff_id), None)
        if member is None:
            raise NotFound(NO_SUCH_MEMBER, code=StaffErrorCode.NOT_FOUND)
        signed_in = await uow.audit.find(
            AuditFilter(staff_id=member.id, action="staff.signed_in"), limit=1
        )
        by_them = await uow.audit.find(AuditFilter(staff_id=member.id), limit=RECENT)
        about_them = await uow.audit.find(
            AuditFilter(object_type="staff", object_id=member.id), limit=RECENT
        )
        live = await uow.staff.live_sessions(member.id, now)
    recent = sorted(
        {e.id: e for e in by_them + about_them}.values(), key=lambda e: (e.at, e.id), reverse=True
    )[:RECENT]
    owners = sum(1 for m in members if m.role is Role.OWNER and m.disabled_at is None)
    row = staff_row(member, now)
    is_self = member.id == actor.staff_id
    last_owner = member.role is Role.OWNER and member.disabled_at is None and owners <= 1
    has_2fa = member.two_factor_enabled or member.totp_pending_secret is not None
    return StaffMemberView(
        row=row,
        is_self=is_self,
        two_factor_pending=member.totp_pending_secret is not None,
        recovery_codes_left=len(member.recovery_code_hashes),
        locked_until=member.locked_until if row.locked else None,
        disabled_at=member.disabled_at,
        last_signed_in=signed_in[0].at if signed_in else None,
        live_sessions=live,
        recent=recent,
        can_manage=can(actor.role, Permission.STAFF_MANAGE),
        refused=_refusals(is_self, last_owner, row, has_2fa),
    )

"""A signed-in staff member replaces their OWN recovery codes: ten new ones, shown once; the old
ones stop working in the same transaction. It needs the current code from their authenticator
app (a TOTP code, not a recovery code; each code works once, as at sign-in). Wrong codes count
towards the sign-in lockout (LOCKOUT_AFTER in a row lock the member, audited as
``staff.locked_out``). Audited: ``staff.recovery_codes_regenerated``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain.accounts.ports import PasswordHasher
from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, PermissionDenied, ValidationFailed
from domain.staff import totp
from domain.staff.errors import StaffErrorCode
from domain.staff.model import SignedInStaff, StaffMember
from domain.staff.ports import SecretBox, StaffUnit
from domain.staff.rules import new_recovery_codes, normalise_code
from domain.staff.sign_in import count_member_failure

WRONG_CODE = "That code is not right. Enter the 6-digit code your app shows now."
NO_TWO_FACTOR = "You have no two-factor set up, so there are no recovery codes to replace."


@dataclass(frozen=True, slots=True)
class RecoveryStatus:
    two_factor_enabled: bool
    codes_left: int


async def _own(uow: StaffUnit, actor: SignedInStaff, *, lock: bool) -> StaffMember:
    member = await uow.staff.get(actor.staff_id, lock=lock)
    if member is None or member.disabled_at is not None:
        raise PermissionDenied("Sign in to the admin first.", code=StaffErrorCode.FORBIDDEN)
    return member


async def recovery_status(actor: SignedInStaff, *, uow: StaffUnit) -> RecoveryStatus:
    async with uow:
        member = await _own(uow, actor, lock=False)
    return RecoveryStatus(member.two_factor_enabled, len(member.recovery_code_hashes))


def _locked(member: StaffMember, now: datetime) -> InvalidTransition:
    minutes = 1
    if member.locked_until is not None:
        minutes = max(1, -(-int((member.locked_until - now).total_seconds()) // 60))
    return InvalidTransition(
        f"Too many wrong codes. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
        code=StaffErrorCode.LOCKED,
    )


async def regenerate_recovery_codes(
    actor: SignedInStaff,
    code: str,
    *,
    uow: StaffUnit,
    clock: Clock,
    hasher: PasswordHasher,
    box: SecretBox,
) -> list[str]:
    """Ten new recovery codes (shown once) for the signed-in member; the old ones end. The
    TOTP secret is opened with ``box`` (sealed at rest); one this key cannot open matches no
    code, as at sign-in."""
    now = clock.now()
    typed = normalise_code(code)
    codes: list[str] | None = None
    async with uow:
        member = await _own(uow, actor, lock=True)
        if member.totp_secret is None:
            raise InvalidTransition(NO_TWO_FACTOR, code=StaffErrorCode.REFUSED)
        if member.is_locked(now):
            raise _locked(member, now)
        secret = totp.opened(member.totp_secret, box)
        step = (
            None
            if secret is None
            else totp.matching_step(secret, typed, now, after=member.totp_last_step)
        )
        if step is None:
            await count_member_failure(uow, member, now)
        else:
            codes = new_recovery_codes()
            await _replace_codes(uow, member, codes, step, hasher, now)
        await uow.commit()  # a failure is committed too: it counts towards the lockout
    if codes is None:
        raise ValidationFailed({"code": WRONG_CODE}, code=StaffErrorCode.BAD_CODE)
    return codes


async def _replace_codes(
    uow: StaffUnit,
    member: StaffMember,
    codes: list[str],
    step: int,
    hasher: PasswordHasher,
    now: datetime,
) -> None:
    hashes = tuple(hasher.hash(c) for c in codes)
    await uow.staff.update(
        replace(member, totp_last_step=step, recovery_code_hashes=hashes, failed_attempts=0)
    )
    await record(
        uow,
        new_entry(
            at=now,
            actor=Actor(member.id, member.email),
            action="staff.recovery_codes_regenerated",
            object_type="staff",
            object_id=member.id,
            before={"recovery_codes": len(member.recovery_code_hashes)},
            after={"recovery_codes": len(codes)},
        ),
    )

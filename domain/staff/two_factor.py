"""Two-factor enrolment: a new TOTP secret is shown (QR code and text), a code from the app
confirms it, then ten recovery codes are shown once and stored hashed. Enrolment is audited
(``staff.2fa_enrolled``). A session at the ENROL stage (a role that needs two-factor, signing
in) becomes ACTIVE when it is confirmed; a signed-in member may enrol from the staff page too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.accounts.ports import PasswordHasher
from domain.accounts.rules import digest
from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, PermissionDenied, ValidationFailed
from domain.staff import totp
from domain.staff.errors import StaffErrorCode
from domain.staff.model import SessionStage, StaffMember, StaffSession
from domain.staff.ports import SecretBox, StaffUnit
from domain.staff.rules import new_recovery_codes, normalise_code
from domain.staff.sessions import activate_in

EXPIRED = "Your sign-in expired. Sign in again to set up two-factor."


@dataclass(frozen=True, slots=True)
class EnrolmentView:
    email: str
    secret: str  # to type into the app when the QR code cannot be scanned
    uri: str  # otpauth://, drawn as the QR code
    required: bool  # the session is at the ENROL stage: nothing else until this is done


@dataclass(frozen=True, slots=True)
class Enrolled:
    recovery_codes: list[str]  # shown once


async def _session_and_member(
    uow: StaffUnit, cookie_secret: str, clock: Clock
) -> tuple[StaffSession, StaffMember]:
    now = clock.now()
    session = await uow.staff.get_session(digest(cookie_secret))
    if (
        session is None
        or not session.is_live(now)
        or session.stage not in (SessionStage.ENROL, SessionStage.ACTIVE)
    ):
        raise PermissionDenied(EXPIRED, code=StaffErrorCode.FORBIDDEN)
    member = await uow.staff.get(session.staff_id, lock=True)
    if member is None or member.disabled_at is not None:
        raise PermissionDenied(EXPIRED, code=StaffErrorCode.FORBIDDEN)
    return session, member


async def start_enrolment(
    cookie_secret: str, *, issuer: str, uow: StaffUnit, clock: Clock, box: SecretBox
) -> EnrolmentView:
    """The secret to scan: the pending one (a reload shows the same QR code) or a new one. The
    pending secret is stored sealed by ``box``, as the confirmed one will be."""
    async with uow:
        session, member = await _session_and_member(uow, cookie_secret, clock)
        if member.two_factor_enabled:
            raise InvalidTransition("Two-factor is already set up.", code=StaffErrorCode.BAD_CODE)
        stored = member.totp_pending_secret
        pending = totp.opened(stored, box) if stored is not None else None
        if pending is None or not totp.is_sealed(stored or ""):
            pending = pending or totp.new_totp_secret()  # none yet, or sealed under another key
            await uow.staff.update(replace(member, totp_pending_secret=totp.sealed(pending, box)))
            await uow.commit()
    return EnrolmentView(
        email=member.email,
        secret=pending,
        uri=totp.provisioning_uri(pending, email=member.email, issuer=issuer),
        required=session.stage is SessionStage.ENROL,
    )


async def confirm_enrolment(
    cookie_secret: str,
    code: str,
    *,
    uow: StaffUnit,
    clock: Clock,
    hasher: PasswordHasher,
    box: SecretBox,
) -> Enrolled:
    now = clock.now()
    async with uow:
        session, member = await _session_and_member(uow, cookie_secret, clock)
        if member.two_factor_enabled:
            raise InvalidTransition("Two-factor is already set up.", code=StaffErrorCode.BAD_CODE)
        stored = member.totp_pending_secret
        pending = totp.opened(stored, box) if stored is not None else None
        step = totp.matching_step(pending, normalise_code(code), now) if pending else None
        if pending is None or step is None:
            raise ValidationFailed(
                {"code": "That code is not right. Enter the 6-digit code your app shows now."},
                code=StaffErrorCode.BAD_CODE,
            )
        codes = new_recovery_codes()
        await uow.staff.update(
            replace(
                member,
                totp_secret=totp.sealed(pending, box),
                totp_pending_secret=None,
                totp_last_step=step,
                recovery_code_hashes=tuple(hasher.hash(c) for c in codes),
                failed_attempts=0,
            )
        )
        if session.stage is SessionStage.ENROL:
            await activate_in(uow, session, now)
        await record(
            uow,
            new_entry(
                at=now,
                actor=Actor(member.id, member.email),
                action="staff.2fa_enrolled",
                object_type="staff",
                object_id=member.id,
                after={"two_factor": True, "recovery_codes": len(codes)},
            ),
        )
        await uow.commit()
    return Enrolled(recovery_codes=codes)

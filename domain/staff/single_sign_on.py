"""Staff single sign-on through the company's OpenID Connect provider (configured apart from the
subscribers' one). It signs in an existing, active staff member whose e-mail address the
provider says it verified; it never creates staff, and a provider identity alone never skips
two-factor: a member with two-factor, or whose role needs it, goes on to the code (or
enrolment) as after a password.

Refusals are counted against the client address (``staff-ip:``) like wrong passwords, and say
the same thing for an unknown and a disabled member. A completed sign-in is audited as
``staff.signed_in`` (``"method": "oidc"``) when the session becomes active here, or at the code
step after it, as for a password.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.accounts.errors import SignInFailed
from domain.accounts.model import SignInMethod
from domain.accounts.rules import email_problem, normalise_email
from domain.shared.clock import Clock
from domain.staff.ports import StaffUnit
from domain.staff.sessions import StaffGrant
from domain.staff.sign_in import failed_in, first_step_passed_in, ip_wait_in, locked_out

UNVERIFIED = (
    "Your sign-in provider did not confirm your e-mail address, so it cannot sign you in to the "
    "admin. Sign in with your password."
)
NO_STAFF = (
    "There is no active staff account for that e-mail address. Ask an owner to add you, or sign "
    "in with your password."
)


@dataclass(frozen=True, slots=True)
class StaffSsoIdentity:
    """What the provider said about who signed in (the ID token and userinfo, checked)."""

    issuer: str
    subject: str
    email: str
    email_verified: bool


async def sign_in_staff_with_sso(
    identity: StaffSsoIdentity,
    *,
    ip: str,
    user_agent: str = "",
    uow: StaffUnit,
    clock: Clock,
) -> StaffGrant:
    """The provider's callback: a session at SECOND_FACTOR, ENROL or ACTIVE, as after a
    password. ``SignInFailed`` for an unverified address or no active member with it;
    ``TooManyAttempts`` past the client address's limit or while the member is locked out."""
    now = clock.now()
    email = normalise_email(identity.email)
    grant: StaffGrant | None = None
    refusal = UNVERIFIED
    async with uow:
        await ip_wait_in(uow, ip, now)
        member = None
        if identity.email_verified and not email_problem(email):
            refusal = NO_STAFF
            member = await uow.staff.get_by_email(email)
        if member is not None and member.is_locked(now):
            raise locked_out(member, now)
        if member is None or member.disabled_at is not None:
            await failed_in(uow, None, ip, now)  # the address counts; no member is blamed
        else:
            grant = await first_step_passed_in(
                uow, member, ip=ip, user_agent=user_agent, now=now, method=SignInMethod.OIDC
            )
        await uow.commit()  # a refusal is committed too: the address's limit counts it
    if grant is None:
        raise SignInFailed(refusal)
    return grant

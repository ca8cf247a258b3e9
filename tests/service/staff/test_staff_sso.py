"""Staff single sign-on's use case on the in-memory unit of work: only an existing, active member
with the provider's verified e-mail signs in (never a new one); two-factor still applies; each
completed sign-in is one ``staff.signed_in`` entry saying ``oidc``; refusals count against the
client address."""

from __future__ import annotations

from dataclasses import replace

import pyotp
import pytest

from domain.accounts.errors import SignInFailed, TooManyAttempts
from domain.shared.clock import FrozenClock
from domain.staff.members import NewStaff, create_staff_from_command_line
from domain.staff.model import SessionStage, StaffMember
from domain.staff.rules import IP_THROTTLE, LOCKOUT_FOR
from domain.staff.sign_in import verify_second_factor
from domain.staff.single_sign_on import (
    NO_STAFF,
    UNVERIFIED,
    StaffSsoIdentity,
    sign_in_staff_with_sso,
)
from tests.fakes import InMemoryUnitOfWork
from tests.support.accounts import CHEAP_HASHER
from tests.support.staff import TEST_BOX

pytestmark = pytest.mark.service
IP = "10.0.0.7"


def said(email: str, *, verified: bool = True) -> StaffSsoIdentity:
    return StaffSsoIdentity(
        issuer="https://id.example.com", subject="s-1", email=email, email_verified=verified
    )


async def _member(
    uow: InMemoryUnitOfWork, clock: FrozenClock, role: str, email: str
) -> StaffMember:
    return await create_staff_from_command_line(
        NewStaff(email, "Someone", role, "a good long password"),
        uow=uow,
        clock=clock,
        hasher=CHEAP_HASHER,
    )


async def test_an_active_member_with_the_verified_address_signs_in(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    await _member(uow, clock, "support", "sam@example.com")
    before = len(uow.audit.entries)
    grant = await sign_in_staff_with_sso(said("Sam@Example.com "), ip=IP, uow=uow, clock=clock)
    assert (
        grant.signed_in.stage is SessionStage.ACTIVE and grant.signed_in.email == "sam@example.com"
    )
    (entry,) = uow.audit.entries[before:]
    assert entry.action == "staff.signed_in" and entry.after["method"] == "oidc"
    assert uow.staff.sessions[grant.signed_in.session_id].method.value == "oidc"


@pytest.mark.parametrize(
    ("identity", "message"),
    [
        (said("nobody@example.com"), NO_STAFF),  # unknown: never created
        (said("sam@example.com", verified=False), UNVERIFIED),
        (said("not an address"), UNVERIFIED),
        (said(""), UNVERIFIED),
    ],
)
async def test_refusals_create_nothing_and_count_against_the_address(
    clock: FrozenClock, identity: StaffSsoIdentity, message: str
) -> None:
    uow = InMemoryUnitOfWork()
    await _member(uow, clock, "support", "sam@example.com")
    entries, members = len(uow.audit.entries), len(uow.staff.members)
    with pytest.raises(SignInFailed) as refused:
        await sign_in_staff_with_sso(identity, ip=IP, uow=uow, clock=clock)
    assert refused.value.message == message
    assert (len(uow.audit.entries), len(uow.staff.members), uow.staff.sessions) == (
        entries,
        members,
        {},
    )
    assert [(k, ok) for k, _, ok in uow.staff.attempts] == [(f"staff-ip:{IP}", False)]


async def test_a_disabled_member_is_refused_like_an_unknown_one(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    sam = await _member(uow, clock, "support", "sam@example.com")
    await uow.staff.update(replace(sam, disabled_at=clock.now()))
    with pytest.raises(SignInFailed) as refused:
        await sign_in_staff_with_sso(said("sam@example.com"), ip=IP, uow=uow, clock=clock)
    assert refused.value.message == NO_STAFF and not uow.staff.sessions


async def test_a_locked_member_waits_and_the_address_limit_holds(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    sam = await _member(uow, clock, "support", "sam@example.com")
    await uow.staff.update(replace(sam, locked_until=clock.now() + LOCKOUT_FOR))
    with pytest.raises(TooManyAttempts):
        await sign_in_staff_with_sso(said("sam@example.com"), ip=IP, uow=uow, clock=clock)
    other = InMemoryUnitOfWork()
    await _member(other, clock, "support", "sam@example.com")
    for _ in range(IP_THROTTLE.per_ip):
        with pytest.raises(SignInFailed):
            await sign_in_staff_with_sso(said("x@example.com"), ip=IP, uow=other, clock=clock)
    with pytest.raises(TooManyAttempts):  # even the right member, from that address, waits
        await sign_in_staff_with_sso(said("sam@example.com"), ip=IP, uow=other, clock=clock)


async def test_two_factor_still_applies_after_sso(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    owner = await _member(uow, clock, "owner", "o@example.com")
    await _member(uow, clock, "billing", "b@example.com")
    # billing without two-factor: enrolment comes next, nothing else opens
    enrol = await sign_in_staff_with_sso(said("b@example.com"), ip=IP, uow=uow, clock=clock)
    assert enrol.signed_in.stage is SessionStage.ENROL
    # the owner has two-factor: the code comes next, then the sign-in is complete (one entry)
    secret = pyotp.random_base32()
    await uow.staff.update(replace(owner, totp_secret=secret))
    before = len(uow.audit.entries)
    step = await sign_in_staff_with_sso(said("o@example.com"), ip=IP, uow=uow, clock=clock)
    assert step.signed_in.stage is SessionStage.SECOND_FACTOR
    assert len(uow.audit.entries) == before  # not signed in yet
    done = await verify_second_factor(
        step.secret,
        pyotp.TOTP(secret).at(clock.now()),
        ip=IP,
        uow=uow,
        clock=clock,
        hasher=CHEAP_HASHER,
        box=TEST_BOX,
    )
    assert done.signed_in.stage is SessionStage.ACTIVE
    (entry,) = uow.audit.entries[before:]
    assert (entry.action, entry.after["method"], entry.after["two_factor"]) == (
        "staff.signed_in",
        "oidc",
        True,
    )

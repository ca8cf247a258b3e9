"""Staff use cases on the in-memory unit of work: who may create staff, sign-in with its limits,
recovery codes used once, and exactly one audit entry per staff action."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta

import pyotp
import pytest

from domain.accounts.errors import SignInFailed, TooManyAttempts
from domain.shared.clock import FrozenClock
from domain.shared.errors import PermissionDenied, ValidationFailed
from domain.staff import totp
from domain.staff.members import NewStaff, create_staff, create_staff_from_command_line
from domain.staff.model import Role, SessionStage
from domain.staff.permissions import ROLE_PERMISSIONS, Permission, can
from domain.staff.rules import LOCKOUT_AFTER, LOCKOUT_FOR
from domain.staff.sessions import resolve_staff_session
from domain.staff.sign_in import sign_in_staff, verify_second_factor
from domain.staff.two_factor import confirm_enrolment, start_enrolment
from tests.fakes import InMemoryUnitOfWork
from tests.support.accounts import CHEAP_HASHER
from tests.support.staff import TEST_BOX

pytestmark = pytest.mark.service
PASSWORD = "a good long password"


async def _member(uow: InMemoryUnitOfWork, clock: FrozenClock, role: str, email: str):
    return await create_staff_from_command_line(
        NewStaff(email, "Someone", role, PASSWORD), uow=uow, clock=clock, hasher=CHEAP_HASHER
    )


def test_the_role_table() -> None:
    assert not any(can(Role.VIEWER, p) for p in (Permission.CUSTOMERS_ACT, Permission.MONEY_ACT))
    assert can(Role.SUPPORT, Permission.REFUND_UP_TO_LIMIT)
    assert not can(Role.SUPPORT, Permission.MONEY_ACT)
    assert can(Role.BILLING, Permission.CATALOG_MANAGE) and not can(
        Role.BILLING, Permission.STAFF_MANAGE
    )
    assert ROLE_PERMISSIONS[Role.OWNER] == frozenset(Permission)
    # each role holds everything the one below it holds
    order = [Role.VIEWER, Role.SUPPORT, Role.BILLING, Role.OWNER]
    assert all(ROLE_PERMISSIONS[a] < ROLE_PERMISSIONS[b] for a, b in itertools.pairwise(order))


async def test_only_an_owner_creates_staff_and_each_creation_is_one_entry(
    clock: FrozenClock,
) -> None:
    uow = InMemoryUnitOfWork()
    owner = await _member(uow, clock, "owner", "o@example.com")
    billing = await _member(uow, clock, "billing", "b@example.com")
    assert len(uow.audit.entries) == 2
    grant_o = await sign_in_staff(
        "o@example.com", PASSWORD, ip="1.1.1.1", uow=uow, clock=clock, hasher=CHEAP_HASHER
    )
    assert grant_o.signed_in.stage is SessionStage.ENROL  # owners need two-factor
    as_owner = replace(grant_o.signed_in, stage=SessionStage.ACTIVE)
    as_billing = replace(as_owner, staff_id=billing.id, email=billing.email, role=Role.BILLING)
    before = len(uow.audit.entries)
    with pytest.raises(PermissionDenied):
        await create_staff(
            as_billing,
            NewStaff("x@example.com", "X", "viewer", PASSWORD),
            uow=uow,
            clock=clock,
            hasher=CHEAP_HASHER,
        )
    with pytest.raises(ValidationFailed) as refused:
        await create_staff(
            as_owner,
            NewStaff("o@example.com", "", "chief", "short"),
            uow=uow,
            clock=clock,
            hasher=CHEAP_HASHER,
        )
    assert set(refused.value.field_errors) == {"name", "role", "password"}
    assert len(uow.audit.entries) == before
    await create_staff(
        as_owner,
        NewStaff("x@example.com", "X", "viewer", PASSWORD),
        uow=uow,
        clock=clock,
        hasher=CHEAP_HASHER,
    )
    assert len(uow.audit.entries) == before + 1
    entry = uow.audit.entries[-1]
    assert (entry.action, entry.actor.staff_id, entry.after["role"]) == (
        "staff.created",
        owner.id,
        "viewer",
    )


async def test_enrolment_then_code_then_recovery_code_once(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    await _member(uow, clock, "owner", "o@example.com")
    grant = await sign_in_staff(
        "o@example.com", PASSWORD, ip="1.1.1.1", uow=uow, clock=clock, hasher=CHEAP_HASHER
    )
    assert await resolve_staff_session(grant.secret, uow=uow, clock=clock) is not None
    view = await start_enrolment(grant.secret, issuer="T", uow=uow, clock=clock, box=TEST_BOX)
    assert view.required and view.uri.startswith("otpauth://totp/")
    entries = len(uow.audit.entries)
    done = await confirm_enrolment(
        grant.secret,
        pyotp.TOTP(view.secret).at(clock.now()),
        uow=uow,
        clock=clock,
        hasher=CHEAP_HASHER,
        box=TEST_BOX,
    )
    assert len(done.recovery_codes) == 10 and len(uow.audit.entries) == entries + 1
    member = await uow.staff.get_by_email("o@example.com")
    assert member.totp_secret.startswith("sealed:") and view.secret not in member.totp_secret
    assert totp.opened(member.totp_secret, TEST_BOX) == view.secret and not set(
        member.recovery_code_hashes
    ) & set(done.recovery_codes)

    # the code used to enrol does not sign in: each code works once (replay)
    replay = await sign_in_staff(
        "o@example.com", PASSWORD, ip="1.1.1.1", uow=uow, clock=clock, hasher=CHEAP_HASHER
    )
    with pytest.raises(SignInFailed):
        await verify_second_factor(
            replay.secret,
            pyotp.TOTP(view.secret).at(clock.now()),
            ip="1.1.1.1",
            uow=uow,
            clock=clock,
            hasher=CHEAP_HASHER,
            box=TEST_BOX,
        )
    clock.advance(seconds=30)  # the next step's code works

    for code, works in (
        (pyotp.TOTP(view.secret).at(clock.now()), True),
        (done.recovery_codes[3], True),
        (done.recovery_codes[3], False),
    ):
        step = await sign_in_staff(
            "o@example.com", PASSWORD, ip="1.1.1.1", uow=uow, clock=clock, hasher=CHEAP_HASHER
        )
        assert step.signed_in.stage is SessionStage.SECOND_FACTOR
        entries = len(uow.audit.entries)
        if works:
            signed = await verify_second_factor(
                step.secret,
                code,
                ip="1.1.1.1",
                uow=uow,
                clock=clock,
                hasher=CHEAP_HASHER,
                box=TEST_BOX,
            )
            assert signed.signed_in.stage is SessionStage.ACTIVE
            assert [e.action for e in uow.audit.entries[entries:]] == ["staff.signed_in"]
        else:
            with pytest.raises(SignInFailed):
                await verify_second_factor(
                    step.secret,
                    code,
                    ip="1.1.1.1",
                    uow=uow,
                    clock=clock,
                    hasher=CHEAP_HASHER,
                    box=TEST_BOX,
                )
            assert len(uow.audit.entries) == entries
    assert len((await uow.staff.get_by_email("o@example.com")).recovery_code_hashes) == 9


async def test_lockout_after_the_limit_is_one_entry_and_ends(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    await _member(uow, clock, "support", "s@example.com")
    for _ in range(LOCKOUT_AFTER):
        with pytest.raises(SignInFailed):
            await sign_in_staff(
                "s@example.com",
                "wrong password!",
                ip="2.2.2.2",
                uow=uow,
                clock=clock,
                hasher=CHEAP_HASHER,
            )
    assert [e.action for e in uow.audit.entries] == ["staff.created", "staff.locked_out"]
    with pytest.raises(TooManyAttempts):
        await sign_in_staff(
            "s@example.com", PASSWORD, ip="3.3.3.3", uow=uow, clock=clock, hasher=CHEAP_HASHER
        )
    clock.advance(seconds=(LOCKOUT_FOR + timedelta(seconds=1)).total_seconds())
    grant = await sign_in_staff(
        "s@example.com", PASSWORD, ip="3.3.3.3", uow=uow, clock=clock, hasher=CHEAP_HASHER
    )
    assert grant.signed_in.stage is SessionStage.ACTIVE  # support does not need two-factor
    assert uow.audit.entries[-1].action == "staff.signed_in"


async def test_unknown_addresses_are_limited_per_client(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    for i in range(20):
        with pytest.raises(SignInFailed):
            await sign_in_staff(
                f"n{i}@example.com",
                "whatever pass",
                ip="9.9.9.9",
                uow=uow,
                clock=clock,
                hasher=CHEAP_HASHER,
            )
    with pytest.raises(TooManyAttempts):
        await sign_in_staff(
            "n0@example.com",
            "whatever pass",
            ip="9.9.9.9",
            uow=uow,
            clock=clock,
            hasher=CHEAP_HASHER,
        )
    assert uow.audit.entries == []


async def test_a_one_time_link_sets_the_password_once(clock: FrozenClock) -> None:
    from domain.accounts.errors import BadToken
    from domain.staff.links import create_staff_with_link, link_view, redeem_link

    uow = InMemoryUnitOfWork()
    member, secret = await create_staff_with_link(
        NewStaff("l@example.com", "Lee", "owner", None), uow=uow, clock=clock, hasher=CHEAP_HASHER
    )
    assert member.password_hash is None
    assert uow.audit.entries[-1].after["first_sign_in"] == "link"
    with pytest.raises(SignInFailed):  # no password yet: the password step refuses
        await sign_in_staff(
            "l@example.com", "", ip="1.1.1.1", uow=uow, clock=clock, hasher=CHEAP_HASHER
        )
    assert (await link_view(secret, uow=uow, clock=clock)).two_factor_next
    with pytest.raises(ValidationFailed):
        await redeem_link(secret, "short", ip="1.1.1.1", uow=uow, clock=clock, hasher=CHEAP_HASHER)
    entries = len(uow.audit.entries)
    grant = await redeem_link(
        secret, PASSWORD, ip="1.1.1.1", uow=uow, clock=clock, hasher=CHEAP_HASHER
    )
    assert grant.signed_in.stage is SessionStage.ENROL  # an owner: two-factor next
    assert [e.action for e in uow.audit.entries[entries:]] == ["staff.password_set"]
    with pytest.raises(BadToken):
        await redeem_link(secret, PASSWORD, ip="1.1.1.1", uow=uow, clock=clock, hasher=CHEAP_HASHER)
    _, late = await create_staff_with_link(
        NewStaff("m@example.com", "Mo", "viewer", None), uow=uow, clock=clock, hasher=CHEAP_HASHER
    )
    clock.advance(hours=25)
    with pytest.raises(BadToken):
        await link_view(late, uow=uow, clock=clock)

"""An owner changes staff (disable, enable, role, two-factor reset) and a member replaces their
own recovery codes, on the in-memory unit of work: every rule (yourself, the last active owner,
already so), the sessions ended, the next sign-in's stage, and exactly one audit entry per
change with its reason and values before and after."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pyotp
import pytest

from domain.accounts.errors import SignInFailed
from domain.shared.clock import FrozenClock
from domain.shared.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from domain.staff.management import (
    StaffAction,
    StaffChange,
    change_staff,
    preview_staff_change,
)
from domain.staff.member_page import staff_member_page
from domain.staff.members import NewStaff, create_staff_from_command_line
from domain.staff.model import Role, SessionStage, SignedInStaff, StaffMember
from domain.staff.recovery_codes import (
    RecoveryStatus,
    recovery_status,
    regenerate_recovery_codes,
)
from domain.staff.rules import LOCKOUT_AFTER
from domain.staff.sessions import resolve_staff_session
from domain.staff.sign_in import sign_in_staff, verify_second_factor
from domain.staff.totp import new_totp_secret
from tests.fakes import InMemoryUnitOfWork
from tests.support.accounts import CHEAP_HASHER
from tests.support.staff import TEST_BOX

pytestmark = pytest.mark.service
PASSWORD = "a good long password"
WHY = "Left the team on 2026-12-01 (ticket OPS-12)."


async def _member(
    uow: InMemoryUnitOfWork, clock: FrozenClock, role: str, email: str, *, two_factor: bool = False
) -> StaffMember:
    member = await create_staff_from_command_line(
        NewStaff(email, email.split("@")[0].title(), role, PASSWORD),
        uow=uow,
        clock=clock,
        hasher=CHEAP_HASHER,
    )
    if two_factor:
        member = replace(
            member,
            totp_secret=new_totp_secret(),
            recovery_code_hashes=tuple(CHEAP_HASHER.hash(c) for c in ("aaaa-bbbb-cccc",)),
        )
        await uow.staff.update(member)
    return member


def _as(member: StaffMember) -> SignedInStaff:
    return SignedInStaff(member.id, member.email, member.name, member.role, session_id="s")


async def _signed_in(uow: InMemoryUnitOfWork, clock: FrozenClock, member: StaffMember) -> str:
    """A live session of ``member`` (the password step), its cookie secret."""
    grant = await sign_in_staff(
        member.email, PASSWORD, ip="1.1.1.1", uow=uow, clock=clock, hasher=CHEAP_HASHER
    )
    return grant.secret


async def _change(
    uow: InMemoryUnitOfWork, clock: FrozenClock, actor: StaffMember, target: StaffMember,
    action: StaffAction, *, role: str = "", reason: str = WHY,
):  # fmt: skip
    return await change_staff(
        _as(actor), target.id, StaffChange(action, reason, role), uow=uow, clock=clock
    )


async def test_only_an_owner_changes_staff(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    await _member(uow, clock, "owner", "olive@example.com", two_factor=True)
    billing = await _member(uow, clock, "billing", "bill@example.com", two_factor=True)
    agent = await _member(uow, clock, "support", "sam@example.com")
    entries = len(uow.audit.entries)
    for who in (billing, agent):
        for action in StaffAction:
            change = StaffChange(action, WHY, "viewer")
            with pytest.raises(PermissionDenied):
                await change_staff(_as(who), agent.id, change, uow=uow, clock=clock)
            with pytest.raises(PermissionDenied):
                await preview_staff_change(_as(who), agent.id, change, uow=uow, clock=clock)
        with pytest.raises(PermissionDenied):
            await staff_member_page(_as(who), agent.id, uow=uow, clock=clock)
    assert len(uow.audit.entries) == entries
    assert (await uow.staff.get(agent.id)) == agent


async def test_disable_ends_sessions_at_once_and_enable_lets_them_back(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    owner = await _member(uow, clock, "owner", "olive@example.com", two_factor=True)
    agent = await _member(uow, clock, "support", "sam@example.com")
    secrets = [await _signed_in(uow, clock, agent) for _ in range(2)]
    assert all([await resolve_staff_session(s, uow=uow, clock=clock) for s in secrets])

    preview = await preview_staff_change(
        _as(owner), agent.id, StaffChange(StaffAction.DISABLE, WHY), uow=uow, clock=clock
    )
    assert preview.sessions_ended == 2 and preview.ends_sessions
    assert (await uow.staff.get(agent.id)).disabled_at is None  # a preview writes nothing

    entries = len(uow.audit.entries)
    done = await _change(uow, clock, owner, agent, StaffAction.DISABLE)
    assert done.sessions_ended == 2
    assert (await uow.staff.get(agent.id)).disabled_at == clock.now()
    assert all(s.revoked_at == clock.now() for s in uow.staff.sessions.values())
    assert [await resolve_staff_session(s, uow=uow, clock=clock) for s in secrets] == [None, None]
    with pytest.raises(SignInFailed):
        await _signed_in(uow, clock, agent)
    [entry] = uow.audit.entries[entries:]
    assert (entry.action, entry.object_id, entry.reason) == ("staff.disabled", agent.id, WHY)
    assert entry.actor.staff_id == owner.id
    assert entry.before == {"status": "active"}
    assert entry.after == {"status": "disabled", "sessions_ended": 2}

    with pytest.raises(InvalidTransition, match="disabled already"):
        await _change(uow, clock, owner, agent, StaffAction.DISABLE)
    entries = len(uow.audit.entries)
    await _change(uow, clock, owner, agent, StaffAction.ENABLE, reason="Back from leave")
    [entry] = uow.audit.entries[entries:]
    assert entry.action == "staff.enabled" and entry.reason == "Back from leave"
    assert (entry.before, entry.after) == ({"status": "disabled"}, {"status": "active"})
    assert await resolve_staff_session(await _signed_in(uow, clock, agent), uow=uow, clock=clock)
    with pytest.raises(InvalidTransition, match="not disabled"):
        await _change(uow, clock, owner, agent, StaffAction.ENABLE)


async def test_an_owner_cannot_disable_themselves(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    owner = await _member(uow, clock, "owner", "olive@example.com", two_factor=True)
    await _member(uow, clock, "owner", "otto@example.com", two_factor=True)
    entries = len(uow.audit.entries)
    with pytest.raises(InvalidTransition, match="cannot disable yourself"):
        await _change(uow, clock, owner, owner, StaffAction.DISABLE)
    with pytest.raises(InvalidTransition, match="your own two-factor"):
        await _change(uow, clock, owner, owner, StaffAction.RESET_TWO_FACTOR)
    assert len(uow.audit.entries) == entries


async def test_the_last_active_owner_stays_an_active_owner(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    olive = await _member(uow, clock, "owner", "olive@example.com", two_factor=True)
    entries = len(uow.audit.entries)
    with pytest.raises(InvalidTransition, match="last active owner"):
        await _change(uow, clock, olive, olive, StaffAction.CHANGE_ROLE, role="billing")
    assert (await uow.staff.get(olive.id)).role is Role.OWNER

    # a second owner: now one of them may step down, and then the other one may not
    otto = await _member(uow, clock, "owner", "otto@example.com", two_factor=True)
    await _change(uow, clock, olive, olive, StaffAction.CHANGE_ROLE, role="billing")
    with pytest.raises(InvalidTransition, match="last active owner"):
        await _change(uow, clock, otto, otto, StaffAction.CHANGE_ROLE, role="viewer")

    # a disabled owner does not count: with Olive an owner again but disabled, Otto is the
    # last active owner, and a request still acting as Olive cannot disable him either
    await _change(uow, clock, otto, olive, StaffAction.CHANGE_ROLE, role="owner")
    await _change(uow, clock, otto, olive, StaffAction.DISABLE)
    with pytest.raises(InvalidTransition, match="last active owner"):
        await _change(uow, clock, olive, otto, StaffAction.DISABLE)
    with pytest.raises(InvalidTransition, match="last active owner"):
        await _change(uow, clock, otto, otto, StaffAction.CHANGE_ROLE, role="support")
    assert [e.action for e in uow.audit.entries[entries:]] == [
        "staff.created",
        "staff.role_changed",
        "staff.role_changed",
        "staff.disabled",
    ]


async def test_change_role_checks_its_input_and_the_reason(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    owner = await _member(uow, clock, "owner", "olive@example.com", two_factor=True)
    agent = await _member(uow, clock, "support", "sam@example.com")
    entries = len(uow.audit.entries)
    for role, reason, field in (
        ("chief", WHY, "role"),
        ("support", WHY, "role"),  # the role it has
        ("viewer", "   ", "reason"),
        ("viewer", "why\x00not", "reason"),
        ("viewer", "x" * 1_001, "reason"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            await _change(uow, clock, owner, agent, StaffAction.CHANGE_ROLE, role=role,
                          reason=reason)  # fmt: skip
        assert field in refused.value.field_errors, (role, reason)
    with pytest.raises(NotFound):
        await _change(uow, clock, owner, replace(agent, id="nobody"), StaffAction.DISABLE)
    assert len(uow.audit.entries) == entries


async def test_moving_into_a_two_factor_role_sends_them_to_enrolment(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    owner = await _member(uow, clock, "owner", "olive@example.com", two_factor=True)
    agent = await _member(uow, clock, "support", "sam@example.com")
    secret = await _signed_in(uow, clock, agent)

    # down to viewer: the role applies at the next request, the session lives on
    entries = len(uow.audit.entries)
    done = await _change(uow, clock, owner, agent, StaffAction.CHANGE_ROLE, role="viewer")
    assert done.sessions_ended == 0 and not done.enrol_at_next_sign_in
    who = await resolve_staff_session(secret, uow=uow, clock=clock)
    assert who is not None and who.role is Role.VIEWER
    [entry] = uow.audit.entries[entries:]
    assert (entry.action, entry.before, entry.after) == (
        "staff.role_changed",
        {"role": "support"},
        {"role": "viewer"},
    )

    # up to billing without two-factor: sessions end, the next sign-in is enrolment
    entries = len(uow.audit.entries)
    done = await _change(uow, clock, owner, agent, StaffAction.CHANGE_ROLE, role="billing")
    assert done.sessions_ended == 1 and done.enrol_at_next_sign_in
    assert await resolve_staff_session(secret, uow=uow, clock=clock) is None
    [entry] = uow.audit.entries[entries:]
    assert entry.after == {"role": "billing", "sessions_ended": 1, "enrol_at_next_sign_in": True}
    grant = await sign_in_staff(
        agent.email, PASSWORD, ip="1.1.1.1", uow=uow, clock=clock, hasher=CHEAP_HASHER
    )
    assert grant.signed_in.stage is SessionStage.ENROL

    # a member with two-factor moves to owner and keeps their sessions
    boss = await _member(uow, clock, "support", "bo@example.com", two_factor=True)
    done = await _change(uow, clock, owner, boss, StaffAction.CHANGE_ROLE, role="owner")
    assert done.sessions_ended == 0 and not done.enrol_at_next_sign_in


async def test_reset_two_factor_forgets_it_and_they_enrol_again(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    owner = await _member(uow, clock, "owner", "olive@example.com", two_factor=True)
    bill = await _member(uow, clock, "billing", "bill@example.com", two_factor=True)
    step = await _signed_in(uow, clock, bill)  # at the code step: a live session too
    entries = len(uow.audit.entries)
    done = await _change(uow, clock, owner, bill, StaffAction.RESET_TWO_FACTOR)
    assert done.sessions_ended == 1 and done.enrol_at_next_sign_in
    after = await uow.staff.get(bill.id)
    assert after.totp_secret is None and after.recovery_code_hashes == ()
    assert await resolve_staff_session(step, uow=uow, clock=clock) is None
    [entry] = uow.audit.entries[entries:]
    assert entry.action == "staff.2fa_reset" and entry.reason == WHY
    assert entry.before == {"two_factor": True, "recovery_codes": 1}
    assert entry.after == {
        "two_factor": False,
        "recovery_codes": 0,
        "sessions_ended": 1,
        "enrol_at_next_sign_in": True,
    }
    grant = await sign_in_staff(
        bill.email, PASSWORD, ip="1.1.1.1", uow=uow, clock=clock, hasher=CHEAP_HASHER
    )
    assert grant.signed_in.stage is SessionStage.ENROL
    with pytest.raises(InvalidTransition, match="no two-factor"):
        await _change(uow, clock, owner, bill, StaffAction.RESET_TWO_FACTOR)


async def test_a_member_replaces_their_own_recovery_codes(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    bill = await _member(uow, clock, "billing", "bill@example.com", two_factor=True)
    me = _as(bill)
    assert await recovery_status(me, uow=uow) == RecoveryStatus(True, 1)
    entries = len(uow.audit.entries)
    with pytest.raises(ValidationFailed) as wrong:
        await regenerate_recovery_codes(
            me, "000000", uow=uow, clock=clock, hasher=CHEAP_HASHER, box=TEST_BOX
        )
    assert "code" in wrong.value.field_errors
    assert (await uow.staff.get(bill.id)).failed_attempts == 1  # it counts
    with pytest.raises(ValidationFailed):  # a recovery code is not the app's code
        await regenerate_recovery_codes(
            me, "aaaa-bbbb-cccc", uow=uow, clock=clock, hasher=CHEAP_HASHER, box=TEST_BOX
        )
    assert len(uow.audit.entries) == entries

    code = pyotp.TOTP(bill.totp_secret).at(clock.now())
    codes = await regenerate_recovery_codes(
        me, code, uow=uow, clock=clock, hasher=CHEAP_HASHER, box=TEST_BOX
    )
    assert len(codes) == 10 == len(set(codes))
    [entry] = uow.audit.entries[entries:]
    assert entry.action == "staff.recovery_codes_regenerated" and entry.actor.staff_id == bill.id
    assert (entry.before, entry.after) == ({"recovery_codes": 1}, {"recovery_codes": 10})
    assert (await uow.staff.get(bill.id)).failed_attempts == 0
    with pytest.raises(ValidationFailed):  # the same code again: each code works once
        await regenerate_recovery_codes(
            me, code, uow=uow, clock=clock, hasher=CHEAP_HASHER, box=TEST_BOX
        )

    # the old recovery code no longer signs in; a new one does
    for typed, works in (("aaaa-bbbb-cccc", False), (codes[0], True)):
        step = await _signed_in(uow, clock, bill)
        if works:
            await verify_second_factor(
                step, typed, ip="1.1.1.1", uow=uow, clock=clock, hasher=CHEAP_HASHER, box=TEST_BOX
            )
        else:
            with pytest.raises(SignInFailed):
                await verify_second_factor(
                    step,
                    typed,
                    ip="1.1.1.1",
                    uow=uow,
                    clock=clock,
                    hasher=CHEAP_HASHER,
                    box=TEST_BOX,
                )


async def test_wrong_codes_lock_and_no_two_factor_is_refused(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    bill = await _member(uow, clock, "billing", "bill@example.com", two_factor=True)
    agent = await _member(uow, clock, "support", "sam@example.com")
    with pytest.raises(InvalidTransition, match="no two-factor"):
        await regenerate_recovery_codes(
            _as(agent), "123456", uow=uow, clock=clock, hasher=CHEAP_HASHER, box=TEST_BOX
        )
    entries = len(uow.audit.entries)
    for _ in range(LOCKOUT_AFTER):
        with pytest.raises(ValidationFailed):
            await regenerate_recovery_codes(
                _as(bill), "000000", uow=uow, clock=clock, hasher=CHEAP_HASHER, box=TEST_BOX
            )
    assert [e.action for e in uow.audit.entries[entries:]] == ["staff.locked_out"]
    code = pyotp.TOTP(bill.totp_secret).at(clock.now())
    with pytest.raises(InvalidTransition, match="Too many wrong codes"):
        await regenerate_recovery_codes(
            _as(bill), code, uow=uow, clock=clock, hasher=CHEAP_HASHER, box=TEST_BOX
        )


async def test_the_member_page_reads_sign_ins_activity_and_what_is_refused(
    clock: FrozenClock,
) -> None:
    uow = InMemoryUnitOfWork()
    owner = await _member(uow, clock, "owner", "olive@example.com", two_factor=True)
    agent = await _member(uow, clock, "support", "sam@example.com")
    page = await staff_member_page(_as(owner), agent.id, uow=uow, clock=clock)
    assert page.last_signed_in is None and page.live_sessions == 0 and page.can_manage
    assert [e.action for e in page.recent] == ["staff.created"]
    assert set(page.refused) == {StaffAction.ENABLE, StaffAction.RESET_TWO_FACTOR}

    clock.advance(minutes=5)
    await _signed_in(uow, clock, agent)
    clock.advance(minutes=5)
    await _change(uow, clock, owner, agent, StaffAction.CHANGE_ROLE, role="viewer")
    page = await staff_member_page(_as(owner), agent.id, uow=uow, clock=clock)
    assert page.last_signed_in == clock.now() - timedelta(minutes=5)
    assert page.live_sessions == 1 and page.row.role is Role.VIEWER
    assert [e.action for e in page.recent] == [
        "staff.role_changed",
        "staff.signed_in",
        "staff.created",
    ]
    mine = await staff_member_page(_as(owner), owner.id, uow=uow, clock=clock)
    assert mine.is_self and set(mine.refused) == {
        StaffAction.DISABLE,
        StaffAction.ENABLE,
        StaffAction.CHANGE_ROLE,
        StaffAction.RESET_TWO_FACTOR,
    }
    assert "last active owner" in mine.refused[StaffAction.CHANGE_ROLE]
    with pytest.raises(NotFound):
        await staff_member_page(_as(owner), "nobody", uow=uow, clock=clock)

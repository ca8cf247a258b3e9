"""The staff TOTP secret at rest: sealed by the SecretBox (Fernet under a key from the settings),
a secret stored plain before encryption still works and is sealed at its next use, and a secret
sealed under another key leaves the recovery codes (never a 5xx, never a way around the code)."""

from __future__ import annotations

from dataclasses import replace

import pyotp
import pytest

from domain.accounts.errors import SignInFailed
from domain.adapters.secret_box_fernet import FernetSecretBox
from domain.shared.clock import FrozenClock
from domain.staff import totp
from domain.staff.members import NewStaff, create_staff_from_command_line
from domain.staff.model import SessionStage
from domain.staff.sign_in import sign_in_staff, verify_second_factor
from tests.fakes import InMemoryUnitOfWork
from tests.support.accounts import CHEAP_HASHER
from tests.support.staff import TEST_BOX

pytestmark = pytest.mark.service
PASSWORD = "a good long password"
RECOVERY = "abcd-efgh-jkmn"


async def _owner_with(uow: InMemoryUnitOfWork, clock: FrozenClock, stored: str) -> None:
    member = await create_staff_from_command_line(
        NewStaff("o@example.com", "Olive", "owner", PASSWORD),
        uow=uow,
        clock=clock,
        hasher=CHEAP_HASHER,
    )
    await uow.staff.update(
        replace(member, totp_secret=stored, recovery_code_hashes=(CHEAP_HASHER.hash(RECOVERY),))
    )


async def _code_step(uow: InMemoryUnitOfWork, clock: FrozenClock, code: str, box: FernetSecretBox):
    step = await sign_in_staff(
        "o@example.com", PASSWORD, ip="1.1.1.1", uow=uow, clock=clock, hasher=CHEAP_HASHER
    )
    assert step.signed_in.stage is SessionStage.SECOND_FACTOR
    return await verify_second_factor(
        step.secret, code, ip="1.1.1.1", uow=uow, clock=clock, hasher=CHEAP_HASHER, box=box
    )


def test_the_box_seals_and_opens_only_with_its_key() -> None:
    secret = pyotp.random_base32()
    stored = totp.sealed(secret, TEST_BOX)
    assert stored.startswith(totp.SEALED) and secret not in stored
    assert len(stored) <= 255  # the column's width
    assert totp.opened(stored, TEST_BOX) == secret
    other = FernetSecretBox("another installation's key material " + "x" * 8)
    assert totp.opened(stored, other) is None
    assert totp.opened(stored[:-4] + "AAAA", TEST_BOX) is None  # altered: refused, not garbage
    assert totp.opened(secret, other) == secret  # plain (from before encryption): as it is
    assert "key" in repr(TEST_BOX) and "test-only" not in repr(TEST_BOX)
    with pytest.raises(ValueError, match="at least 32"):
        FernetSecretBox("short")


async def test_a_plain_secret_from_before_still_works_and_is_sealed_at_its_next_use(
    clock: FrozenClock,
) -> None:
    uow = InMemoryUnitOfWork()
    secret = pyotp.random_base32()
    await _owner_with(uow, clock, secret)
    signed = await _code_step(uow, clock, pyotp.TOTP(secret).at(clock.now()), TEST_BOX)
    assert signed.signed_in.stage is SessionStage.ACTIVE
    stored = (await uow.staff.get_by_email("o@example.com")).totp_secret
    assert stored.startswith(totp.SEALED) and totp.opened(stored, TEST_BOX) == secret


async def test_a_wrong_code_seals_a_plain_secret_too(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    secret = pyotp.random_base32()
    await _owner_with(uow, clock, secret)
    with pytest.raises(SignInFailed):
        await _code_step(uow, clock, "000000", TEST_BOX)
    stored = (await uow.staff.get_by_email("o@example.com")).totp_secret
    assert totp.opened(stored, TEST_BOX) == secret and stored != secret


async def test_a_secret_sealed_under_another_key_leaves_the_recovery_codes(
    clock: FrozenClock,
) -> None:
    uow = InMemoryUnitOfWork()
    secret = pyotp.random_base32()
    await _owner_with(uow, clock, totp.sealed(secret, TEST_BOX))
    rotated = FernetSecretBox("a new key after a careless rotation " + "y" * 8)
    with pytest.raises(SignInFailed):
        await _code_step(uow, clock, pyotp.TOTP(secret).at(clock.now()), rotated)
    signed = await _code_step(uow, clock, RECOVERY, rotated)
    assert signed.signed_in.stage is SessionStage.ACTIVE

"""The API-key use cases on the in-memory unit of work: owners only, the secret's shape and
hash, revocation (once), authentication (malformed, unknown, revoked refused alike), and the
idempotency outcomes (claimed, in flight, replay, mismatch, expiry, purge)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from domain.apikeys.admin import create_api_key, list_api_keys, revoke_api_key
from domain.apikeys.auth import ApiKeyRefused, authenticate
from domain.apikeys.idempotency import (
    Claimed,
    InFlight,
    Mismatch,
    Replay,
    check_idempotency_key,
    claim,
    complete,
    fingerprint,
    purge_expired,
)
from domain.apikeys.model import Mode
from domain.shared.clock import FrozenClock
from domain.shared.errors import InvalidTransition, PermissionDenied, ValidationFailed
from domain.staff.model import Role, SignedInStaff
from tests.fakes import InMemoryUnitOfWork

pytestmark = pytest.mark.service


def staff(role: Role) -> SignedInStaff:
    return SignedInStaff(staff_id=f"{role}-1", email=f"{role}@example.com", name=role.value,
                         role=role, session_id="s")  # fmt: skip


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 1, 1, 12, tzinfo=UTC))


async def test_only_owners_manage_keys_and_each_change_is_audited(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    for role in (Role.VIEWER, Role.SUPPORT, Role.BILLING):
        with pytest.raises(PermissionDenied):
            await create_api_key(staff(role), name="x", scope="read_only", mode=Mode.TEST,
                                 uow=uow, clock=clock)  # fmt: skip
        with pytest.raises(PermissionDenied):
            await list_api_keys(staff(role), uow=uow)
    made = await create_api_key(staff(Role.OWNER), name=" CRM ", scope="read_write",
                                mode=Mode.LIVE, uow=uow, clock=clock)  # fmt: skip
    assert made.secret.startswith("tsk_live_") and len(made.secret) == 52
    assert made.key.secret_hash == hashlib.sha256(made.secret.encode()).hexdigest()
    assert made.key.name == "CRM" and made.key.prefix == made.secret[:13]
    with pytest.raises(PermissionDenied):
        await revoke_api_key(staff(Role.BILLING), made.key.id, uow=uow, clock=clock)
    await revoke_api_key(staff(Role.OWNER), made.key.id, uow=uow, clock=clock)
    with pytest.raises(InvalidTransition):
        await revoke_api_key(staff(Role.OWNER), made.key.id, uow=uow, clock=clock)
    assert [e.action for e in uow.audit.entries] == ["api_key.created", "api_key.revoked"]
    assert all(made.secret not in repr(e) for e in uow.audit.entries)
    with pytest.raises(ValidationFailed):
        await create_api_key(staff(Role.OWNER), name="x", scope="admin", mode=Mode.TEST,
                             uow=uow, clock=clock)  # fmt: skip


async def test_authenticate_refuses_malformed_unknown_and_revoked_alike(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    made = await create_api_key(staff(Role.OWNER), name="k", scope="read_only", mode=Mode.TEST,
                                uow=uow, clock=clock)  # fmt: skip
    key = await authenticate(made.secret, uow=uow, new_uow=lambda: uow, clock=clock)
    assert key.id == made.key.id and not key.can_write
    unknown = made.secret[:-1] + ("a" if made.secret[-1] != "a" else "b")
    for secret in ("", "tsk_test_", "Bearer x", unknown, made.secret + "x"):
        with pytest.raises(ApiKeyRefused):
            await authenticate(secret, uow=uow, new_uow=lambda: uow, clock=clock)
    await revoke_api_key(staff(Role.OWNER), made.key.id, uow=uow, clock=clock)
    with pytest.raises(ApiKeyRefused):
        await authenticate(made.secret, uow=uow, new_uow=lambda: uow, clock=clock)


async def test_idempotency_outcomes(clock: FrozenClock) -> None:
    uow = InMemoryUnitOfWork()
    body = fingerprint("POST", "/api/v1/customers", b'{"a":1}')
    assert body != fingerprint("POST", "/api/v1/customers", b'{"a":2}')
    assert body != fingerprint("POST", "/api/v1/customers/x", b'{"a":1}')
    assert isinstance(await claim("k1", "i", body, uow=uow, clock=clock), Claimed)
    assert isinstance(await claim("k1", "i", body, uow=uow, clock=clock), InFlight)
    assert isinstance(await claim("k1", "i", "other", uow=uow, clock=clock), Mismatch)
    assert isinstance(await claim("k2", "i", body, uow=uow, clock=clock), Claimed)  # per key
    await complete("k1", "i", status=201, body='{"id":1}', media_type="application/json", uow=uow)
    assert await claim("k1", "i", body, uow=uow, clock=clock) == Replay(201, '{"id":1}',
                                                                        "application/json")  # fmt: skip
    clock.advance(hours=24)
    assert isinstance(await claim("k1", "i", body, uow=uow, clock=clock), Claimed)  # expired
    clock.advance(hours=24, seconds=1)
    assert await purge_expired(uow=uow, clock=clock) == 2


@pytest.mark.parametrize("bad", ["", "x" * 256, "a\nb", "a\tb", "a\x00b"])
def test_idempotency_keys_are_checked(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        check_idempotency_key(bad)
    assert check_idempotency_key("x" * 255) == "x" * 255

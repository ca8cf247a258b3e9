"""/admin/api-keys' use cases (``API_KEYS_MANAGE``, owners only): the list, create a key (its
secret returned once, never stored), revoke one. Each create and revoke is audited in the same
transaction (``api_key.created``, ``api_key.revoked``); no audit entry holds key material."""

from __future__ import annotations

from dataclasses import replace

from domain.apikeys.key_secrets import hash_secret, new_secret, visible_prefix
from domain.apikeys.model import ApiKey, CreatedKey, Mode, Scope
from domain.apikeys.ports import ApiKeysUnit
from domain.audit.model import Actor, new_entry
from domain.audit.service import record
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.ids import new_id
from domain.shared.text import text_problem
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require

MAX_NAME = 100
INVALID = "api_key.invalid"
NOT_FOUND = "api_key.not_found"


def check_key_input(name: str, scope: str) -> tuple[str, Scope]:
    errors: dict[str, str] = {}
    name = name.strip()
    problem = text_problem(name, max_length=MAX_NAME)
    if not name:
        errors["name"] = 'Name the key after what will use it ("CRM sync").'
    elif problem:
        errors["name"] = problem
    try:
        parsed = Scope(scope)
    except ValueError:
        errors["scope"] = "Choose read only or read and write."
        parsed = Scope.READ_ONLY
    if errors:
        raise ValidationFailed(errors, code=INVALID)
    return name, parsed


async def list_api_keys(actor: SignedInStaff, *, uow: ApiKeysUnit) -> list[ApiKey]:
    require(actor, Permission.API_KEYS_MANAGE)
    async with uow:
        return await uow.api_keys.all()


async def create_api_key(
    actor: SignedInStaff, *, name: str, scope: str, mode: Mode, uow: ApiKeysUnit, clock: Clock
) -> CreatedKey:
    require(actor, Permission.API_KEYS_MANAGE)
    name, parsed = check_key_input(name, scope)
    secret = new_secret(mode)
    now = clock.now()
    key = ApiKey(
        id=new_id(), name=name, scope=parsed, mode=mode, prefix=visible_prefix(secret),
        secret_hash=hash_secret(secret), created_by=actor.email, created_at=now,
    )  # fmt: skip
    async with uow:
        await uow.api_keys.add(key)
        await record(uow, new_entry(
            at=now, actor=Actor(actor.staff_id, actor.email), action="api_key.created",
            object_type="api_key", object_id=key.id,
            after={"name": name, "scope": parsed.value, "mode": mode.value, "prefix": key.prefix},
        ))  # fmt: skip
        await uow.commit()
    return CreatedKey(key, secret)


async def revoke_api_key(
    actor: SignedInStaff, key_id: str, *, uow: ApiKeysUnit, clock: Clock
) -> ApiKey:
    """Revoke at once: the next request with the key answers 401. Revoking twice is refused."""
    require(actor, Permission.API_KEYS_MANAGE)
    now = clock.now()
    async with uow:
        key = await uow.api_keys.get(key_id)
        if key is None:
            raise NotFound("No such API key.", code=NOT_FOUND)
        if not key.active:
            raise InvalidTransition("This key is already revoked.", code="api_key.revoked")
        await uow.api_keys.revoke(key_id, at=now, by=actor.email)
        await record(uow, new_entry(
            at=now, actor=Actor(actor.staff_id, actor.email), action="api_key.revoked",
            object_type="api_key", object_id=key.id,
            before={"name": key.name, "scope": key.scope.value, "prefix": key.prefix},
        ))  # fmt: skip
        await uow.commit()
    return replace(key, revoked_at=now, revoked_by=actor.email)

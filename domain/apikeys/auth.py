"""Who an API request acts as: the bearer secret checked against the stored hashes. A malformed,
unknown or revoked secret is the same ``ApiKeyRefused`` (the caller answers 401 without saying
which). ``last_used_at`` is written at most once a minute per key, not once per request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from domain.apikeys.key_secrets import hash_secret, same_hash, well_formed
from domain.apikeys.model import ApiKey
from domain.apikeys.ports import ApiKeysUnit
from domain.shared.clock import Clock
from domain.shared.errors import DomainError

TOUCH_EVERY = timedelta(minutes=1)


class ApiKeyRefused(DomainError):
    default_code = "api_key.refused"


REFUSED = "Send a valid API key: Authorization: Bearer <key>."


async def authenticate(
    secret: str, *, uow: ApiKeysUnit, new_uow: Callable[[], ApiKeysUnit], clock: Clock
) -> ApiKey:
    """The active key whose secret this is. ``uow`` only reads (no write lock per request);
    ``new_uow`` opens the write of ``last_used_at`` when a minute has passed since the last."""
    if not well_formed(secret):
        raise ApiKeyRefused(REFUSED)
    presented = hash_secret(secret)
    now = clock.now()
    async with uow:
        key = await uow.api_keys.by_hash(presented)
    if key is None or not same_hash(key.secret_hash, presented) or not key.active:
        raise ApiKeyRefused(REFUSED)
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        async with new_uow() as write:
            await write.api_keys.touch(key.id, at=now, unless_after=now - TOUCH_EVERY)
            await write.commit()
    return key

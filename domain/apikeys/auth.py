"""Who an API request acts as: the bearer secret checked against the stored hashes. A malformed,
unknown or revoked secret is the same ``ApiKeyRefused`` (the caller answers 401 without saying
which). ``last_used_at`` is written at most once a minute per key, not once per request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

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
    """The active key whose secret this is. ``uow`` only reads (no write lock per request; the
    web layer gives a single-statement read unit: on PostgreSQL no transaction around the one
    ``SELECT``); ``new_uow`` opens the write of ``last_used_at`` when a minute has passed since
    the last."""
    presented = presented_hash(secret)
    async with uow:
        key = await uow.api_keys.by_hash(presented)
    key = accepted(key, presented)
    await touch_if_due(key, now=clock.now(), new_uow=new_uow)
    return key


def presented_hash(secret: str) -> str:
    """The hash a presented secret is looked up by; a malformed secret is refused unread."""
    if not well_formed(secret):
        raise ApiKeyRefused(REFUSED)
    return hash_secret(secret)


def accepted(key: ApiKey | None, presented: str) -> ApiKey:
    """The key read by the presented hash, if it may act: it exists, its hash equals the
    presented one (compared in constant time) and it is not revoked; else ``ApiKeyRefused``."""
    if key is None or not same_hash(key.secret_hash, presented) or not key.active:
        raise ApiKeyRefused(REFUSED)
    return key


async def touch_if_due(key: ApiKey, *, now: datetime, new_uow: Callable[[], ApiKeysUnit]) -> None:
    """Write ``last_used_at`` when ``TOUCH_EVERY`` has passed since the last (a write per key and
    minute, not per request; the conditional update keeps concurrent requests to one)."""
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        async with new_uow() as write:
            await write.api_keys.touch(key.id, at=now, unless_after=now - TOUCH_EVERY)
            await write.commit()

"""Session secrets, for both audiences' sessions (``auth_session``, ``staff_session``): a new
session's cookie secret (shown once) and the id stored for it (its SHA-256), finding the live
session a cookie's secret names, and when its last-seen time is due to be written again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol, TypeVar

from domain.accounts.rules import SESSION_TOUCH_EVERY, digest, new_secret


class SessionRecord(Protocol):
    @property
    def last_seen_at(self) -> datetime: ...

    def is_live(self, now: datetime) -> bool: ...


S = TypeVar("S", bound=SessionRecord)


def new_session_secret() -> tuple[str, str]:
    """A new session's cookie secret and the session id stored for it (its digest)."""
    secret = new_secret()
    return secret, digest(secret)


async def live_session(
    secret: str, now: datetime, get_session: Callable[[str], Awaitable[S | None]]
) -> S | None:
    """The session ``secret`` names when it is live (not expired, not revoked), else None."""
    if not secret:
        return None
    session = await get_session(digest(secret))
    if session is None or not session.is_live(now):
        return None
    return session


def touch_due(session: SessionRecord, now: datetime) -> bool:
    """Last-seen is written at most every SESSION_TOUCH_EVERY (not on every request)."""
    return now - session.last_seen_at >= SESSION_TOUCH_EVERY

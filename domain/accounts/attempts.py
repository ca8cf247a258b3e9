"""The sign-in attempt log both audiences count their limits in (subscribers: ``email:`` and
``ip:`` keys and the e-mailed-link request keys; staff: ``staff-ip:``), and its window count.

One store holds every attempt under its key (the ``sign_in_attempt`` table); a key's failures
count from the later of the window's start and the key's last success.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from domain.accounts.rules import ThrottlePolicy


class AttemptLog(Protocol):
    """Where attempts are recorded; the account and staff repositories both are one."""

    async def record_attempt(self, key: str, at: datetime, *, succeeded: bool) -> None: ...

    async def failures_since(self, key: str, since: datetime) -> list[datetime]:
        """Failed attempts for ``key`` after ``since`` and after the key's last success."""
        ...


async def retry_after_in(
    log: AttemptLog, key: str, limit: int, policy: ThrottlePolicy, now: datetime
) -> timedelta | None:
    """How long ``key`` must wait before it may try again (None: it may now)."""
    failures = await log.failures_since(key, now - policy.window)
    return policy.retry_after(failures, limit, now)


async def count_request_in(
    log: AttemptLog, limits: list[tuple[str, int]], window: timedelta, now: datetime
) -> bool:
    """A request that only counts (an e-mailed link asked for): False, and nothing recorded, when
    any key has reached its limit in the window; else each key records it (as not succeeded,
    so it counts) and True."""
    for key, limit in limits:
        if len(await log.failures_since(key, now - window)) >= limit:
            return False
    for key, _ in limits:
        await log.record_attempt(key, now, succeeded=False)
    return True

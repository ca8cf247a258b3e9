"""Jobs as data: their states, what a claimed job carries, and the retry back-off rule."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeAlias

# Job kwargs are JSON (no floats: amounts travel as integer minor units or decimal strings).
JsonValue: TypeAlias = "str | int | bool | list[JsonValue] | dict[str, JsonValue] | None"


class JobStatus(StrEnum):
    QUEUED = "queued"  # waiting for run_at
    RUNNING = "running"  # claimed by a runner, under a lease until locked_until
    SUCCEEDED = "succeeded"
    DEAD = "dead"  # out of attempts, or failed permanently; staff may retry it


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job to insert. ``unique_key`` makes enqueueing idempotent: a second job with the same key
    is silently not created (renewal ``(subscription, period_start)``, a schedule tick, ...)."""

    name: str
    kwargs: dict[str, JsonValue]
    run_at: datetime
    max_attempts: int
    timeout_s: int
    unique_key: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: str
    name: str
    kwargs: dict[str, JsonValue]
    attempt: int  # 1 for the first run
    max_attempts: int
    timeout_s: int
    lease_until: datetime

    @property
    def is_last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts


@dataclass(frozen=True, slots=True)
class JobRow:
    """A job as the admin queue page and health checks see it."""

    id: str
    name: str
    status: JobStatus
    attempts: int
    max_attempts: int
    run_at: datetime | None
    unique_key: str | None
    last_error: str | None
    created_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential back-off with "equal jitter": half the delay fixed, half random.

    The delay before retry ``n`` (after the n-th failed attempt) is ``base * 2**(n-1)`` capped at
    ``cap``; the wait is uniformly drawn from ``[delay/2, delay]`` so that jobs that failed together
    (a gateway outage) do not all come back in the same second.
    """

    base: timedelta = timedelta(seconds=15)
    cap: timedelta = timedelta(hours=1)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, failed_attempts: int) -> timedelta:
        full = min(self.cap, self.base * (1 << max(failed_attempts - 1, 0)))
        half = full / 2
        return half + half * self.rng.random()

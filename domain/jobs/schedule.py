"""The schedule: the one place where the cadence of recurring jobs is declared.

Each entry yields "ticks" (instants when it is due). The runner enqueues the *latest* tick at or
before ``clock.now()`` with the unique key ``schedule:<job>:<tick>``, so:
- several app processes enqueue each tick once (the unique key),
- a missed tick is harmless: the job computes "everything due as of now" when it runs,
- a restart does not replay old ticks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.jobs.model import JsonValue

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Every:
    """Every ``minutes`` minutes, on multiples of that many minutes since the Unix epoch."""

    minutes: int
    job: str
    kwargs: dict[str, JsonValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.minutes < 1:
            raise ValueError("Every needs at least one minute")

    def latest_tick(self, now: datetime) -> datetime:
        step = timedelta(minutes=self.minutes)
        return _EPOCH + ((now - _EPOCH) // step) * step


@dataclass(frozen=True, slots=True)
class Daily:
    """Once a day at a wall-clock time in a time zone (UTC by default)."""

    at: time
    job: str
    kwargs: dict[str, JsonValue] = field(default_factory=dict)
    tz: str = "UTC"

    def latest_tick(self, now: datetime) -> datetime:
        zone = ZoneInfo(self.tz)
        local = now.astimezone(zone)
        today = datetime.combine(local.date(), self.at, tzinfo=zone)
        tick = (
            today
            if today <= local
            else datetime.combine(local.date() - timedelta(days=1), self.at, tzinfo=zone)
        )
        return tick.astimezone(UTC)


ScheduleEntry = Every | Daily


def tick_key(entry: ScheduleEntry, tick: datetime) -> str:
    """``schedule:<job>:<tick>`` plus a digest of the kwargs, so two entries for the same job
    with different arguments due at the same instant are two jobs, not one."""
    key = f"schedule:{entry.job}:{tick.astimezone(UTC).isoformat()}"
    if entry.kwargs:
        digest = hashlib.sha256(json.dumps(entry.kwargs, sort_keys=True).encode()).hexdigest()
        key += f":{digest[:16]}"
    return key


# The product's schedule. Billing contexts add their entries here (renewals every 5 minutes,
# dunning hourly, analytics daily) as they are built.
SCHEDULE: tuple[ScheduleEntry, ...] = (
    Every(5, "subscriptions.renew_due"),
    Every(15, "subscriptions.run_price_migrations"),
    Every(15, "dunning.run"),
    Every(10, "analytics.refresh"),
    Daily(time(8, 0), "notifications.scan_notices"),
    Daily(time(3, 30), "jobs.purge_finished"),
    Every(60, "analytics.refresh_cohorts"),
    Every(60, "analytics.refresh_subscribers"),
    Daily(time(7, 0), "analytics.send_monthly_summary"),
    Every(60, "apikeys.purge_idempotency"),
)

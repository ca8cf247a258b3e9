"""Injected time: the domain never reads the system clock itself; it is handed a ``Clock``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable  # handlers receive it as a named dependency, which Litestar validates
class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...


class SystemClock:
    """The real clock, used in production."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (tests, simulations, test clocks)."""

    def __init__(self, at: datetime) -> None:
        self._now = _aware_utc(at)

    def now(self) -> datetime:
        return self._now

    def advance(
        self,
        *,
        days: float = 0,
        seconds: float = 0,
        microseconds: float = 0,
        milliseconds: float = 0,
        minutes: float = 0,
        hours: float = 0,
        weeks: float = 0,
    ) -> datetime:
        delta = timedelta(
            days=days,
            seconds=seconds,
            microseconds=microseconds,
            milliseconds=milliseconds,
            minutes=minutes,
            hours=hours,
            weeks=weeks,
        )
        if delta < timedelta(0):
            raise ValueError("a clock never goes backwards")
        self._now = self._now + delta
        return self._now

    def set(self, at: datetime) -> datetime:
        at = _aware_utc(at)
        if at < self._now:
            raise ValueError("a clock never goes backwards")
        self._now = at
        return self._now


def _aware_utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("clock instants must be timezone-aware")
    return at.astimezone(UTC)

"""A sliding-window rate limit per API key, in this process's memory: at most ``limit``
requests in any ``window`` (API_RATE_LIMIT, API_RATE_WINDOW_S; docs/operations.md). Time comes
from the app's clock, so tests step it instead of sleeping. With several server processes each
counts its own requests (the limit is per process); nothing is written per request."""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta


class RateLimiter:
    def __init__(self, limit: int, window: timedelta) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[datetime]] = {}

    def hit(self, key: str, now: datetime) -> int | None:
        """Count a request; None when allowed, else the seconds to wait (at least 1)."""
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            wait = (hits[0] + self.window - now).total_seconds()
            return max(1, math.ceil(wait))
        hits.append(now)
        return None

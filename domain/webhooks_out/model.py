"""Endpoints, deliveries and attempts as data, and the retry rule."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from domain.outbound.events import EventType

# The wait before each retry after a failed attempt (attempt n+1 waits RETRY_SCHEDULE[n-1]):
# 13 attempts spread over a little more than three days, as Standard Webhooks suggests.
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    *(timedelta(hours=10),) * 7,
)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
# an endpoint whose every attempt failed for this long is disabled and its owners e-mailed
DISABLE_AFTER = timedelta(days=3)
# after a rotation the old secret signs too for this long, so receivers can switch without
# refusing deliveries (Standard Webhooks sends every signature, space-separated)
ROTATION_OVERLAP = timedelta(hours=24)
TIMEOUT_S = 10.0
EXCERPT_BYTES = 1024


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # an attempt is due (the first, or a retry)
    SUCCEEDED = "succeeded"  # a 2xx answer
    FAILED = "failed"  # out of attempts, the endpoint disabled, or a replay that failed


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: str
    url: str
    description: str
    event_types: tuple[str, ...]  # empty: every event type
    secret: str  # whsec_...
    enabled: bool
    created_at: datetime
    updated_at: datetime
    disabled_reason: str | None = None
    failing_since: datetime | None = None  # first failed attempt since the last success
    previous_secret: str | None = None  # the secret before the last rotation ...
    previous_secret_expires_at: datetime | None = None  # ... signs too until then

    def previous_signs_at(self, at: datetime) -> bool:
        """Whether the secret before the last rotation still signs at ``at``."""
        return (
            self.previous_secret is not None
            and self.previous_secret_expires_at is not None
            and at < self.previous_secret_expires_at
        )

    def signing_secrets(self, at: datetime) -> tuple[str, ...]:
        """The secrets a delivery at ``at`` is signed with: the current one, and for
        ``ROTATION_OVERLAP`` after a rotation the previous one too."""
        if self.previous_signs_at(at):
            assert self.previous_secret is not None
            return (self.secret, self.previous_secret)
        return (self.secret,)

    def rotated(self, new_secret: str, at: datetime) -> Endpoint:
        """This endpoint signing with ``new_secret`` from ``at``, and with its current secret
        too until ``at + ROTATION_OVERLAP``. Rotating again within an overlap drops the older
        secret at once: two secrets sign at most."""
        return replace(self, secret=new_secret, previous_secret=self.secret,
                       previous_secret_expires_at=at + ROTATION_OVERLAP, updated_at=at)  # fmt: skip

    def without_expired_secret(self, at: datetime) -> Endpoint:
        """The previous secret forgotten once it no longer signs (not kept in the database)."""
        if self.previous_secret is None or self.previous_signs_at(at):
            return self
        return replace(self, previous_secret=None, previous_secret_expires_at=None)

    def wants(self, type: EventType | str) -> bool:
        return not self.event_types or str(type) in self.event_types


def wanted_by_any(type: EventType | str, subscriptions: list[tuple[str, ...]]) -> bool:
    """Whether any enabled endpoint, given by the event types it subscribes to (empty: every
    type), wants an event of ``type``: the same rule as ``Endpoint.wants``, read before an
    event is stored so that an event nobody wants queues no fan-out."""
    return any(not types or str(type) in types for types in subscriptions)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one endpoint; its id is derived from both, so it exists once."""

    id: str
    event_id: str
    endpoint_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    finished_at: datetime | None = None


def delivery_id(event_id: str, endpoint_id: str) -> str:
    return "dlv_" + hashlib.sha256(f"{event_id}:{endpoint_id}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class SendResult:
    """What the receiver answered: a status code (None: no answer), the time it took and the
    start of its body, or the error that prevented an answer."""

    status_code: int | None
    latency_ms: int
    body_excerpt: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class Attempt:
    id: str
    delivery_id: str
    endpoint_id: str
    event_id: str
    number: int  # 1 for the first
    at: datetime
    status_code: int | None
    latency_ms: int
    response_excerpt: str
    error: str | None
    succeeded: bool
    replay: bool = False


def excerpt(text: str) -> str:
    """At most ``EXCERPT_BYTES`` bytes of UTF-8 (cut on a character boundary)."""
    raw = text.encode("utf-8", "replace")[:EXCERPT_BYTES]
    return raw.decode("utf-8", "ignore")

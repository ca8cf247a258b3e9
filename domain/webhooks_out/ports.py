"""What outbound webhooks need: endpoints, deliveries and attempts stored; the outbound events
read back; an HTTP sender; and, in the same unit, the audit log, the staff (owners are
e-mailed when an endpoint is disabled) and the e-mail outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.notifications.ports import NotificationsUnit
from domain.outbound.events import OutboundEvent
from domain.outbound.ports import OutboundEventLog, OutboundUnit
from domain.staff.ports import StaffUnit
from domain.webhooks_out.model import Attempt, Delivery, Endpoint, SendResult


class OutboundEventStore(OutboundEventLog, Protocol):
    """``uow.outbound_events`` as the webhooks context reads it."""

    async def get(self, event_id: str) -> OutboundEvent | None: ...

    async def undispatched(self, event_ids: list[str] | None, *, limit: int) -> list[OutboundEvent]:
        """Events not fanned out yet, oldest first (only these ids when given)."""
        ...

    async def mark_dispatched(self, event_ids: list[str]) -> None: ...

    async def recent(self, *, limit: int) -> list[OutboundEvent]: ...

    async def finished_before(self, cutoff: datetime, *, limit: int) -> list[str]:
        """Ids of up to ``limit`` events from before ``cutoff``, oldest first, that are fanned
        out and have no pending delivery."""
        ...

    async def delete(self, event_ids: list[str]) -> int:
        """Delete these events; returns how many were deleted."""
        ...


class EndpointRepository(Protocol):
    async def all(self) -> list[Endpoint]: ...

    async def get(self, endpoint_id: str, *, lock: bool = False) -> Endpoint | None: ...

    async def add(self, endpoint: Endpoint) -> None: ...

    async def save(self, endpoint: Endpoint) -> None: ...


class DeliveryRepository(Protocol):
    async def add(self, delivery: Delivery) -> bool:
        """Store a new delivery; ``False`` when one for its event and endpoint exists."""
        ...

    async def get(self, delivery_id: str, *, lock: bool = False) -> Delivery | None: ...

    async def save(self, delivery: Delivery) -> None: ...

    async def for_endpoint(self, endpoint_id: str, *, limit: int) -> list[Delivery]:
        """Newest first."""
        ...

    async def for_event(self, event_id: str) -> list[Delivery]: ...

    async def counts(self) -> dict[str, dict[str, int]]:
        """Per endpoint id, how many deliveries are in each status."""
        ...

    async def delete_for_events(self, event_ids: list[str]) -> int:
        """Delete these events' deliveries; returns how many."""
        ...


class AttemptRepository(Protocol):
    async def add(self, attempt: Attempt) -> None: ...

    async def for_delivery(self, delivery_id: str) -> list[Attempt]:
        """Oldest first."""
        ...

    async def for_endpoint(self, endpoint_id: str, *, limit: int) -> list[Attempt]:
        """Newest first."""
        ...

    async def delete_for_events(self, event_ids: list[str]) -> int:
        """Delete every attempt of these events' deliveries; returns how many."""
        ...


class WebhookSender(Protocol):
    async def post(
        self, url: str, *, body: bytes, headers: dict[str, str], timeout_s: float
    ) -> SendResult:
        """POST once, following no redirect; a refused, timed-out or private-address request is
        a ``SendResult`` with ``error`` set, never an exception."""
        ...


class WebhooksUnit(NotificationsUnit, OutboundUnit, StaffUnit, Protocol):
    @property
    def outbound_events(self) -> OutboundEventStore: ...

    @property
    def webhook_endpoints(self) -> EndpointRepository: ...

    @property
    def webhook_deliveries(self) -> DeliveryRepository: ...

    @property
    def webhook_attempts(self) -> AttemptRepository: ...

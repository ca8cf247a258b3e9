"""The one port of outbound events: a repository to append to, inside any context's unit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from domain.shared.transaction import Transaction

if TYPE_CHECKING:
    from domain.outbound.events import OutboundEvent


class OutboundEventLog(Protocol):
    """``uow.outbound_events``: append an event in the caller's transaction."""

    async def add(self, event: OutboundEvent) -> bool:
        """Store ``event``; ``False`` (nothing stored) when its ``key`` was used before."""
        ...

    async def add_many(self, events: Sequence[OutboundEvent]) -> None:
        """Store events that have no ``key``, as ``add`` does, in one statement."""
        ...


class OutboundUnit(Transaction, Protocol):
    @property
    def outbound_events(self) -> OutboundEventLog: ...

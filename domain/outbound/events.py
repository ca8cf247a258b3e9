"""The events other systems are told about and ``emit``, the one way any context records one.

``emit`` writes an ``OutboundEvent`` row through ``uow.outbound_events`` in the caller's
transaction: the event exists exactly when the change it reports was committed, and a rolled-back
use case leaves none. The webhooks context (above every other) fans each event out to the
endpoints that want it (``domain/webhooks_out/dispatch.py``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.jobs.model import JsonValue
from domain.outbound.ports import OutboundUnit
from domain.shared.ids import new_id


class EventType(StrEnum):
    CUSTOMER_CREATED = "customer.created"
    CUSTOMER_UPDATED = "customer.updated"
    SUBSCRIPTION_CREATED = "subscription.created"
    SUBSCRIPTION_UPDATED = "subscription.updated"
    SUBSCRIPTION_TRIAL_WILL_END = "subscription.trial_will_end"
    SUBSCRIPTION_CANCELED = "subscription.canceled"
    SUBSCRIPTION_PAUSED = "subscription.paused"
    SUBSCRIPTION_RESUMED = "subscription.resumed"
    INVOICE_ISSUED = "invoice.issued"
    INVOICE_PAID = "invoice.paid"
    INVOICE_PAYMENT_FAILED = "invoice.payment_failed"
    INVOICE_VOIDED = "invoice.voided"
    CREDIT_NOTE_ISSUED = "credit_note.issued"
    REFUND_CREATED = "refund.created"
    ENTITLEMENTS_UPDATED = "entitlements.updated"


EVENT_DESCRIPTIONS: dict[EventType, str] = {
    EventType.CUSTOMER_CREATED: "A customer was created (checkout, staff, the command line).",
    EventType.CUSTOMER_UPDATED: "A customer's billing details changed.",
    EventType.SUBSCRIPTION_CREATED: "A subscription was created.",
    EventType.SUBSCRIPTION_UPDATED: "A subscription changed (plan, quantity, period, status, a scheduled end).",
    EventType.SUBSCRIPTION_TRIAL_WILL_END: "A trial ends in three days.",
    EventType.SUBSCRIPTION_CANCELED: "A subscription ended.",
    EventType.SUBSCRIPTION_PAUSED: "A subscription was paused.",
    EventType.SUBSCRIPTION_RESUMED: "A paused subscription was resumed.",
    EventType.INVOICE_ISSUED: "An invoice was finalized and numbered.",
    EventType.INVOICE_PAID: "An invoice was paid (card, credit, offline).",
    EventType.INVOICE_PAYMENT_FAILED: "A payment attempt of an invoice failed.",
    EventType.INVOICE_VOIDED: "An invoice was voided.",
    EventType.CREDIT_NOTE_ISSUED: "A credit note was issued.",
    EventType.REFUND_CREATED: "A refund to the card was made.",
    EventType.ENTITLEMENTS_UPDATED: "A customer's entitlements changed (features, limits, access).",
}


@dataclass(frozen=True, slots=True)
class OutboundEvent:
    """One fact for other systems: ``data`` is a JSON snapshot of the object (ids, amounts in
    minor units with their currency, statuses) at ``at``."""

    id: str
    type: EventType
    at: datetime
    data: dict[str, JsonValue]
    key: str | None = None  # a fact reported at most once (a trial's end), else None

    def payload(self) -> dict[str, JsonValue]:
        """The body sent: Standard Webhooks' recommended shape."""
        return {
            "type": self.type.value,
            "timestamp": self.at.isoformat().replace("+00:00", "Z"),
            "data": self.data,
        }

    def body(self) -> str:
        """The exact bytes (as text) that are signed and sent."""
        return json.dumps(self.payload(), separators=(",", ":"), sort_keys=True)


async def emit(
    uow: OutboundUnit,
    type: EventType,
    data: Mapping[str, JsonValue],
    *,
    at: datetime,
    key: str | None = None,
) -> OutboundEvent | None:
    """Record ``type`` about ``data`` in the caller's transaction (delivered after it commits).
    With a ``key``, a second event with the same key is not recorded (None)."""
    event = new_event(type, data, at=at, key=key)
    return event if await uow.outbound_events.add(event) else None


def new_event(
    type: EventType, data: Mapping[str, JsonValue], *, at: datetime, key: str | None = None
) -> OutboundEvent:
    """The event ``emit`` records (a fresh id, ``data`` as its JSON reads back), for a caller
    that records several at once (``uow.outbound_events.add_many``)."""
    if at.tzinfo is None:
        raise ValueError("an event's instant must be timezone-aware")
    normalised = json.loads(json.dumps(dict(data), allow_nan=False, default=str))
    return OutboundEvent(
        id=f"evt_{new_id().replace('-', '')}", type=type, at=at, data=normalised, key=key
    )

"""Piccolo tables of outbound webhooks (listed in ``tables.py``'s ``ALL_TABLES``): the outbound
events every context records (domain/outbound), the endpoints staff manage, one delivery per
(event, endpoint) and every attempt (domain/webhooks_out)."""

from __future__ import annotations

from piccolo.columns import Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class OutboundEventTable(Table, tablename="outbound_event"):
    id = Varchar(length=40, primary_key=True)
    type = Varchar(length=64, index=True)
    at = Timestamptz(index=True)
    data = Text()  # JSON: the object's snapshot
    key = Varchar(length=200, null=True, default=None, unique=True)
    dispatched = Boolean(default=False, index=True)


class WebhookEndpointTable(Table, tablename="webhook_endpoint"):
    id = Varchar(length=40, primary_key=True)
    url = Varchar(length=2048)
    description = Varchar(length=200, default="")
    event_types = Text(default="[]")  # JSON list; empty: every type
    secret = Varchar(length=100)
    enabled = Boolean(default=True)
    disabled_reason = Varchar(length=300, null=True, default=None)
    failing_since = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    # after a rotation the old secret signs too until then (cleared by webhooks.prune after)
    previous_secret = Varchar(length=100, null=True, default=None)
    previous_secret_expires_at = Timestamptz(null=True, default=None)


class WebhookDeliveryTable(Table, tablename="webhook_delivery"):
    id = Varchar(length=40, primary_key=True)  # derived from (event, endpoint): exists once
    event_id = Varchar(length=40, index=True)
    endpoint_id = Varchar(length=40, index=True)
    event_type = Varchar(length=64)
    status = Varchar(length=16, index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None)
    last_status_code = Integer(null=True, default=None)
    last_error = Varchar(length=500, null=True, default=None)
    created_at = Timestamptz(index=True)
    finished_at = Timestamptz(null=True, default=None)


class WebhookAttemptTable(Table, tablename="webhook_attempt"):
    id = Varchar(length=36, primary_key=True)
    delivery_id = Varchar(length=40, index=True)
    endpoint_id = Varchar(length=40, index=True)
    event_id = Varchar(length=40)
    number = Integer()
    at = Timestamptz(index=True)
    status_code = Integer(null=True, default=None)
    latency_ms = Integer(default=0)
    response_excerpt = Text(default="")
    error = Varchar(length=500, null=True, default=None)
    succeeded = Boolean(default=False)
    replay = Boolean(default=False)


WEBHOOK_TABLES: tuple[type[Table], ...] = (
    OutboundEventTable,
    WebhookEndpointTable,
    WebhookDeliveryTable,
    WebhookAttemptTable,
)

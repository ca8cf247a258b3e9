"""Typed identifiers. Ids are random UUIDs rendered as strings, created by the domain, not the DB."""

from __future__ import annotations

import uuid
from typing import NewType

ProductId = NewType("ProductId", str)
PlanId = NewType("PlanId", str)
PlanPriceId = NewType("PlanPriceId", str)
CustomerId = NewType("CustomerId", str)
SubscriptionId = NewType("SubscriptionId", str)
InvoiceId = NewType("InvoiceId", str)
JobId = NewType("JobId", str)


def new_id() -> str:
    return str(uuid.uuid4())

"""A subscription's stored history: its state after each saved change, append-only. The MRR
ledger is rebuilt from it (``mrr_ledger.rebuild_mrr_ledger``), and a figure can be traced from a
movement to the version that made it (``LedgerMovement.version``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.pricing.totals import TaxRate
from domain.subscriptions.model import Subscription


@dataclass(frozen=True, slots=True)
class SubscriptionVersion:
    """``subscription`` as saved by the change at ``at`` (its ``version``), with the tax rate
    the engine had in that transaction and the customer's country then. The stored state keeps
    what MRR and the renewals read; pending proration lines, the carried coupon remainder and the
    period's invoice are not kept (they never move MRR)."""

    subscription: Subscription
    at: datetime
    tax_rate: TaxRate | None
    country: str | None
    id: int | None = None  # the order it was written in, assigned when stored

"""Issued invoices: numbered, immutable, with a snapshot of the customer at issue time."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.billing.model import Invoice


class BillingReason(StrEnum):
    SUBSCRIPTION_CREATE = "subscription_create"
    SUBSCRIPTION_CYCLE = "subscription_cycle"
    SUBSCRIPTION_UPDATE = "subscription_update"
    SUBSCRIPTION_CANCEL = "subscription_cancel"
    # a renewal's bill for the period that just ended (usage at a period-end cancellation, or
    # usage recorded before a pause): not a new cycle, so no cycle key
    SUBSCRIPTION_ARREARS = "subscription_arrears"
    MANUAL = "manual"


class IssueErrorCode(StrEnum):
    DUPLICATE_CYCLE = "billing.duplicate_cycle"
    BAD_SERIES = "billing.bad_series_prefix"


@dataclass(frozen=True, slots=True)
class CustomerSnapshot:
    """The buyer as printed on the invoice; later profile edits never change an issued invoice."""

    name: str
    email: str
    address_lines: tuple[str, ...] = ()
    country: str = ""
    tax_id: str | None = None


@dataclass(frozen=True, slots=True)
class IssuedInvoice:
    id: str
    subscription_id: str | None
    customer_id: str | None
    reason: BillingReason
    customer: CustomerSnapshot
    invoice: Invoice  # its ``number`` is the series number

    @property
    def number(self) -> str:
        return self.invoice.number

    @property
    def cycle_key(self) -> str | None:
        if self.reason is not BillingReason.SUBSCRIPTION_CYCLE or self.subscription_id is None:
            return None
        return f"{self.subscription_id}:{self.invoice.period.start.isoformat()}"

"""The customer record's read model ("360"): frozen, carrying Money; bounded lists with counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar

from domain.billing.issued import CreditNoteReason
from domain.billing.model import InvoiceStatus
from domain.customers.model import Customer
from domain.notifications.model import EmailSummary
from domain.payments.dunning import DunningStatus
from domain.payments.model import AttemptStatus, RefundStatus
from domain.shared.money import Money
from domain.subscriptions.subscription_views import SubscriptionView
from domain.subscriptions.usage import UsageSoFar

T = TypeVar("T")

PAGE_SIZE = 50  # the newest of each kind the record shows
TIMELINE_SIZE = 200


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a kind, newest first (page 1: the newest ``per_page``), and how many there
    are in all."""

    items: tuple[T, ...]
    count: int
    number: int = 1
    per_page: int = PAGE_SIZE

    @property
    def more(self) -> int:
        """How many are not on this page."""
        return self.count - len(self.items)

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // max(1, self.per_page)))


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """A finalized invoice as the record lists it (a repository row)."""

    id: str
    number: str
    status: InvoiceStatus
    currency: str
    total_minor: int
    amount_due_minor: int
    issued_at: datetime
    subscription_id: str | None = None
    paid_at: datetime | None = None
    voided_at: datetime | None = None
    marked_uncollectible_at: datetime | None = None

    @property
    def total(self) -> Money:
        return Money.of_minor(self.total_minor, self.currency)

    @property
    def amount_due(self) -> Money:
        return Money.of_minor(self.amount_due_minor, self.currency)


@dataclass(frozen=True, slots=True)
class PaymentEntry:
    """One payment attempt: every try of every invoice, declines with their codes."""

    id: str
    invoice_id: str
    invoice_number: str
    number: int  # the invoice's 1st, 2nd, ... attempt
    amount: Money
    status: AttemptStatus
    code: str | None  # the gateway's decline or error code
    message: str
    hard_decline: bool
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class CreditNoteEntry:
    id: str
    number: str
    invoice_id: str
    invoice_number: str
    reason: CreditNoteReason
    issued_at: datetime
    total: Money
    refunded: Money
    credited: Money


@dataclass(frozen=True, slots=True)
class RefundEntry:
    id: str
    credit_note_id: str
    invoice_id: str
    amount: Money
    status: RefundStatus
    code: str | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class CardEntry:
    """A saved card: brand, last four and expiry; never a number."""

    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool
    expired: bool
    added_at: datetime


@dataclass(frozen=True, slots=True)
class DunningEntry:
    """An unpaid invoice being retried."""

    invoice_id: str
    invoice_number: str
    subscription_id: str | None
    status: DunningStatus
    failures: int
    first_failed_at: datetime
    next_attempt_at: datetime | None
    awaiting_new_method: bool


@dataclass(frozen=True, slots=True)
class StaffNote:
    """A note staff wrote on a customer; never shown to the subscriber."""

    id: str
    customer_id: str
    staff_id: str
    staff_email: str  # at the time of writing
    staff_name: str
    body: str
    created_at: datetime


class EventKind(StrEnum):
    CUSTOMER = "customer"
    SUBSCRIPTION = "subscription"
    INVOICE = "invoice"
    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"
    REFUND = "refund"
    CARD = "card"
    DUNNING = "dunning"
    EMAIL = "email"
    NOTE = "note"
    STAFF = "staff"  # a staff action from the audit log
    BALANCE = "balance"  # a hand adjustment of the balance (a balance transaction)


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    at: datetime
    kind: EventKind
    text: str  # "Invoice INV-2024-000001 paid"
    amount: Money | None = None
    ref: str = ""  # the id of what it is about (an invoice, a subscription, ...)
    # what happened as a code ("invoice.paid") and the values the text was written with
    # (("number", "INV-2024-000001"),): a page in another language writes its own sentence
    # from them (web/admin/timeline_words.py); ``text`` is the English
    what: str = ""
    values: tuple[tuple[str, str], ...] = ()

    def value(self, name: str) -> str:
        return dict(self.values).get(name, "")


@dataclass(frozen=True, slots=True)
class MeterLine:
    meter: str
    unit_label: str
    events: int  # recorded this period so far
    units_text: str  # their aggregate, "12,500"
    amount: Money  # the invoice line for it as things stand
    explanation: str  # the engine's arithmetic


@dataclass(frozen=True, slots=True)
class SubscriptionUsage:
    """A metered subscription's usage so far this period, as staff read it on the record (the
    portal's own figures: ``subscriptions/usage.py``)."""

    period_start: datetime
    period_end: datetime  # billed on the invoice issued then
    billed: bool  # False in a trial, a pause, before the first payment
    meters: tuple[MeterLine, ...]
    total: Money  # the meters' lines together, before discount and tax

    @classmethod
    def of(cls, so_far: UsageSoFar) -> SubscriptionUsage:
        cur = so_far.currency
        return cls(
            period_start=so_far.period_start,
            period_end=so_far.period_end,
            billed=so_far.billed,
            meters=tuple(
                MeterLine(m.meter, m.unit_label, m.events, m.units_text,
                          Money.of_minor(m.amount_minor, cur), m.explanation)
                for m in so_far.meters
            ),
            total=Money.of_minor(so_far.total_minor, cur),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    customer: Customer  # profile and billing details
    balance: Money  # negative: credit the business owes the customer
    credit: Money  # what the business owes (zero or more)
    account_id: str | None  # the sign-in account managing this customer
    email_verified: bool
    subscriptions: tuple[SubscriptionView, ...]  # live first, each with its next invoice
    invoices: Page[InvoiceRow]
    payments: Page[PaymentEntry]
    credit_notes: Page[CreditNoteEntry]
    refunds: Page[RefundEntry]
    payment_methods: tuple[CardEntry, ...]
    dunning: tuple[DunningEntry, ...]  # open cases
    emails: Page[EmailSummary]
    notes: Page[StaffNote]  # staff notes, newest first (never shown to the subscriber)
    timeline: tuple[TimelineEvent, ...]  # newest first, at most TIMELINE_SIZE
    now: datetime
    usage: Mapping[str, SubscriptionUsage]  # subscription id -> usage so far (metered, live)

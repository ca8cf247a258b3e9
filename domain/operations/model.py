"""The operations pages as data: filters, pages of rows, and the views of one job or e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.jobs.model import JobRow, JobStatus, JsonValue
from domain.notifications.model import EmailDetail, EmailKind, EmailStatus, EmailSummary
from domain.payments.model import WebhookOutcome
from domain.subscriptions.model import CancellationReason

PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class Paging:
    """Page ``page`` (from 1) of ``total`` rows, ``per_page`` a page."""

    page: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def page_number(page: int, total: int, per_page: int = PER_PAGE) -> Paging:
    """A requested page clamped to the pages there are (page 9 of 2 shows page 2)."""
    last = max(1, -(-total // per_page))
    return Paging(page=min(max(1, page), last), total=total, per_page=per_page)


# -- jobs ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobFilter:
    status: JobStatus | None = None
    name: str | None = None  # the job kind, e.g. "notifications.send_email"
    # True: only jobs that failed before (queued again, waiting for another attempt);
    # False: only jobs never tried or failed; None: either
    retrying: bool | None = None


@dataclass(frozen=True, slots=True)
class JobFailure:
    """One failed attempt, as the job store recorded it."""

    attempt: int
    error: str
    failed_at: datetime


@dataclass(frozen=True, slots=True)
class StoredJob:
    """A job as the admin reads it: its row and its payload."""

    row: JobRow
    kwargs: dict[str, JsonValue]


@dataclass(frozen=True, slots=True)
class JobQueueView:
    counts: dict[JobStatus, int]
    retrying: int  # queued jobs that failed before (waiting for their next attempt)
    kinds: list[str]  # every job kind in the queue, for the filter
    where: JobFilter
    rows: list[JobRow]
    paging: Paging


@dataclass(frozen=True, slots=True)
class JobView:
    """One job: its row, its payload with secret-looking values hidden, its error history
    (oldest first) and what staff may do with it."""

    row: JobRow
    payload: str  # the kwargs as indented JSON, redacted
    failures: list[JobFailure]
    can_act: bool  # dead, and the viewer holds OPERATIONS_ACT


@dataclass(frozen=True, slots=True)
class JobActed:
    """What a retry or a discard did (the flash message says it)."""

    job_id: str
    name: str
    retried: bool


# -- e-mails ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmailFilter:
    status: EmailStatus | None = None
    recipient: str | None = None  # a lower-cased part of the address
    kind: EmailKind | None = None


@dataclass(frozen=True, slots=True)
class OutboxView:
    where: EmailFilter
    rows: list[EmailSummary]
    paging: Paging


@dataclass(frozen=True, slots=True)
class EmailView:
    """One e-mail as the admin shows it: links that would sign someone in are hidden.
    ``resend_refusal`` says why it cannot be resent (empty when it can)."""

    email: EmailDetail
    can_resend: bool
    resend_refusal: str
    resent_from: str | None  # the e-mail this one re-sends
    customer_id: str | None  # the customer with the recipient's address, if there is one


@dataclass(frozen=True, slots=True)
class EmailResent:
    original_id: str
    copy_id: str
    to: str
    subject: str


# -- webhooks --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebhookFilter:
    outcome: WebhookOutcome | None = None
    event_type: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookRow:
    """A gateway event as received, with the invoice and customer its payment ref resolves to
    (through our payment attempts) when it does."""

    gateway: str
    event_id: str
    event_type: str
    payment_ref: str | None
    outcome: WebhookOutcome
    detail: str
    received_at: datetime
    invoice_id: str | None = None
    invoice_number: str | None = None
    customer_id: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookLogView:
    where: WebhookFilter
    event_types: list[str]
    counts: dict[WebhookOutcome, int]
    rows: list[WebhookRow]
    paging: Paging


# -- cancellation feedback -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedbackRange:
    """Whole months from ``start`` (its first day) to ``end`` (included)."""

    start: date
    end: date

    @property
    def months(self) -> list[date]:
        months: list[date] = []
        month = self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        return months

    @property
    def until(self) -> date:
        """The first day after the range (exclusive end)."""
        last = self.end.replace(day=1)
        return date(last.year + last.month // 12, last.month % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class ReasonCount:
    month: date  # the first day of the month (UTC)
    reason: CancellationReason
    count: int


@dataclass(frozen=True, slots=True)
class FeedbackComment:
    customer_id: str
    customer_email: str
    customer_name: str
    reason: CancellationReason
    comment: str
    timing: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BarSegment:
    """A reason's part of a month's bar, on a 0..100 scale where 100 is the busiest month."""

    reason: CancellationReason
    count: int
    x: float  # where it starts
    width: float


@dataclass(frozen=True, slots=True)
class MonthBar:
    month: date
    total: int
    segments: list[BarSegment]


@dataclass(frozen=True, slots=True)
class FeedbackView:
    range: FeedbackRange
    months: list[MonthBar]
    totals: list[tuple[CancellationReason, int]]  # by reason over the range, most first
    total: int
    comments: list[FeedbackComment]
    paging: Paging

"""In-memory fakes of the operations pages' repositories (``domain/operations/ports.py``), for
``InMemoryUnitOfWork``: a job table that staff act on, and reads over the fakes' outbox, webhook
events and cancellation feedback."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from domain.jobs.model import JobRow, JobStatus, JsonValue
from domain.notifications.model import EmailSummary
from domain.operations.model import (
    EmailFilter,
    FeedbackComment,
    JobFailure,
    JobFilter,
    ReasonCount,
    StoredJob,
    WebhookFilter,
    WebhookRow,
)
from domain.payments.model import WebhookOutcome
from domain.subscriptions.model import CancellationFeedback, CancellationReason

if TYPE_CHECKING:
    from tests.fakes import InMemoryUnitOfWork


class InMemoryJobAdmin:
    """Jobs as rows (``put`` one to set up a test) with their failure history."""

    def __init__(self) -> None:
        self.jobs: dict[str, StoredJob] = {}
        self.history: dict[str, list[JobFailure]] = {}

    def put(self, row: JobRow, kwargs: dict[str, JsonValue] | None = None,
            failures: list[JobFailure] | None = None) -> None:  # fmt: skip
        self.jobs[row.id] = StoredJob(row=row, kwargs=kwargs or {})
        self.history[row.id] = list(failures or [])

    def _match(self, where: JobFilter) -> list[JobRow]:
        rows = [
            j.row
            for j in self.jobs.values()
            if (where.status is None or j.row.status is where.status)
            and (where.name is None or j.row.name == where.name)
            and (where.retrying is None or (j.row.attempts > 0) is where.retrying)
        ]
        oldest = datetime.min.replace(tzinfo=UTC)
        return sorted(rows, key=lambda r: (r.created_at or oldest, r.id), reverse=True)

    async def counts(self) -> dict[JobStatus, int]:
        counts = dict.fromkeys(JobStatus, 0)
        for j in self.jobs.values():
            counts[j.row.status] += 1
        return counts

    async def kinds(self) -> list[str]:
        return sorted({j.row.name for j in self.jobs.values()})

    async def count(self, where: JobFilter) -> int:
        return len(self._match(where))

    async def find(self, where: JobFilter, *, limit: int, offset: int) -> list[JobRow]:
        return self._match(where)[offset : offset + limit]

    async def get(self, job_id: str, *, lock: bool = False) -> StoredJob | None:
        return self.jobs.get(job_id)

    async def failures(self, job_id: str) -> list[JobFailure]:
        return list(self.history.get(job_id, []))

    async def requeue(self, job_id: str, *, now: datetime) -> bool:
        stored = self.jobs.get(job_id)
        if stored is None or stored.row.status is not JobStatus.DEAD:
            return False
        row = replace(stored.row, status=JobStatus.QUEUED, attempts=0, run_at=now,
                      finished_at=None)  # fmt: skip
        self.jobs[job_id] = replace(stored, row=row)
        return True

    async def delete(self, job_id: str) -> bool:
        stored = self.jobs.get(job_id)
        if stored is None or stored.row.status is not JobStatus.DEAD:
            return False
        del self.jobs[job_id]
        self.history.pop(job_id, None)
        return True


class InMemoryOutboxSearch:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    def _match(self, where: EmailFilter) -> list[EmailSummary]:
        emails = [
            e
            for e in self._uow.emails.emails.values()
            if (where.status is None or e.status is where.status)
            and (where.kind is None or e.kind is where.kind)
            and (not where.recipient or where.recipient.lower() in e.to.lower())
        ]
        emails.sort(key=lambda e: (e.created_at, e.id), reverse=True)
        return [
            EmailSummary(
                e.id, e.kind, e.to, e.subject, e.status, e.attempts, e.created_at, e.sent_at
            )
            for e in emails
        ]

    async def count(self, where: EmailFilter) -> int:
        return len(self._match(where))

    async def find(self, where: EmailFilter, *, limit: int, offset: int) -> list[EmailSummary]:
        return self._match(where)[offset : offset + limit]


class InMemoryWebhookLog:
    """Over the fakes' webhook events; payment refs resolve through ``links``
    (ref -> invoice id, invoice number, customer id) a test sets."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow
        self.links: dict[str, tuple[str, str | None, str]] = {}

    def _match(self, where: WebhookFilter) -> list[WebhookRow]:
        rows = []
        for r in self._uow.webhook_events.rows.values():
            if where.outcome is not None and r.outcome is not where.outcome:
                continue
            if where.event_type is not None and r.event_type != where.event_type:
                continue
            link = self.links.get(r.payment_ref or "")
            rows.append(
                WebhookRow(
                    r.gateway,
                    r.event_id,
                    r.event_type,
                    r.payment_ref,
                    r.outcome,
                    r.detail,
                    r.received_at,
                    *(link or (None, None, None)),
                )
            )
        return sorted(rows, key=lambda w: (w.received_at, w.event_id), reverse=True)

    async def counts(self) -> dict[WebhookOutcome, int]:
        counts = dict.fromkeys(WebhookOutcome, 0)
        for r in self._uow.webhook_events.rows.values():
            counts[r.outcome] += 1
        return counts

    async def event_types(self) -> list[str]:
        return sorted({r.event_type for r in self._uow.webhook_events.rows.values()})

    async def count(self, where: WebhookFilter) -> int:
        return len(self._match(where))

    async def find(self, where: WebhookFilter, *, limit: int, offset: int) -> list[WebhookRow]:
        return self._match(where)[offset : offset + limit]


class InMemoryFeedbackLog:
    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    def _in(self, since: datetime, until: datetime) -> list[CancellationFeedback]:
        return [f for f in self._uow.cancellation_feedback.items if since <= f.created_at < until]

    async def reasons_by_month(self, *, since: datetime, until: datetime) -> list[ReasonCount]:
        counts: dict[tuple[date, CancellationReason], int] = {}
        for f in self._in(since, until):
            key = (f.created_at.astimezone(UTC).date().replace(day=1), f.reason)
            counts[key] = counts.get(key, 0) + 1
        return [ReasonCount(m, r, n) for (m, r), n in counts.items()]

    async def count_comments(self, *, since: datetime, until: datetime) -> int:
        return sum(1 for f in self._in(since, until) if f.comment)

    async def comments(
        self, *, since: datetime, until: datetime, limit: int, offset: int
    ) -> list[FeedbackComment]:
        found = sorted((f for f in self._in(since, until) if f.comment),
                       key=lambda f: f.created_at, reverse=True)  # fmt: skip
        out = []
        for f in found[offset : offset + limit]:
            customer = self._uow.customers.rows.get(f.customer_id)
            out.append(
                FeedbackComment(
                    f.customer_id,
                    getattr(customer, "email", ""),
                    getattr(customer, "name", ""),
                    f.reason,
                    f.comment,
                    f.timing,
                    f.created_at,
                )
            )
        return out

"""What the operations pages need from storage beyond the contexts they use: the job queue as
staff see it, and reads over the outbox, the gateway's webhook events and cancellation
feedback. Each read is one query shape, proven on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.customers.ports import CustomersUnit
from domain.jobs.model import JobRow, JobStatus
from domain.notifications.model import EmailSummary
from domain.notifications.ports import NotificationsUnit
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
from domain.staff.ports import StaffUnit


class JobAdminRepository(Protocol):
    """``uow.job_admin``: the durable queue read and changed inside a unit of work (so an action
    and its audit entry commit together)."""

    async def counts(self) -> dict[JobStatus, int]: ...

    async def kinds(self) -> list[str]:
        """Every job name present in the queue, sorted."""
        ...

    async def count(self, where: JobFilter) -> int: ...

    async def find(self, where: JobFilter, *, limit: int, offset: int) -> list[JobRow]:
        """Newest first (created, then id)."""
        ...

    async def get(self, job_id: str, *, lock: bool = False) -> StoredJob | None:
        """One job; ``lock`` holds its row until the transaction ends (PostgreSQL)."""
        ...

    async def failures(self, job_id: str) -> list[JobFailure]:
        """Its failed attempts, oldest first."""
        ...

    async def requeue(self, job_id: str, *, now: datetime) -> bool:
        """A dead job back to ``queued``, due now, with no attempt used (the runner counts
        attempts up from 0 when it claims). ``False`` when it is no longer dead."""
        ...

    async def delete(self, job_id: str) -> bool:
        """Remove a dead job and its failure history. ``False`` when it is no longer dead."""
        ...


class OutboxSearch(Protocol):
    """``uow.outbox``: the outbox filtered and paged."""

    async def count(self, where: EmailFilter) -> int: ...

    async def find(self, where: EmailFilter, *, limit: int, offset: int) -> list[EmailSummary]:
        """Newest first (queued, then id)."""
        ...


class WebhookLog(Protocol):
    """``uow.webhook_log``: the gateway events received, and what their payment refs point at."""

    async def counts(self) -> dict[WebhookOutcome, int]: ...

    async def event_types(self) -> list[str]: ...

    async def count(self, where: WebhookFilter) -> int: ...

    async def find(self, where: WebhookFilter, *, limit: int, offset: int) -> list[WebhookRow]:
        """Newest first, each with its invoice and customer when the payment ref resolves."""
        ...


class FeedbackLog(Protocol):
    """``uow.feedback_log``: cancellation feedback over a time range ``[since, until)``."""

    async def reasons_by_month(self, *, since: datetime, until: datetime) -> list[ReasonCount]:
        """Counts per (UTC month, reason); months without feedback are absent."""
        ...

    async def count_comments(self, *, since: datetime, until: datetime) -> int: ...

    async def comments(
        self, *, since: datetime, until: datetime, limit: int, offset: int
    ) -> list[FeedbackComment]:
        """Feedback with a non-empty comment, newest first, with who wrote it."""
        ...


class OperationsUnit(NotificationsUnit, CustomersUnit, StaffUnit, Protocol):
    """The operations pages' unit: staff and audit (every action is recorded), the outbox (a
    resend queues a copy and its delivery job), customers (whom an e-mail went to), and the
    reads above."""

    @property
    def job_admin(self) -> JobAdminRepository: ...

    @property
    def outbox(self) -> OutboxSearch: ...

    @property
    def webhook_log(self) -> WebhookLog: ...

    @property
    def feedback_log(self) -> FeedbackLog: ...

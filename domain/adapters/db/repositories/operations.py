"""The operations pages' reads (and the admin's job actions) on Piccolo: the job queue with its
failure history, the outbox filtered, the gateway's webhook events with what their payment refs
resolve to, and cancellation feedback over a range."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from domain.adapters.db.repositories.support import like_escape
from domain.adapters.db.tables import (
    CancellationFeedbackTable,
    CustomerTable,
    InvoiceTable,
    JobTable,
    OutboxEmailTable,
    PaymentAttemptTable,
    PaymentWebhookEventTable,
)
from domain.adapters.db.tables_operations import JobFailureTable
from domain.jobs.model import JobRow, JobStatus
from domain.notifications.model import EmailKind, EmailStatus, EmailSummary
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
from domain.subscriptions.model import CancellationReason


def _load(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _where(clauses: Sequence[tuple[str, object]]) -> tuple[str, list[object]]:
    """``WHERE a = {} AND ...`` from (clause, value) pairs whose value is not None."""
    used = [(c, v) for c, v in clauses if v is not None]
    if not used:
        return "", []
    return " WHERE " + " AND ".join(c for c, _ in used), [v for _, v in used]


# -- jobs ------------------------------------------------------------------------------------

_JOB_COLUMNS = (
    "id, name, status, attempts, max_attempts, run_at, unique_key, last_error, created_at,"
    " finished_at"
)


def _job_row(r: dict[str, Any]) -> JobRow:
    return JobRow(
        id=r["id"],
        name=r["name"],
        status=JobStatus(r["status"]),
        attempts=int(r["attempts"]),
        max_attempts=int(r["max_attempts"]),
        run_at=r["run_at"],
        unique_key=r["unique_key"],
        last_error=r["last_error"],
        created_at=r["created_at"],
        finished_at=r["finished_at"],
    )


def _job_where(where: JobFilter) -> tuple[str, list[object]]:
    return _where(
        [
            ("status = {}", where.status.value if where.status else None),
            ("name = {}", where.name),
            ("attempts > {}", 0 if where.retrying is True else None),
            ("attempts = {}", 0 if where.retrying is False else None),
        ]
    )


class PiccoloJobAdminRepository:
    def __init__(self, *, lock_rows: bool = False) -> None:
        self._lock = " FOR UPDATE" if lock_rows else ""

    async def counts(self) -> dict[JobStatus, int]:
        rows = await JobTable.raw("SELECT status, COUNT(*) AS n FROM job GROUP BY status")
        counts = dict.fromkeys(JobStatus, 0)
        for r in rows:
            if r["status"] in JobStatus.__members__.values():
                counts[JobStatus(r["status"])] = int(r["n"])
        return counts

    async def kinds(self) -> list[str]:
        rows = await JobTable.raw("SELECT DISTINCT name FROM job ORDER BY name")
        return [r["name"] for r in rows]

    async def count(self, where: JobFilter) -> int:
        sql, args = _job_where(where)
        rows = await JobTable.raw("SELECT COUNT(*) AS n FROM job" + sql, *args)
        return int(rows[0]["n"])

    async def find(self, where: JobFilter, *, limit: int, offset: int) -> list[JobRow]:
        sql, args = _job_where(where)
        rows = await JobTable.raw(
            f"SELECT {_JOB_COLUMNS} FROM job{sql}"
            " ORDER BY created_at DESC, id DESC LIMIT {} OFFSET {}",
            *args,
            limit,
            offset,
        )
        return [_job_row(r) for r in rows]

    async def get(self, job_id: str, *, lock: bool = False) -> StoredJob | None:
        rows = await JobTable.raw(
            f"SELECT {_JOB_COLUMNS}, kwargs FROM job WHERE id = {{}}"
            + (self._lock if lock else ""),
            job_id,
        )
        if not rows:
            return None
        kwargs = _load(rows[0]["kwargs"])
        return StoredJob(row=_job_row(rows[0]), kwargs=kwargs if isinstance(kwargs, dict) else {})

    async def failures(self, job_id: str) -> list[JobFailure]:
        rows = await (
            JobFailureTable.select(
                JobFailureTable.attempt, JobFailureTable.error, JobFailureTable.failed_at
            )
            .where(JobFailureTable.job_id == job_id)
            .order_by(JobFailureTable.failed_at)
            .order_by(JobFailureTable.attempt)
        )
        return [JobFailure(int(r["attempt"]), r["error"], r["failed_at"]) for r in rows]

    async def requeue(self, job_id: str, *, now: datetime) -> bool:
        rows = await JobTable.raw(
            "UPDATE job SET status = 'queued', attempts = 0, run_at = {}, finished_at = NULL,"
            " locked_by = NULL, locked_until = NULL WHERE id = {} AND status = 'dead'"
            " RETURNING id",
            now,
            job_id,
        )
        return bool(rows)

    async def delete(self, job_id: str) -> bool:
        rows = await JobTable.raw(
            "DELETE FROM job WHERE id = {} AND status = 'dead' RETURNING id", job_id
        )
        if rows:
            await JobFailureTable.delete().where(JobFailureTable.job_id == job_id)
        return bool(rows)


# -- the outbox ------------------------------------------------------------------------------


def _email_where(where: EmailFilter) -> tuple[str, list[object]]:
    pattern = f"%{like_escape(where.recipient.lower())}%" if where.recipient else None
    return _where(
        [
            ("status = {}", where.status.value if where.status else None),
            ("kind = {}", where.kind.value if where.kind else None),
            ("lower(recipient) LIKE {} ESCAPE '\\'", pattern),
        ]
    )


class PiccoloOutboxSearch:
    async def count(self, where: EmailFilter) -> int:
        sql, args = _email_where(where)
        rows = await OutboxEmailTable.raw("SELECT COUNT(*) AS n FROM outbox_email" + sql, *args)
        return int(rows[0]["n"])

    async def find(self, where: EmailFilter, *, limit: int, offset: int) -> list[EmailSummary]:
        sql, args = _email_where(where)
        rows = await OutboxEmailTable.raw(
            "SELECT id, kind, recipient, subject, status, attempts, created_at, sent_at"
            f" FROM outbox_email{sql} ORDER BY created_at DESC, id DESC LIMIT {{}} OFFSET {{}}",
            *args,
            limit,
            offset,
        )
        return [
            EmailSummary(
                id=r["id"],
                kind=EmailKind(r["kind"]),
                to=r["recipient"],
                subject=r["subject"],
                status=EmailStatus(r["status"]),
                attempts=int(r["attempts"]),
                created_at=r["created_at"],
                sent_at=r["sent_at"],
            )
            for r in rows
        ]


# -- webhooks --------------------------------------------------------------------------------


def _webhook_where(where: WebhookFilter) -> tuple[str, list[object]]:
    return _where(
        [
            ("outcome = {}", where.outcome.value if where.outcome else None),
            ("event_type = {}", where.event_type),
        ]
    )


class PiccoloWebhookLog:
    async def counts(self) -> dict[WebhookOutcome, int]:
        rows = await PaymentWebhookEventTable.raw(
            "SELECT outcome, COUNT(*) AS n FROM payment_webhook_event GROUP BY outcome"
        )
        counts = dict.fromkeys(WebhookOutcome, 0)
        for r in rows:
            if r["outcome"] in WebhookOutcome.__members__.values():
                counts[WebhookOutcome(r["outcome"])] = int(r["n"])
        return counts

    async def event_types(self) -> list[str]:
        rows = await PaymentWebhookEventTable.raw(
            "SELECT DISTINCT event_type FROM payment_webhook_event ORDER BY event_type"
        )
        return [r["event_type"] for r in rows]

    async def count(self, where: WebhookFilter) -> int:
        sql, args = _webhook_where(where)
        rows = await PaymentWebhookEventTable.raw(
            "SELECT COUNT(*) AS n FROM payment_webhook_event" + sql, *args
        )
        return int(rows[0]["n"])

    async def find(self, where: WebhookFilter, *, limit: int, offset: int) -> list[WebhookRow]:
        sql, args = _webhook_where(where)
        rows = await PaymentWebhookEventTable.raw(
            "SELECT gateway, event_id, event_type, payment_ref, outcome, detail, received_at"
            f" FROM payment_webhook_event{sql}"
            " ORDER BY received_at DESC, key DESC LIMIT {} OFFSET {}",
            *args,
            limit,
            offset,
        )
        refs = sorted({r["payment_ref"] for r in rows if r["payment_ref"]})
        resolved = await self._resolve(refs)
        return [
            WebhookRow(
                gateway=r["gateway"],
                event_id=r["event_id"],
                event_type=r["event_type"],
                payment_ref=r["payment_ref"],
                outcome=WebhookOutcome(r["outcome"]),
                detail=r["detail"] or "",
                received_at=r["received_at"],
                **resolved.get(r["payment_ref"] or "", {}),
            )
            for r in rows
        ]

    async def _resolve(self, refs: list[str]) -> dict[str, dict[str, str | None]]:
        """payment ref -> the invoice (id, number) and customer of our attempt that made it."""
        if not refs:
            return {}
        attempts = await (
            PaymentAttemptTable.select(
                PaymentAttemptTable.payment_ref,
                PaymentAttemptTable.invoice,
                PaymentAttemptTable.customer_id,
            )
            .where(PaymentAttemptTable.payment_ref.is_in(refs))
            .order_by(PaymentAttemptTable.number)
        )
        invoice_ids = sorted({a["invoice"] for a in attempts})
        numbers: dict[str, str | None] = {}
        if invoice_ids:
            invoices = await InvoiceTable.select(InvoiceTable.id, InvoiceTable.number).where(
                InvoiceTable.id.is_in(invoice_ids)
            )
            numbers = {i["id"]: i["number"] for i in invoices}
        return {
            a["payment_ref"]: {
                "invoice_id": a["invoice"],
                "invoice_number": numbers.get(a["invoice"]),
                "customer_id": a["customer_id"],
            }
            for a in attempts
        }


# -- cancellation feedback -------------------------------------------------------------------


def _month(at: datetime) -> date:
    return at.astimezone(UTC).date().replace(day=1)


class PiccoloFeedbackLog:
    async def reasons_by_month(self, *, since: datetime, until: datetime) -> list[ReasonCount]:
        # Bucketed here rather than in SQL: month arithmetic on timestamps differs between
        # SQLite (text) and PostgreSQL; the range is at most a few years of cancellations.
        t = CancellationFeedbackTable
        rows = await t.select(t.reason, t.created_at).where(
            (t.created_at >= since) & (t.created_at < until)
        )
        counts: dict[tuple[date, CancellationReason], int] = {}
        for r in rows:
            try:
                reason = CancellationReason(r["reason"])
            except ValueError:
                reason = CancellationReason.OTHER
            key = (_month(r["created_at"]), reason)
            counts[key] = counts.get(key, 0) + 1
        return [ReasonCount(month, reason, n) for (month, reason), n in sorted(counts.items())]

    async def count_comments(self, *, since: datetime, until: datetime) -> int:
        rows = await CancellationFeedbackTable.raw(
            "SELECT COUNT(*) AS n FROM cancellation_feedback"
            " WHERE created_at >= {} AND created_at < {} AND comment <> ''",
            since,
            until,
        )
        return int(rows[0]["n"])

    async def comments(
        self, *, since: datetime, until: datetime, limit: int, offset: int
    ) -> list[FeedbackComment]:
        rows = await CancellationFeedbackTable.raw(
            "SELECT f.customer, f.reason, f.comment, f.timing, f.created_at, c.email, c.name"
            f" FROM cancellation_feedback f JOIN {CustomerTable._meta.tablename} c"
            " ON c.id = f.customer"
            " WHERE f.created_at >= {} AND f.created_at < {} AND f.comment <> ''"
            " ORDER BY f.created_at DESC, f.id DESC LIMIT {} OFFSET {}",
            since,
            until,
            limit,
            offset,
        )
        return [
            FeedbackComment(
                customer_id=r["customer"],
                customer_email=r["email"] or "",
                customer_name=r["name"] or "",
                reason=CancellationReason(r["reason"])
                if r["reason"] in CancellationReason.__members__.values()
                else CancellationReason.OTHER,
                comment=r["comment"],
                timing=r["timing"],
                created_at=r["created_at"],
            )
            for r in rows
        ]

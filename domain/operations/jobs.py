"""The job queue as staff see it (counts, a filtered page, one job with its payload and error
history), and the two things staff may do to a dead job: retry it or discard it.

Reading needs ``Permission.OPERATIONS_READ``; acting needs ``OPERATIONS_ACT``, takes a reason,
and writes one audit entry (``job.retried``, ``job.discarded``) in the same transaction as the
change. Only a dead job can be acted on: a queued or running job belongs to the runner.
"""

from __future__ import annotations

from dataclasses import replace

from domain.audit.model import MAX_REASON, Actor, new_entry
from domain.audit.service import record
from domain.jobs.errors import JobErrorCode
from domain.jobs.model import JobStatus
from domain.operations.model import (
    JobActed,
    JobFilter,
    JobQueueView,
    JobView,
    StoredJob,
    page_number,
)
from domain.operations.ports import OperationsUnit
from domain.operations.redaction import payload_json, redact_text
from domain.shared.clock import Clock
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.text import text_problem
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, can, require

NO_SUCH_JOB = "There is no such job: it may have been discarded or purged."


async def job_queue_page(
    actor: SignedInStaff, where: JobFilter, *, page: int, uow: OperationsUnit
) -> JobQueueView:
    """Counts per status, and one page of the jobs matching ``where``, newest first."""
    require(actor, Permission.OPERATIONS_READ)
    async with uow:
        counts = await uow.job_admin.counts()
        retrying = await uow.job_admin.count(JobFilter(status=JobStatus.QUEUED, retrying=True))
        kinds = await uow.job_admin.kinds()
        paging = page_number(page, await uow.job_admin.count(where))
        rows = await uow.job_admin.find(where, limit=paging.per_page, offset=paging.offset)
    return JobQueueView(
        counts=counts, retrying=retrying, kinds=kinds, where=where, rows=rows, paging=paging
    )


async def job_page(actor: SignedInStaff, job_id: str, *, uow: OperationsUnit) -> JobView:
    require(actor, Permission.OPERATIONS_READ)
    async with uow:
        stored = await uow.job_admin.get(job_id)
        if stored is None:
            raise NotFound(NO_SUCH_JOB, code=JobErrorCode.UNKNOWN_JOB)
        failures = await uow.job_admin.failures(job_id)
    row = stored.row
    return JobView(
        row=replace(row, last_error=redact_text(row.last_error) if row.last_error else None),
        payload=payload_json(stored.kwargs),
        failures=[replace(f, error=redact_text(f.error)) for f in failures],
        can_act=stored.row.status is JobStatus.DEAD and can(actor.role, Permission.OPERATIONS_ACT),
    )


def check_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": "Say why: the reason is kept in the audit log."})
    problem = text_problem(reason, max_length=MAX_REASON, multiline=True)
    if problem:
        raise ValidationFailed({"reason": problem})
    return reason


async def _dead(uow: OperationsUnit, job_id: str) -> StoredJob:
    stored = await uow.job_admin.get(job_id, lock=True)
    if stored is None:
        raise NotFound(NO_SUCH_JOB, code=JobErrorCode.UNKNOWN_JOB)
    if stored.row.status is not JobStatus.DEAD:
        raise InvalidTransition(
            f"Only a dead job can be retried or discarded; this one is {stored.row.status.value}.",
            code=JobErrorCode.NOT_DEAD,
        )
    return stored


def _facts(stored: StoredJob) -> dict[str, object]:
    row = stored.row
    return {
        "name": row.name,
        "status": row.status.value,
        "attempts": row.attempts,
        "last_error": (row.last_error or "").splitlines()[0][:200] if row.last_error else "",
    }


async def retry_job(
    actor: SignedInStaff, job_id: str, *, reason: str, uow: OperationsUnit, clock: Clock
) -> JobActed:
    """Put a dead job back in the queue, due now, with a fresh set of attempts (its error
    history stays). Whatever made it fail should be fixed first: the runner runs it as it is."""
    require(actor, Permission.OPERATIONS_ACT)
    why = check_reason(reason)
    now = clock.now()
    async with uow:
        stored = await _dead(uow, job_id)
        if not await uow.job_admin.requeue(job_id, now=now):
            raise InvalidTransition(
                "The job changed meanwhile; look again.", code=JobErrorCode.NOT_DEAD
            )
        await record(
            uow,
            new_entry(
                at=now, actor=Actor(actor.staff_id, actor.email), action="job.retried",
                object_type="job", object_id=job_id, reason=why, before=_facts(stored),
                after={"status": JobStatus.QUEUED.value, "attempts": 0,
                       "run_at": now.isoformat()},
            ),
        )  # fmt: skip
        await uow.commit()
    return JobActed(job_id=job_id, name=stored.row.name, retried=True)


async def discard_job(
    actor: SignedInStaff, job_id: str, *, reason: str, uow: OperationsUnit, clock: Clock
) -> JobActed:
    """Delete a dead job and its error history for good: the work it stood for is not done.
    The audit entry keeps its name, attempts and last error."""
    require(actor, Permission.OPERATIONS_ACT)
    why = check_reason(reason)
    now = clock.now()
    async with uow:
        stored = await _dead(uow, job_id)
        if not await uow.job_admin.delete(job_id):
            raise InvalidTransition(
                "The job changed meanwhile; look again.", code=JobErrorCode.NOT_DEAD
            )
        await record(
            uow,
            new_entry(
                at=now, actor=Actor(actor.staff_id, actor.email), action="job.discarded",
                object_type="job", object_id=job_id, reason=why, before=_facts(stored),
                after={"status": "discarded"},
            ),
        )  # fmt: skip
        await uow.commit()
    return JobActed(job_id=job_id, name=stored.row.name, retried=False)

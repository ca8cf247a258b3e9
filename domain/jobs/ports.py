"""Storage ports of the job queue: the producer side (inside a unit of work) and the runner side."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from domain.jobs.model import ClaimedJob, JobRow, JobStatus, JsonValue, NewJob
from domain.shared.transaction import Transaction


class JobQueue(Protocol):
    """``uow.jobs``: enqueue follow-up work in the caller's transaction."""

    def enqueue(
        self,
        name: str,
        /,
        *,
        unique_key: str | None = None,
        run_at: datetime | None = None,
        **kwargs: JsonValue,
    ) -> None: ...


@runtime_checkable  # a named dependency: Litestar checks what it injects
class JobStore(Protocol):
    """What the runner needs from durable storage. Every method is its own transaction."""

    async def add(self, jobs: Sequence[NewJob]) -> int:
        """Insert jobs, skipping any whose ``unique_key`` exists already; returns how many were new."""
        ...

    async def claim(self, *, worker_id: str, now: datetime, limit: int) -> list[ClaimedJob]:
        """Lease up to ``limit`` due jobs to this worker: queued jobs whose ``run_at`` has come and
        running jobs whose lease expired (their runner died). Jobs already at their last attempt
        whose lease expired are marked dead instead. Safe with several runners at once."""
        ...

    async def complete(self, job_id: str, *, worker_id: str, now: datetime) -> bool: ...

    async def retry(
        self, job_id: str, *, worker_id: str, now: datetime, run_at: datetime, error: str
    ) -> bool: ...

    async def bury(self, job_id: str, *, worker_id: str, now: datetime, error: str) -> bool: ...

    async def requeue(self, job_id: str, *, now: datetime) -> None:
        """Give a dead job one more set of attempts (the admin "retry" button)."""
        ...

    async def counts(self) -> dict[JobStatus, int]: ...

    async def recent(self, *, status: JobStatus | None = None, limit: int = 50) -> list[JobRow]: ...

    async def purge_finished(self, *, before: datetime) -> int: ...


class JobsUnit(Transaction, Protocol):
    """A transaction that can enqueue jobs (written in it: a transactional outbox)."""

    @property
    def jobs(self) -> JobQueue: ...

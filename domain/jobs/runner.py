"""The in-process job runner: claims due jobs, runs them with bounded concurrency and a timeout,
retries failures with back-off, buries jobs out of attempts, and enqueues scheduled ticks.

Delivery is at-least-once: a job may run again if its runner dies after finishing the work but
before recording it, so jobs are written to be idempotent.

Failure policy:
- success -> ``succeeded``;
- a ``DomainError`` that is not a ``TransientError`` -> ``dead`` at once (a business rule said no;
  running it again cannot help);
- anything else (``TransientError``, a timeout, an unexpected exception) -> ``queued`` again after
  the back-off delay, or ``dead`` when it was the last attempt;
- an unknown job name -> ``dead``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from domain.jobs.context import JobContext
from domain.jobs.model import Backoff, ClaimedJob
from domain.jobs.ports import JobStore
from domain.jobs.registry import JobRegistry
from domain.jobs.schedule import SCHEDULE, ScheduleEntry, tick_key
from domain.shared.clock import Clock
from domain.shared.errors import DomainError, NotFound, TransientError
from domain.shared.transaction import Transaction

log = logging.getLogger("jobs")

SCHEDULE_CHECK_S = 30.0


class RunnerState(StrEnum):
    STOPPED = "stopped"
    RUNNING = "running"
    STOPPING = "stopping"


@dataclass(frozen=True, slots=True)
class RunnerStatus:
    state: RunnerState
    worker_id: str
    running_jobs: int
    concurrency: int
    last_error: str | None


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class JobRunner:
    def __init__(
        self,
        *,
        store: JobStore,
        registry: JobRegistry,
        clock: Clock,
        uow_factory: Callable[[], Transaction],  # the app's whole unit of work
        concurrency: int = 4,
        poll_interval_s: float = 1.0,
        shutdown_grace_s: float = 30.0,
        schedule: tuple[ScheduleEntry, ...] = SCHEDULE,
        backoff: Backoff | None = None,
        worker_id: str | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.store = store
        self.registry = registry
        self.clock = clock
        self.uow_factory = uow_factory
        self.concurrency = concurrency
        self.poll_interval_s = poll_interval_s
        self.shutdown_grace_s = shutdown_grace_s
        self.schedule = schedule
        self.backoff = backoff or Backoff()
        self.worker_id = worker_id or default_worker_id()
        self._state = RunnerState.STOPPED
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._last_error: str | None = None
        self._unknown_scheduled: set[str] = set()  # warned about once each

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    def status(self) -> RunnerStatus:
        return RunnerStatus(
            self._state, self.worker_id, len(self._tasks), self.concurrency, self._last_error
        )

    async def start(self) -> None:
        if self._state is not RunnerState.STOPPED:
            return
        self._state = RunnerState.RUNNING
        self._loop_task = asyncio.create_task(self._loop(), name=f"job-runner:{self.worker_id}")
        log.info("job runner started", extra={"worker_id": self.worker_id})

    async def stop(self) -> None:
        """Stop claiming, let running jobs finish within the grace period, cancel the rest.

        A cancelled job stays ``running`` in the database until its lease expires, then another
        runner (or this one after a restart) runs it again.
        """
        if self._state is RunnerState.STOPPED:
            return
        self._state = RunnerState.STOPPING
        self._wake.set()
        if self._loop_task is not None:
            await self._loop_task
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=self.shutdown_grace_s)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
                log.warning("cancelled %d job(s) at shutdown", len(pending))
        self._state = RunnerState.STOPPED
        log.info("job runner stopped", extra={"worker_id": self.worker_id})

    def wake(self) -> None:
        """Ask the loop to poll now (e.g. right after enqueueing in this process)."""
        self._wake.set()

    # -- the loop -----------------------------------------------------------------------------
    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_schedule_check = 0.0
        while self._state is RunnerState.RUNNING:
            try:
                if loop.time() >= next_schedule_check:
                    await self.enqueue_schedule()
                    next_schedule_check = loop.time() + SCHEDULE_CHECK_S
                free = self.concurrency - len(self._tasks)
                claimed = await self._claim(free) if free > 0 else []
                for job in claimed:
                    self._spawn(job)
                self._last_error = None
                if claimed and len(claimed) == free:
                    # all slots busy: wait for one to free up (or a stop)
                    await self._wait(self.poll_interval_s)
                elif not claimed:
                    await self._wait(self.poll_interval_s)
            except Exception as exc:
                self._last_error = f"{type(exc).__name__}: {exc}"
                log.exception("job runner poll failed; retrying")
                await self._wait(self.poll_interval_s)

    async def _wait(self, timeout: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    def _spawn(self, job: ClaimedJob) -> None:
        task = asyncio.create_task(self.execute(job), name=f"job:{job.name}:{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wake.set()

    async def _claim(self, limit: int) -> list[ClaimedJob]:
        return await self.store.claim(worker_id=self.worker_id, now=self.clock.now(), limit=limit)

    # -- scheduling ---------------------------------------------------------------------------
    async def enqueue_schedule(self) -> int:
        """Enqueue the latest due tick of every schedule entry (deduplicated by its unique key).

        An entry whose job this runner's registry does not know (a runner built with part of
        the jobs, a job renamed while an old schedule runs) is skipped with a warning, once per
        name: the other entries are still enqueued, rather than the whole poll failing."""
        now = self.clock.now()
        jobs = []
        for entry in self.schedule:
            if entry.job not in self.registry:
                if entry.job not in self._unknown_scheduled:
                    self._unknown_scheduled.add(entry.job)
                    log.warning("scheduled job %r is not registered; its ticks are skipped",
                                entry.job, extra={"worker_id": self.worker_id})  # fmt: skip
                continue
            definition = self.registry.get(entry.job)
            tick = entry.latest_tick(now)
            jobs.append(
                definition.new(entry.kwargs, now=now, run_at=tick, unique_key=tick_key(entry, tick))
            )
        return await self.store.add(jobs) if jobs else 0

    # -- running one job ----------------------------------------------------------------------
    async def execute(self, job: ClaimedJob) -> None:
        """Run one claimed job to an outcome recorded in the store."""
        try:
            definition = self.registry.get(job.name)
        except NotFound as exc:
            await self._bury(job, exc.message)
            return
        ctx = JobContext(
            clock=self.clock,
            uow=self.uow_factory,
            store=self.store,
            job_id=job.id,
            attempt=job.attempt,
        )
        try:
            await asyncio.wait_for(definition.fn(ctx, **job.kwargs), timeout=job.timeout_s)
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            await self._fail(job, f"timed out after {job.timeout_s}s")
        except TransientError as exc:
            await self._fail(job, f"{exc.code}: {exc.message}")
        except DomainError as exc:
            await self._bury(job, f"{exc.code}: {exc.message}")
        except Exception as exc:
            detail = "".join(traceback.format_exception(exc, limit=-8))
            await self._fail(job, f"{type(exc).__name__}: {exc}\n{detail}")
        else:
            await self.store.complete(job.id, worker_id=self.worker_id, now=self.clock.now())

    async def _fail(self, job: ClaimedJob, error: str) -> None:
        if job.is_last_attempt:
            await self._bury(job, f"attempt {job.attempt}/{job.max_attempts}: {error}")
            return
        now = self.clock.now()
        run_at = now + self.backoff.delay(job.attempt)
        log.warning(
            "job %s (%s) failed on attempt %d; retrying at %s: %s",
            job.name,
            job.id,
            job.attempt,
            run_at.isoformat(),
            error.splitlines()[0],
        )
        await self.store.retry(
            job.id, worker_id=self.worker_id, now=now, run_at=run_at, error=error
        )

    async def _bury(self, job: ClaimedJob, error: str) -> None:
        log.error("job %s (%s) is dead: %s", job.name, job.id, error.splitlines()[0])
        await self.store.bury(job.id, worker_id=self.worker_id, now=self.clock.now(), error=error)

    # -- tests and test clocks ----------------------------------------------------------------
    async def drain(self, *, max_jobs: int = 100_000, include_schedule: bool = True) -> int:
        """Run every job due as of ``clock.now()`` until none is left; returns how many ran.

        Jobs retried into the future are not due under a frozen clock, so this always ends. Used
        by tests (``drain_jobs``) and test clocks: advance the clock, then drain.
        """
        if include_schedule:
            await self.enqueue_schedule()
        ran = 0
        while ran < max_jobs:
            claimed = await self._claim(min(self.concurrency, max_jobs - ran))
            if not claimed:
                break
            await asyncio.gather(*(self.execute(job) for job in claimed))
            ran += len(claimed)
        return ran

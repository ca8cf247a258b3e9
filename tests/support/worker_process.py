"""A job-runner process for the multi-process tests: ``python -m tests.support.worker_process``.

Environment: ``DATABASE_URL``; ``RUN_LOG`` (a file each run appends ``<job id> <attempt>`` to);
``LEASE_MARGIN_S``; ``CONCURRENCY``. Jobs: ``test.record`` (append and return) and ``test.block``
(on its first attempt append, then hang far past any test; on later attempts append and return).
Stops on SIGTERM, gracefully.

``JOBS=app`` runs the app's billing jobs instead (``tests.support.jobs.billing_registry``: renewals
and charges for real, PDFs and notices as no-ops, with a
``SandboxGateway`` on the same database, and the app's schedule), appending
``<job id> <attempt> <job name> <pid>`` to ``RUN_LOG`` after each job it ran; ``FROZEN_AT`` (an
ISO instant) gives the process a ``FrozenClock`` at that instant instead of the system clock.
"""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import datetime, timedelta

from domain.adapters.db.engine import make_engine, start_pool
from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.jobs.context import JobContext
from domain.jobs.model import ClaimedJob
from domain.jobs.registry import JobRegistry
from domain.jobs.runner import JobRunner
from domain.jobs.schedule import SCHEDULE
from domain.shared.clock import Clock, FrozenClock, SystemClock

registry = JobRegistry()


def _append(ctx: JobContext, tag: str) -> None:
    # O_APPEND writes of one short line are atomic between processes
    with open(os.environ["RUN_LOG"], "a", encoding="utf-8") as f:
        f.write(f"{ctx.job_id} {ctx.attempt} {tag} {os.getpid()}\n")


@registry.job("test.record")
async def record(ctx: JobContext, n: int) -> None:
    _append(ctx, "record")


@registry.job("test.block", timeout_s=2, max_attempts=3)
async def block(ctx: JobContext) -> None:
    _append(ctx, "start")
    if ctx.attempt == 1:
        await asyncio.sleep(3600)
    _append(ctx, "done")


def _log_each_run(runner: JobRunner) -> None:
    """Append ``<job id> <attempt> <job name> <pid>`` after every job this runner executed."""
    execute = runner.execute

    async def logged(job: ClaimedJob) -> None:
        await execute(job)
        with open(os.environ["RUN_LOG"], "a", encoding="utf-8") as f:
            f.write(f"{job.id} {job.attempt} {job.name} {os.getpid()}\n")

    runner.execute = logged  # type: ignore[method-assign]


async def main() -> None:
    engine = make_engine(os.environ["DATABASE_URL"])
    bind_tables(engine)
    concurrency = int(os.environ.get("CONCURRENCY", "4"))
    await start_pool(engine, max_size=max(4, concurrency + 2))
    frozen_at = os.environ.get("FROZEN_AT")
    clock: Clock = FrozenClock(datetime.fromisoformat(frozen_at)) if frozen_at else SystemClock()
    app_jobs = os.environ.get("JOBS") == "app"
    if app_jobs:
        from domain.adapters.payments.sandbox import SandboxGateway
        from tests.support.jobs import billing_registry

        jobs = billing_registry(SandboxGateway(engine))
    else:
        jobs = registry
    runner = JobRunner(
        store=PiccoloJobStore(
            engine, lease_margin=timedelta(seconds=float(os.environ.get("LEASE_MARGIN_S", "30")))
        ),
        registry=jobs,
        clock=clock,
        uow_factory=lambda: PiccoloUnitOfWork(engine, clock=clock, registry=jobs),
        concurrency=concurrency,
        poll_interval_s=0.05,
        schedule=SCHEDULE if app_jobs else (),
    )
    if app_jobs:
        _log_each_run(runner)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await runner.start()
    print("ready", flush=True)
    await stop.wait()
    await runner.stop()


if __name__ == "__main__":
    asyncio.run(main())

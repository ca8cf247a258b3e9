"""A job-runner process for the crash harness (``bench/renewal_crash.py``):
``python -m bench.renewal_crash_worker``.

Built the way ``python -m web.cli worker`` builds its runner: the settings from the environment
(``DATABASE_URL``; ``PAYMENT_GATEWAY`` = sandbox, the default, with ``SANDBOX_FAILURE_RATE``), the
gateway from ``web.payments.make_gateway``, the system clock, the app's job store and runner, the
app's schedule (so the renewal run is enqueued by the schedule's tick, as in production). Three
differences, each said where it matters:

- the registry holds the billing jobs for real (renewals, charges, dunning, the queue's
  housekeeping) and the notices they queue as no-ops (no e-mail is rendered: that is the outbox's
  work, not the renewal's); the schedule's other jobs are no-ops too;
- ``CRASH_JOB_TIMEOUT_S`` (if set) shortens the timeout of the renewal and collection batch jobs
  (600 s in the product) and ``CRASH_LEASE_MARGIN_S`` the lease margin (30 s): a killed runner's
  claimed job is taken again when its lease (timeout + margin) runs out, 630 s in the product;
- ``RUN_LOG`` (a file): after each job it ran, the process appends
  ``<job id> <attempt> <job name> <pid>``;
- ``CRASH_PAUSE_IN_BATCH_S`` (if set and not 0): each renewal batch waits that long inside its
  transaction, its rows locked, before its set-based renewal runs (this process wraps
  ``renew_in_bulk`` as ``renew_batch`` sees it; the product never reads the variable), so the
  kill scenario's kills land with a batch's transaction open however fast the batch is.

It prints ``ready`` on stdout once the runner started and stops gracefully on SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import timedelta
from typing import Any

from domain.adapters.db.engine import close_pool, make_engine, start_pool
from domain.adapters.db.job_store import LEASE_MARGIN, PiccoloJobStore
from domain.adapters.db.tables import bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.billing.issued import COLLECT_BATCH_JOB
from domain.jobs import housekeeping
from domain.jobs.context import JobContext
from domain.jobs.model import ClaimedJob
from domain.jobs.registry import JobRegistry
from domain.jobs.runner import JobRunner
from domain.jobs.schedule import SCHEDULE
from domain.payments import jobs as payment_jobs
from domain.shared.clock import SystemClock
from domain.subscriptions import jobs as subscription_jobs
from domain.subscriptions import renewal_batches
from domain.subscriptions.renewals import RENEW_BATCH_JOB
from web.payments import make_gateway
from web.settings import Settings

SHORTENED = ("subscriptions.renew_due", RENEW_BATCH_JOB, COLLECT_BATCH_JOB)


async def _no_op(ctx: JobContext, **kwargs: object) -> None:
    return None


def billing_jobs(settings: Settings, gateway: object, job_timeout_s: int | None) -> JobRegistry:
    """The billing jobs for real, the notices and the rest of the schedule as no-ops; the batch
    jobs' timeout shortened to ``job_timeout_s`` when given."""
    real = JobRegistry()
    real.merge(housekeeping.registry)
    real.merge(subscription_jobs.build_jobs(settings.billing))
    real.merge(payment_jobs.build_jobs(settings.billing, gateway))  # type: ignore[arg-type]
    registry = JobRegistry()
    for d in real:
        shortened = job_timeout_s is not None and d.name in SHORTENED
        timeout_s = job_timeout_s if shortened and job_timeout_s else d.timeout_s
        registry.job(d.name, max_attempts=d.max_attempts, timeout_s=timeout_s)(d.fn)
    skipped = JobRegistry()
    for name in ("notifications.notify", "notifications.notify_many", "notifications.scan_notices"):
        skipped.job(name)(_no_op)
    for entry in SCHEDULE:
        if entry.job not in registry and entry.job not in skipped:
            skipped.job(entry.job)(_no_op)
    registry.merge(skipped)
    return registry


def _log_each_run(runner: JobRunner, path: str) -> None:
    execute = runner.execute

    async def logged(job: ClaimedJob) -> None:
        await execute(job)
        # O_APPEND writes of one short line are atomic between processes
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{job.id} {job.attempt} {job.name} {os.getpid()}\n")

    runner.execute = logged  # type: ignore[method-assign]


def _pause_in_batch(seconds: float) -> None:
    bulk = renewal_batches.renew_in_bulk

    async def paused(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(seconds)  # the batch's transaction is open, its rows locked
        return await bulk(*args, **kwargs)

    renewal_batches.renew_in_bulk = paused  # type: ignore[assignment]


async def main() -> None:
    settings = Settings.from_env()
    engine = make_engine(settings.database.url)
    bind_tables(engine)
    await start_pool(engine, max_size=settings.database.pool_size)
    clock = SystemClock()
    gateway = make_gateway(settings.payments, engine, clock)
    timeout = os.environ.get("CRASH_JOB_TIMEOUT_S")
    registry = billing_jobs(settings, gateway, int(timeout) if timeout else None)
    margin = os.environ.get("CRASH_LEASE_MARGIN_S")
    runner = JobRunner(
        store=PiccoloJobStore(
            engine,
            lease_margin=timedelta(seconds=float(margin)) if margin else LEASE_MARGIN,
        ),
        registry=registry,
        clock=clock,
        uow_factory=lambda: PiccoloUnitOfWork(engine, clock=clock, registry=registry),
        concurrency=settings.jobs.concurrency,
        poll_interval_s=settings.jobs.poll_interval_s,
        shutdown_grace_s=settings.jobs.shutdown_grace_s,
    )
    if path := os.environ.get("RUN_LOG"):
        _log_each_run(runner, path)
    if pause := float(os.environ.get("CRASH_PAUSE_IN_BATCH_S") or 0):
        _pause_in_batch(pause)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runner.start()
    print("ready", flush=True)
    await stop.wait()
    await runner.stop()
    await close_pool(engine)


if __name__ == "__main__":
    asyncio.run(main())

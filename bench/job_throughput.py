"""Job-runner throughput: no-op jobs per second through enqueue, claim, run and complete.

For each backend (SQLite file, PostgreSQL), N no-op jobs are enqueued in batches through the unit
of work (the producers' path), then a started ``JobRunner`` works the queue down to empty. The
figures are jobs per second for the enqueue phase, the run phase (claim + run + complete) and end
to end. A baseline measured in the same run, a bare ``INSERT`` + ``UPDATE`` per job through the
same engine with no runner logic, gives the ratio that survives noisy machines.

    python -m bench.job_throughput [--jobs 2000] [--concurrency 8] [--pg-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import asyncpg

from domain.adapters.db.engine import close_pool, make_engine, start_pool
from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.migrate import apply_migrations
from domain.adapters.db.tables import JobTable, bind_tables
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.jobs.context import JobContext
from domain.jobs.model import JobStatus
from domain.jobs.registry import JobRegistry
from domain.jobs.runner import JobRunner
from domain.shared.clock import SystemClock

BATCH = 100

registry = JobRegistry()


@registry.job("bench.noop")
async def noop(ctx: JobContext, n: int) -> None:
    return None


@dataclass
class Result:
    backend: str
    jobs: int
    concurrency: int
    enqueue_per_s: float
    run_per_s: float
    end_to_end_per_s: float
    baseline_per_s: float
    run_vs_baseline: float


async def _baseline(jobs: int) -> float:
    """Bare SQL: one INSERT then one UPDATE per job, no claim, no transaction choreography."""
    await JobTable.delete(force=True)
    started = time.perf_counter()
    for n in range(jobs):
        job_id = str(uuid.uuid4())
        await JobTable.raw(
            "INSERT INTO job (id, name, kwargs, status, attempts, max_attempts, timeout_s)"
            " VALUES ({}, 'bench.noop', {}, 'queued', 0, 1, 60)",
            job_id,
            json.dumps({"n": n}),
        )
        await JobTable.raw("UPDATE job SET status = 'succeeded' WHERE id = {}", job_id)
    elapsed = time.perf_counter() - started
    await JobTable.delete(force=True)
    return jobs / elapsed


async def _measure(backend: str, url: str, jobs: int, concurrency: int) -> Result:
    engine = make_engine(url)
    bind_tables(engine)
    await apply_migrations(engine, quiet=True)
    await start_pool(engine, max_size=concurrency + 2)
    clock = SystemClock()
    try:
        baseline = await _baseline(jobs)

        started = time.perf_counter()
        for first in range(0, jobs, BATCH):
            uow = PiccoloUnitOfWork(engine, clock=clock, registry=registry)
            async with uow:
                for n in range(first, min(first + BATCH, jobs)):
                    uow.jobs.enqueue("bench.noop", n=n)
                await uow.commit()
        enqueued = time.perf_counter()

        store = PiccoloJobStore(engine)
        runner = JobRunner(
            store=store,
            registry=registry,
            clock=clock,
            uow_factory=lambda: PiccoloUnitOfWork(engine, clock=clock, registry=registry),
            concurrency=concurrency,
            poll_interval_s=0.01,
            schedule=(),
        )
        await runner.start()
        while (await store.counts())[JobStatus.SUCCEEDED] < jobs:
            await asyncio.sleep(0.02)
        finished = time.perf_counter()
        await runner.stop()
        run_rate = jobs / (finished - enqueued)
        return Result(
            backend=backend,
            jobs=jobs,
            concurrency=concurrency,
            enqueue_per_s=round(jobs / (enqueued - started), 1),
            run_per_s=round(run_rate, 1),
            end_to_end_per_s=round(jobs / (finished - started), 1),
            baseline_per_s=round(baseline, 1),
            run_vs_baseline=round(run_rate / baseline, 2),
        )
    finally:
        await close_pool(engine)


async def _fresh_pg_database(base_url: str) -> tuple[str, str]:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(base_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return base_url.rsplit("/", 1)[0] + f"/{name}", name


async def _drop_pg_database(base_url: str, name: str) -> None:
    conn = await asyncpg.connect(base_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--pg-url",
        default="",
        help="PostgreSQL server to benchmark (a scratch database is created)",
    )
    args = parser.parse_args(argv)

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(
            await _measure(
                "sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.jobs, args.concurrency
            )
        )
    if args.pg_url:
        url, name = await _fresh_pg_database(args.pg_url)
        try:
            results.append(await _measure("postgres", url, args.jobs, args.concurrency))
        finally:
            await _drop_pg_database(args.pg_url, name)

    header = f"{'backend':9} {'jobs':>6} {'conc':>4} {'enqueue/s':>10} {'run/s':>8} {'e2e/s':>8} {'baseline/s':>10} {'run/baseline':>12}"
    print(header)
    for r in results:
        print(
            f"{r.backend:9} {r.jobs:>6} {r.concurrency:>4} {r.enqueue_per_s:>10} {r.run_per_s:>8} "
            f"{r.end_to_end_per_s:>8} {r.baseline_per_s:>10} {r.run_vs_baseline:>12}"
        )
    print(json.dumps([asdict(r) for r in results]), file=sys.stderr)
    return results


if __name__ == "__main__":
    asyncio.run(main())

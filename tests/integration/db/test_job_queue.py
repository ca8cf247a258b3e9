"""The durable job queue against the real database (SQLite by default, PostgreSQL in test-pg)."""

from __future__ import annotations

import asyncio
import logging
from datetime import time, timedelta

import pytest

from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.tables import JobTable, PlanTable
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.catalog.demo import demo_plans
from domain.jobs.context import JobContext
from domain.jobs.model import JobStatus
from domain.jobs.registry import JobRegistry
from domain.jobs.schedule import Daily, Every
from domain.shared.clock import FrozenClock
from domain.shared.errors import InvalidTransition, TransientError, ValidationFailed
from tests.support.builders import make_runner, recording_registry
from tests.support.database import TestDatabase

pytestmark = pytest.mark.integration


async def _status(job_id: str) -> dict[str, object]:
    row = await JobTable.select().where(JobTable.id == job_id).first()
    assert row is not None
    return row


async def test_enqueued_job_exists_only_when_the_unit_of_work_commits(
    db: TestDatabase, clock: FrozenClock
) -> None:
    registry = recording_registry([])
    committed = PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)
    async with committed:
        committed.jobs.enqueue("test.record", n=1)
        await committed.commit()
    abandoned = PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)
    async with abandoned:
        abandoned.jobs.enqueue("test.record", n=2)
        # leaving without commit() rolls back
    failed = PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)
    with pytest.raises(RuntimeError):  # noqa: PT012 - the failure happens mid-transaction
        async with failed:
            await failed.plans.add(demo_plans()[0])
            failed.jobs.enqueue("test.record", n=3)
            raise RuntimeError("the business change failed")

    rows = await JobTable.select(JobTable.kwargs)
    assert [r["kwargs"] for r in rows] == ['{"n": 1}']
    assert await PlanTable.count() == 0, "nothing half-written stays"


async def test_a_use_case_inside_another_joins_its_transaction(
    db: TestDatabase, clock: FrozenClock
) -> None:
    registry = recording_registry([])
    outer = PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)
    async with outer:
        inner = PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)
        async with inner:
            await inner.plans.add(demo_plans()[0])
            inner.jobs.enqueue("test.record", n=1)
            await inner.commit()  # joins the outer transaction: nothing is durable yet
        await outer.rollback()
    assert await PlanTable.count() == 0
    assert await JobTable.count() == 0


async def test_enqueue_with_the_same_unique_key_creates_one_job(
    db: TestDatabase, clock: FrozenClock
) -> None:
    registry = recording_registry([])
    for _ in range(3):
        uow = PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)
        async with uow:
            uow.jobs.enqueue("test.record", unique_key="renewal:sub-1:2024-02-29", n=1)
            uow.jobs.enqueue("test.record", unique_key="renewal:sub-1:2024-02-29", n=1)
            await uow.commit()
    assert await JobTable.count() == 1


async def test_enqueue_rejects_unknown_jobs_and_non_json_kwargs(
    db: TestDatabase, clock: FrozenClock
) -> None:
    uow = PiccoloUnitOfWork(db.engine, clock=clock, registry=recording_registry([]))
    async with uow:
        with pytest.raises(Exception, match="no job named"):
            uow.jobs.enqueue("nope.missing")
        with pytest.raises(ValidationFailed):
            uow.jobs.enqueue("test.record", when=clock.now())  # type: ignore[arg-type]


async def test_drain_runs_due_jobs_once_and_leaves_future_ones(
    db: TestDatabase, clock: FrozenClock
) -> None:
    log: list[tuple[str, dict[str, object], int]] = []
    registry = recording_registry(log)
    uow = PiccoloUnitOfWork(db.engine, clock=clock, registry=registry)
    async with uow:
        for n in range(10):
            uow.jobs.enqueue("test.record", n=n)
        uow.jobs.enqueue("test.record", run_at=clock.now() + timedelta(hours=1), n=99)
        await uow.commit()
    runner = make_runner(db.engine, registry, clock)

    assert await runner.drain() == 10
    assert sorted(kw["n"] for _, kw, _ in log) == list(range(10))
    assert await runner.drain() == 0

    clock.advance(hours=1)
    assert await runner.drain() == 1
    counts = await PiccoloJobStore(db.engine).counts()
    assert counts[JobStatus.SUCCEEDED] == 11
    assert counts[JobStatus.QUEUED] == 0


async def test_failing_job_retries_with_exponential_backoff_then_dies(
    db: TestDatabase, clock: FrozenClock
) -> None:
    registry = JobRegistry()
    attempts: list[int] = []

    @registry.job("test.flaky", max_attempts=3)
    async def flaky(ctx: JobContext) -> None:
        attempts.append(ctx.attempt)
        raise TransientError("gateway timed out")

    store = PiccoloJobStore(db.engine)
    job = registry.get("test.flaky").new({}, now=clock.now())
    await store.add([job])
    runner = make_runner(db.engine, registry, clock)  # back-off base 15 s, no jitter: 7.5 s, 15 s

    assert await runner.drain() == 1
    [row] = await JobTable.select()
    assert row["status"] == JobStatus.QUEUED
    assert row["run_at"] == clock.now() + timedelta(seconds=7.5)
    assert "gateway timed out" in row["last_error"]

    clock.advance(seconds=7)
    assert await runner.drain() == 0  # not due yet
    clock.advance(seconds=1)
    assert await runner.drain() == 1
    [row] = await JobTable.select()
    assert row["run_at"] == clock.now() + timedelta(seconds=15)

    clock.advance(seconds=15)
    assert await runner.drain() == 1
    [row] = await JobTable.select()
    assert row["status"] == JobStatus.DEAD
    assert row["attempts"] == 3
    assert row["last_error"].startswith("attempt 3/3")
    assert attempts == [1, 2, 3]


async def test_business_rule_errors_are_not_retried(db: TestDatabase, clock: FrozenClock) -> None:
    registry = JobRegistry()

    @registry.job("test.refused")
    async def refused(ctx: JobContext) -> None:
        raise InvalidTransition("a canceled subscription cannot renew")

    await PiccoloJobStore(db.engine).add([registry.get("test.refused").new({}, now=clock.now())])
    assert await make_runner(db.engine, registry, clock).drain() == 1
    [row] = await JobTable.select()
    assert row["status"] == JobStatus.DEAD
    assert row["attempts"] == 1
    assert "cannot renew" in row["last_error"]


async def test_job_exceeding_its_timeout_is_cancelled_and_retried(
    db: TestDatabase, clock: FrozenClock
) -> None:
    registry = JobRegistry()

    @registry.job("test.slow", timeout_s=1, max_attempts=2)
    async def slow(ctx: JobContext) -> None:
        await asyncio.sleep(30)

    await PiccoloJobStore(db.engine).add([registry.get("test.slow").new({}, now=clock.now())])
    assert await make_runner(db.engine, registry, clock).drain() == 1
    [row] = await JobTable.select()
    assert row["status"] == JobStatus.QUEUED
    assert row["last_error"] == "timed out after 1s"


async def test_unknown_job_name_is_buried(db: TestDatabase, clock: FrozenClock) -> None:
    other = JobRegistry()

    @other.job("test.gone")
    async def gone(ctx: JobContext) -> None:
        return None

    await PiccoloJobStore(db.engine).add([other.get("test.gone").new({}, now=clock.now())])
    assert await make_runner(db.engine, JobRegistry(), clock).drain() == 1
    [row] = await JobTable.select()
    assert row["status"] == JobStatus.DEAD
    assert "no job named 'test.gone'" in row["last_error"]


async def test_dead_job_can_be_requeued_once(db: TestDatabase, clock: FrozenClock) -> None:
    registry = JobRegistry()
    calls: list[int] = []

    @registry.job("test.once_broken", max_attempts=1)
    async def once_broken(ctx: JobContext) -> None:
        calls.append(ctx.attempt)
        if len(calls) == 1:
            raise RuntimeError("bug, fixed by the next deploy")

    store = PiccoloJobStore(db.engine)
    await store.add([registry.get("test.once_broken").new({}, now=clock.now())])
    runner = make_runner(db.engine, registry, clock)
    await runner.drain()
    [row] = await JobTable.select()
    assert row["status"] == JobStatus.DEAD

    await store.requeue(row["id"], now=clock.now())
    with pytest.raises(InvalidTransition):
        await store.requeue(row["id"], now=clock.now())
    assert await runner.drain() == 1
    [row] = await JobTable.select()
    assert row["status"] == JobStatus.SUCCEEDED


async def test_expired_lease_is_taken_over_as_a_new_attempt(
    db: TestDatabase, clock: FrozenClock
) -> None:
    log: list[tuple[str, dict[str, object], int]] = []
    registry = recording_registry(log)
    store = PiccoloJobStore(db.engine)
    await store.add([registry.get("test.record").new({"n": 1}, now=clock.now())])

    [lost] = await store.claim(worker_id="crashed-worker", now=clock.now(), limit=5)
    assert await store.claim(worker_id="other", now=clock.now(), limit=5) == []
    clock.set(lost.lease_until)
    assert await store.claim(worker_id="other", now=clock.now(), limit=5) == []  # not yet expired
    clock.advance(seconds=1)
    assert await make_runner(db.engine, registry, clock).drain() == 1

    assert [attempt for _, _, attempt in log] == [2]
    # the crashed worker's late report changes nothing: it no longer holds the lease
    assert not await store.complete(lost.id, worker_id="crashed-worker", now=clock.now())
    row = await _status(lost.id)
    assert row["status"] == JobStatus.SUCCEEDED


async def test_expired_lease_on_the_last_attempt_buries_the_job(
    db: TestDatabase, clock: FrozenClock
) -> None:
    registry = JobRegistry()

    @registry.job("test.fragile", max_attempts=1)
    async def fragile(ctx: JobContext) -> None:
        return None

    store = PiccoloJobStore(db.engine)
    await store.add([registry.get("test.fragile").new({}, now=clock.now())])
    [lost] = await store.claim(worker_id="crashed-worker", now=clock.now(), limit=1)
    clock.set(lost.lease_until + timedelta(seconds=1))
    assert await store.claim(worker_id="other", now=clock.now(), limit=1) == []
    row = await _status(lost.id)
    assert row["status"] == JobStatus.DEAD
    assert "lease expired" in str(row["last_error"])


async def test_schedule_enqueues_each_tick_once_across_runners(
    db: TestDatabase, clock: FrozenClock
) -> None:
    log: list[tuple[str, dict[str, object], int]] = []
    registry = recording_registry(log)
    schedule = (
        Every(5, "test.record", {"what": "renewals"}),
        Daily(time(0, 15), "test.record", {"what": "rollup"}),
    )
    first = make_runner(db.engine, registry, clock, schedule=schedule)
    second = make_runner(db.engine, registry, clock, schedule=schedule)

    await first.enqueue_schedule()
    await second.enqueue_schedule()
    assert await first.drain() == 2
    assert await second.drain() == 0  # the same ticks, already run

    clock.advance(minutes=5)  # 00:04:30 on Feb 1: a new 5-minute tick, and Feb 1's 00:15 is not due
    assert await second.drain() == 1
    clock.advance(minutes=11)  # 00:15:30: the daily tick of Feb 1 and another 5-minute tick
    assert await first.drain() == 2
    assert sorted(kw["what"] for _, kw, _ in log) == ["renewals"] * 3 + ["rollup"] * 2


async def test_a_scheduled_job_the_registry_does_not_know_is_skipped_with_one_warning(
    db: TestDatabase, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    log: list[tuple[str, dict[str, object], int]] = []
    registry = recording_registry(log)
    schedule = (
        Every(5, "analytics.refresh"),  # not in this runner's registry
        Every(5, "test.record", {"what": "renewals"}),
        Daily(time(0, 15), "nobody.knows"),
    )
    runner = make_runner(db.engine, registry, clock, schedule=schedule)
    with caplog.at_level(logging.WARNING, logger="jobs"):
        assert await runner.enqueue_schedule() == 1  # the known entry, the poll not failed
        clock.advance(minutes=5)
        assert await runner.enqueue_schedule() == 1
    assert await runner.drain() == 2
    assert [kw["what"] for _, kw, _ in log] == ["renewals", "renewals"]
    assert (
        await JobTable.count().where(JobTable.name.is_in(["analytics.refresh", "nobody.knows"]))
        == 0
    )
    warned = [r.getMessage() for r in caplog.records if "not registered" in r.getMessage()]
    assert sorted(warned) == [  # once per name, not once per poll
        "scheduled job 'analytics.refresh' is not registered; its ticks are skipped",
        "scheduled job 'nobody.knows' is not registered; its ticks are skipped",
    ]


async def test_concurrent_runners_in_one_process_run_each_job_once(
    db: TestDatabase, clock: FrozenClock
) -> None:
    log: list[tuple[str, dict[str, object], int]] = []
    registry = recording_registry(log)
    definition = registry.get("test.record")
    await PiccoloJobStore(db.engine).add(
        [definition.new({"n": n}, now=clock.now()) for n in range(200)]
    )
    runners = [make_runner(db.engine, registry, clock, concurrency=8) for _ in range(3)]
    counts = await asyncio.gather(*(r.drain(include_schedule=False) for r in runners))

    assert sum(counts) == 200
    assert sorted(kw["n"] for _, kw, _ in log) == list(range(200))


async def test_started_runner_picks_up_jobs_and_stops_gracefully(
    db: TestDatabase, clock: FrozenClock
) -> None:
    registry = JobRegistry()
    finished: list[int] = []

    @registry.job("test.work")
    async def work(ctx: JobContext, n: int) -> None:
        await asyncio.sleep(0.05)
        finished.append(n)

    runner = make_runner(db.engine, registry, clock, concurrency=2)
    await runner.start()
    await PiccoloJobStore(db.engine).add(
        [registry.get("test.work").new({"n": n}, now=clock.now()) for n in range(6)]
    )
    runner.wake()
    for _ in range(200):
        if len(finished) == 6:
            break
        await asyncio.sleep(0.02)
    await runner.stop()

    assert sorted(finished) == list(range(6))
    assert runner.status.state == "stopped"
    assert (await PiccoloJobStore(db.engine).counts())[JobStatus.SUCCEEDED] == 6

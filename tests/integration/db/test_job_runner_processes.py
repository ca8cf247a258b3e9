"""Several runner processes sharing one database (PostgreSQL with SKIP LOCKED, or one SQLite file
with IMMEDIATE transactions): each job runs once; a killed runner's job is
taken over after its lease expires."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.tables import JobTable
from domain.jobs.model import JobStatus
from tests.support.database import TestDatabase
from tests.support.worker_process import registry

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]


def _start_worker(db: TestDatabase, run_log: Path, **env: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.worker_process"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": db.url, "RUN_LOG": str(run_log), **env},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


async def _wait_for(predicate, timeout_s: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached in time")


async def test_two_runner_processes_run_each_of_1000_jobs_exactly_once(
    db: TestDatabase, tmp_path: Path
) -> None:
    run_log = tmp_path / "runs.log"
    run_log.touch()
    now = datetime.now(UTC)
    definition = registry.get("test.record")
    await PiccoloJobStore(db.engine).add([definition.new({"n": n}, now=now) for n in range(1000)])
    workers = [_start_worker(db, run_log, CONCURRENCY="8") for _ in range(2)]
    try:

        async def all_done() -> bool:
            counts = await PiccoloJobStore(db.engine).counts()
            return counts[JobStatus.SUCCEEDED] == 1000

        await _wait_for(all_done, timeout_s=120)
    finally:
        for w in workers:
            _stop(w)

    lines = run_log.read_text().splitlines()
    runs = Counter(line.split()[0] for line in lines)
    assert len(runs) == 1000
    assert set(runs.values()) == {1}, "some job ran more than once"
    pids = Counter(line.split()[3] for line in lines)
    assert len(pids) == 2, f"both processes should have worked: {pids}"
    assert all(w.returncode == 0 for w in workers)


async def test_job_of_a_killed_runner_is_picked_up_after_its_lease_expires(
    db: TestDatabase, tmp_path: Path
) -> None:
    run_log = tmp_path / "runs.log"
    run_log.touch()
    await PiccoloJobStore(db.engine).add(
        [registry.get("test.block").new({}, now=datetime.now(UTC))]
    )
    first = _start_worker(db, run_log, LEASE_MARGIN_S="1")

    async def started() -> bool:
        return " start " in run_log.read_text()

    await _wait_for(started, timeout_s=30)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    [row] = await JobTable.select()
    assert row["status"] == JobStatus.RUNNING
    lease_until = row["locked_until"]

    second = _start_worker(db, run_log, LEASE_MARGIN_S="1")
    try:

        async def finished() -> bool:
            [r] = await JobTable.select(JobTable.status)
            return r["status"] == JobStatus.SUCCEEDED

        await _wait_for(finished, timeout_s=60)
    finally:
        _stop(second)

    [row] = await JobTable.select()
    assert row["attempts"] == 2
    assert row["started_at"] >= lease_until, "taken over before the lease expired"
    lines = [line.split() for line in run_log.read_text().splitlines()]
    assert [(attempt, tag) for _, attempt, tag, _ in lines] == [
        ("1", "start"),
        ("2", "start"),
        ("2", "done"),
    ]
    assert lines[0][3] != lines[2][3], "the second attempt ran in the second process"

"""``drain_jobs``: run every job due under the test clock until the queue is empty."""

from __future__ import annotations

from litestar import Litestar

from domain.jobs.runner import JobRunner


async def drain_jobs(target: Litestar | JobRunner, *, include_schedule: bool = True) -> int:
    runner = target if isinstance(target, JobRunner) else target.state.runtime.runner
    return await runner.drain(include_schedule=include_schedule)

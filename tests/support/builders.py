"""Builders with deterministic defaults and keyword overrides (no random money or dates)."""

from __future__ import annotations

import itertools

from piccolo.engine.base import Engine

from domain.adapters.db.job_store import PiccoloJobStore
from domain.adapters.db.uow import PiccoloUnitOfWork
from domain.jobs.context import JobContext
from domain.jobs.model import Backoff
from domain.jobs.registry import JobRegistry
from domain.jobs.runner import JobRunner
from domain.jobs.schedule import ScheduleEntry
from domain.shared.clock import Clock

_counter = itertools.count(1)


def suffix() -> str:
    """A unique suffix for names and keys within a run (cosmicpython's random_refs, made stable)."""
    return f"{next(_counter):06d}"


class ZeroJitter:
    """A ``random.Random`` stand-in whose draws are always 0: back-off delays become exact."""

    def random(self) -> float:
        return 0.0


def make_runner(
    engine: Engine,
    registry: JobRegistry,
    clock: Clock,
    *,
    concurrency: int = 4,
    schedule: tuple[ScheduleEntry, ...] = (),
    worker_id: str | None = None,
    poll_interval_s: float = 0.02,
) -> JobRunner:
    return JobRunner(
        store=PiccoloJobStore(engine),
        registry=registry,
        clock=clock,
        uow_factory=lambda: PiccoloUnitOfWork(engine, clock=clock, registry=registry),
        concurrency=concurrency,
        poll_interval_s=poll_interval_s,
        shutdown_grace_s=5,
        schedule=schedule,
        backoff=Backoff(rng=ZeroJitter()),  # type: ignore[arg-type]
        worker_id=worker_id,
    )


def recording_registry(log: list[tuple[str, dict[str, object], int]]) -> JobRegistry:
    """A registry whose ``test.record`` job appends (job id, kwargs, attempt) to ``log``."""
    registry = JobRegistry()

    @registry.job("test.record")
    async def record(ctx: JobContext, **kwargs: object) -> None:
        log.append((ctx.job_id, kwargs, ctx.attempt))

    return registry

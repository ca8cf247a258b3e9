"""What a running job is handed: the clock, a unit-of-work factory and its own identity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.jobs.ports import JobStore
from domain.shared.clock import Clock
from domain.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class JobContext:
    clock: Clock
    uow: Callable[[], UnitOfWork]
    store: JobStore
    job_id: str
    attempt: int

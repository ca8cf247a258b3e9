"""What a running job is handed: the clock, a unit-of-work factory and its own identity.

``JobContext[U]`` names the unit a job's use cases need (``JobContext[PaymentsUnit]``); the
runner is built with the app's whole unit of work, which satisfies every context's unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.jobs.ports import JobStore
from domain.shared.clock import Clock
from domain.shared.transaction import Transaction

U = TypeVar("U", bound=Transaction)


@dataclass(frozen=True, slots=True)
class JobContext(Generic[U]):
    clock: Clock
    uow: Callable[[], U]
    store: JobStore
    job_id: str
    attempt: int

"""Job definitions: ``@registry.job("context.verb_noun")`` turns an async function into a job.

A job is a thin entry point like a handler: JSON kwargs in, one use case called. It must tolerate
running twice (at-least-once delivery): check state first, use idempotency keys.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from domain.jobs.errors import JobErrorCode
from domain.jobs.model import JsonValue, NewJob
from domain.shared.errors import DomainError, NotFound, ValidationFailed

JobFunction = Callable[..., Awaitable[None]]

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_TIMEOUT_S = 60


@dataclass(frozen=True, slots=True)
class JobDefinition:
    name: str
    fn: JobFunction
    max_attempts: int
    timeout_s: int

    def new(
        self,
        kwargs: dict[str, JsonValue],
        *,
        now: datetime,
        run_at: datetime | None = None,
        unique_key: str | None = None,
    ) -> NewJob:
        try:
            normalised = json.loads(json.dumps(kwargs, allow_nan=False))
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(
                {"kwargs": f"job {self.name} kwargs must be JSON: {exc}"},
                code=JobErrorCode.NOT_SERIALISABLE,
            ) from exc
        return NewJob(
            name=self.name,
            kwargs=normalised,
            run_at=run_at or now,
            max_attempts=self.max_attempts,
            timeout_s=self.timeout_s,
            unique_key=unique_key,
        )


class JobRegistry:
    """The set of job definitions a runner knows. The app builds one and passes it around."""

    def __init__(self) -> None:
        self._jobs: dict[str, JobDefinition] = {}

    def job(
        self,
        name: str,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout_s: int = DEFAULT_TIMEOUT_S,
    ) -> Callable[[JobFunction], JobFunction]:
        if max_attempts < 1 or timeout_s < 1:
            raise ValueError("max_attempts and timeout_s must be at least 1")

        def register(fn: JobFunction) -> JobFunction:
            if name in self._jobs:
                raise DomainError(f"job {name!r} is defined twice", code=JobErrorCode.DUPLICATE_JOB)
            self._jobs[name] = JobDefinition(name, fn, max_attempts, timeout_s)
            return fn

        return register

    def get(self, name: str) -> JobDefinition:
        try:
            return self._jobs[name]
        except KeyError:
            raise NotFound(f"no job named {name!r}", code=JobErrorCode.UNKNOWN_JOB) from None

    def __contains__(self, name: object) -> bool:
        return name in self._jobs

    def __iter__(self) -> Iterator[JobDefinition]:
        return iter(self._jobs.values())

    def merge(self, other: JobRegistry) -> None:
        for definition in other:
            if definition.name in self._jobs:
                raise DomainError(
                    f"job {definition.name!r} is defined twice", code=JobErrorCode.DUPLICATE_JOB
                )
            self._jobs[definition.name] = definition

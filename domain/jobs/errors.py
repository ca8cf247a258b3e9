"""Error codes of the jobs context."""

from enum import StrEnum


class JobErrorCode(StrEnum):
    UNKNOWN_JOB = "jobs.unknown_job"
    DUPLICATE_JOB = "jobs.duplicate_definition"
    NOT_SERIALISABLE = "jobs.kwargs_not_json"
    NOT_DEAD = "jobs.not_dead"

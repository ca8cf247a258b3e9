"""Piccolo tables of the operations pages (beside ``tables.py``, which lists these in
``ALL_TABLES``): every failed attempt of a job, so staff read a dead job's error history and
not only its last error."""

from __future__ import annotations

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class JobFailureTable(Table, tablename="job_failure"):
    """One failed attempt of a job (retried or buried), written by the job store with the
    outcome; deleted with its job (purged or discarded)."""

    id = Varchar(length=36, primary_key=True)
    job_id = Varchar(length=36, index=True)
    attempt = Integer(default=0)
    error = Text(default="")
    failed_at = Timestamptz(default=None, null=True)


OPERATIONS_TABLES: tuple[type[Table], ...] = (JobFailureTable,)

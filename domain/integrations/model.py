"""A CRM import as it is stored: who uploaded which file, the mapping chosen, the dry run's
outcome, the progress of the import job and its counts and row errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domain.integrations.rows import RowError

MAX_STORED_ERRORS = 1_000  # row errors kept and shown; the count covers all of them


class ImportStatus(StrEnum):
    UPLOADED = "uploaded"  # the file is read; the mapping is next
    CHECKED = "checked"  # a dry run ran with the current mapping
    QUEUED = "queued"  # the import job is waiting for the runner
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # the job gave up (see the jobs page); re-start continues where it stopped


LIVE = frozenset({ImportStatus.QUEUED, ImportStatus.RUNNING})


@dataclass(frozen=True, slots=True)
class CustomerImport:
    id: str
    file_name: str
    source: str  # whose ids the external ids are ("hubspot"): unique per source
    created_at: datetime
    created_by: str  # the staff member's e-mail
    created_by_id: str | None
    header: tuple[str, ...]
    total_rows: int
    mapping: dict[str, str] = field(default_factory=dict)  # target key -> column name
    with_subscriptions: bool = False
    status: ImportStatus = ImportStatus.UPLOADED
    done_rows: int = 0
    created: int = 0
    updated: int = 0
    subscribed: int = 0
    error_count: int = 0
    errors: tuple[RowError, ...] = ()
    checked_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else self.done_rows * 100 // self.total_rows

    @property
    def is_live(self) -> bool:
        return self.status in LIVE

    @property
    def imported(self) -> int:
        return self.created + self.updated

"""An audit entry: who did what, when, to which object, why, and the values before and after.

Entries are appended and never changed: the repository has no update or delete, and the
database refuses UPDATE and DELETE on the table (a trigger, on PostgreSQL and SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.shared.ids import new_id

MAX_REASON = 1_000
SYSTEM_ACTOR = "command line"  # the actor of entries written by `python -m web.cli`


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acted: a staff member (id and e-mail at the time), or the command line (no id)."""

    staff_id: str | None
    email: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: str
    at: datetime
    actor: Actor
    action: str  # a stable code: "staff.created", "staff.signed_in", ...
    object_type: str  # "staff", "customer", "invoice", ...
    object_id: str
    customer_id: str | None = None
    reason: str = ""
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)


def new_entry(
    *,
    at: datetime,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    customer_id: str | None = None,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry(
        id=new_id(),
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        customer_id=customer_id,
        reason=reason[:MAX_REASON],
        before=dict(before or {}),
        after=dict(after or {}),
    )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What the audit page filters by; None means any. ``until`` is exclusive. ``staff_id`` is
    who acted; ``object_type`` and ``object_id`` what was acted on (a staff member's page reads
    the entries about them)."""

    staff_id: str | None = None
    customer_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    object_type: str | None = None
    object_id: str | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

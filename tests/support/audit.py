"""The audit log read back in the order it was written, for assertions: by instant, then the
order of writing (``seq`` on PostgreSQL, ``rowid`` on SQLite: entries at one frozen instant have
no order of their own otherwise)."""

from __future__ import annotations

import json
from typing import Any

from piccolo.query import OrderByRaw

from domain.adapters.db.repositories.audit import tie_breaker
from domain.adapters.db.tables_staff import AuditEntryTable


async def audit_rows() -> list[dict[str, Any]]:
    """Every entry, oldest first, ``before`` and ``after`` read (JSON text on SQLite)."""
    t = AuditEntryTable
    rows = await t.select(*t.all_columns()).order_by(t.at).order_by(OrderByRaw(tie_breaker(t)))
    return [
        {
            **r,
            **{k: json.loads(r[k]) if isinstance(r[k], str) else r[k] for k in ("before", "after")},
        }
        for r in rows
    ]


async def audit_actions(prefix: str = "") -> list[str]:
    """The actions, oldest first, of the entries whose action starts with ``prefix``."""
    return [r["action"] for r in await audit_rows() if r["action"].startswith(prefix)]

"""Recording an entry in the caller's transaction, and reading the log by filter and page.

``record`` does not open or commit anything: the use case that acted calls it inside its own
``async with uow:`` so the entry exists exactly when the action was committed. Who may read the
log is decided by the caller (``domain/staff/audit_log.py`` checks the permission).
"""

from __future__ import annotations

from domain.audit.model import AuditEntry, AuditFilter, AuditPage
from domain.audit.ports import AuditUnit

PER_PAGE = 50
EXPORT_LIMIT = 50_000  # rows in one CSV export


async def record(uow: AuditUnit, entry: AuditEntry) -> None:
    await uow.audit.add(entry)


async def read_page_in(uow: AuditUnit, where: AuditFilter, *, page: int) -> AuditPage:
    page = max(1, page)
    total = await uow.audit.count(where)
    entries = await uow.audit.find(where, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return AuditPage(entries=entries, page=page, per_page=PER_PAGE, total=total)


async def read_all_in(uow: AuditUnit, where: AuditFilter) -> list[AuditEntry]:
    return await uow.audit.find(where, limit=EXPORT_LIMIT)

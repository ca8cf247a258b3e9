"""The audit log as staff read it: one page by filter, or every matching entry for the CSV
export. Reading needs ``Permission.AUDIT_READ``."""

from __future__ import annotations

from dataclasses import dataclass

from domain.audit.model import AuditEntry, AuditFilter, AuditPage
from domain.audit.service import read_all_in, read_page_in
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission, require
from domain.staff.ports import StaffUnit


@dataclass(frozen=True, slots=True)
class AuditLogView:
    page: AuditPage
    where: AuditFilter
    staff: list[tuple[str, str]]  # (id, e-mail) for the staff filter
    actions: list[str]


async def audit_log_page(
    actor: SignedInStaff, where: AuditFilter, *, page: int, uow: StaffUnit
) -> AuditLogView:
    require(actor, Permission.AUDIT_READ)
    async with uow:
        result = await read_page_in(uow, where, page=page)
        members = await uow.staff.all()
        actions = await uow.audit.actions()
    return AuditLogView(
        page=result,
        where=where,
        staff=sorted(((m.id, m.email) for m in members), key=lambda s: s[1]),
        actions=sorted(actions),
    )


async def audit_log_export(
    actor: SignedInStaff, where: AuditFilter, *, uow: StaffUnit
) -> list[AuditEntry]:
    require(actor, Permission.AUDIT_READ)
    async with uow:
        return await read_all_in(uow, where)
